"""Audit benchmarks: a filtered audit page over 1 000 000 rows, the CSV export of a plan's
1 000 000-row trail, time travel in a 10 000-event budget, and the rate at which
`samverkan audit verify` re-reads and checks stored events."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import bench_audit_chain
import bench_audit_page
import bench_time_travel


def run(args: argparse.Namespace) -> Iterator[dict]:
    quick = getattr(args, "quick", False)
    with tempfile.TemporaryDirectory(prefix="samverkan-bench-") as tmp:
        print("audit: audit_page_ms (filling the audit log) …", file=sys.stderr, flush=True)
        yield from bench_audit_page.audit_benchmarks(Path(tmp) / "page", 50_000 if quick else 1_000_000)
        print("audit: audit_export_s (one plan's 1 000 000-row trail as CSV) …", file=sys.stderr,
              flush=True)
        yield bench_audit_page.export_time(Path(tmp) / "export", 50_000 if quick else 1_000_000)
        print("audit: time_travel_ms …", file=sys.stderr, flush=True)
        yield bench_time_travel.time_travel_ms(Path(tmp) / "travel", 2_000 if quick else 10_000)
    yield from bench_audit_chain.run(args)
