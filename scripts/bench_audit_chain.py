"""Tamper-evidence benchmark: events/s that `samverkan audit verify` re-reads, hashes and checks.

The store is filled with realistic budget events (as bench_core does), the chain is built the
way the projection runner builds it, and then one full verification is timed: every stored
event read from the SQLite file, hashed, and compared with the chain.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench_core import _fill

from adapters.audit_verify import verify
from adapters.bootstrap import bootstrap
from adapters.settings import Settings


def verify_rate(workdir: Path, events: int = 300_000) -> dict:
    """Filling a store runs at ~10 000 events/s here, so 300 000 keeps this under a minute."""
    system = bootstrap(Settings(data_dir=workdir / "audit-chain"))
    try:
        stored = _fill(system.app, events)
        system.projections.chain.catch_up(system.app.recorder, batch_size=20_000)
        started = time.perf_counter()
        result = verify(system.app, system.engine)
        elapsed = time.perf_counter() - started
    finally:
        system.close()
    assert result.ok and result.events == stored, result
    rate = stored / elapsed
    return {"metric": "verify_rate", "value": round(rate), "unit": "events/s", "events": stored,
            "seconds": round(elapsed, 2), "target": ">= 200000", "met": rate >= 200_000}


def run(args: argparse.Namespace) -> Iterator[dict]:
    with tempfile.TemporaryDirectory(prefix="samverkan-bench-") as tmp:
        print("audit: verify_rate (filling the store) …", file=sys.stderr, flush=True)
        yield verify_rate(Path(tmp), 20_000 if getattr(args, "quick", False) else 300_000)


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory(prefix="samverkan-bench-") as tmp:
        print(json.dumps(verify_rate(Path(tmp), size)))
