"""Audit trail benchmarks: a filtered page of 50 over 1 000 000 audit rows, and flat export memory.

The rows go straight into audit_log_view through the projection's table definition (a
million events through the application would take minutes and measure something else), for
several plans, people, organisations, sectors and kinds of change, with the demo plan among
them so the HTTP routes have a real plan and members. Indexes are built once at the end,
as a projection rebuild does.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from adapters.bootstrap import System, bootstrap
from adapters.demo import PEOPLE, load_demo
from adapters.settings import Settings
from projections.audit_queries import AuditFilter, audit_page
from projections.rows import bulk_insert
from projections.tables import audit_log

PASSWORD = "bench-password-2027"
PLANS = 5
FIRST_POSITION = 1_000_000  # above the demo's own events
SECTORS = ("public", "public", "private", "voluntary", "academic")
#: (aggregate type, event type, weight): mostly amount and share edits, as on a budget sheet.
KINDS = (("budget", "LineItemAmountChanged", 50), ("budget", "CostShareChanged", 20),
         ("budget", "LineItemChanged", 8), ("budget", "LineItemAdded", 5),
         ("budget", "LineItemMoved", 3), ("service", "KpiMeasured", 4), ("service", "NeedAdded", 2),
         ("commitment", "Created", 3), ("commitment", "DeliveryRecorded", 3),
         ("plan", "MemberAdded", 1), ("budget", "StatusChanged", 1))
REPEATS = 9
START = datetime(2027, 1, 1, tzinfo=UTC)


@dataclass
class Filled:
    system: System
    plan_id: str
    person_id: str  # a demo person with many rows in the demo plan
    email: str
    rows: int


def _ids(rng: random.Random, n: int) -> list[str]:
    return [str(UUID(int=rng.getrandbits(128), version=4)) for _ in range(n)]


def _moment(i: int) -> str:
    """When the i-th generated change was recorded: one every 20 seconds from 2027."""
    return (START + timedelta(seconds=20 * i)).isoformat(timespec="microseconds")


def _rows(rng: random.Random, plans: list[dict[str, Any]], count: int) -> Iterator[dict[str, Any]]:
    kinds = [k[:2] for k in KINDS for _ in range(k[2])]
    for i in range(count):
        p = plans[i % len(plans)]
        org = rng.randrange(len(p["orgs"]))
        aggregate_type, event_type = rng.choice(kinds)
        line = rng.randrange(len(p["lines"]))
        before, amount = rng.randrange(0, 200_000) * 100, rng.randrange(0, 200_000) * 100
        yield {
            "position": FIRST_POSITION + i, "plan_id": p["plan_id"], "recorded_at": _moment(i),
            "person_id": p["people"][org], "org_id": p["orgs"][org], "sector": SECTORS[org],
            "aggregate_type": aggregate_type, "aggregate_id": p["budget"], "aggregate_version": i // 7,
            "event_type": event_type, "subject_id": p["lines"][line],
            "aggregate_name": "Budget 2027–2029", "subject_name": f"Budgetpost {line}",
            "org_name": f"Organisation {org}",
            "details": json.dumps({"compensates": None, "line_id": p["lines"][line], "year": 2027,
                                   "amount": amount, "before": before, "version": i // 7}),
        }


@contextlib.contextmanager
def filled(workdir: Path, rows: int = 1_000_000, plan_count: int = PLANS) -> Iterator[Filled]:
    """A system with the demo plan and `rows` audit rows over `plan_count` plans, indexes built."""
    system = bootstrap(Settings(data_dir=workdir / "audit"))
    system.start()
    demo = load_demo(system.app, system.people, system.accounts, PASSWORD)
    system.projections.wait(system.app.recorder.max_notification_id(), timeout=30)
    system.projections.stop()  # nothing else writes the views while the rows go in
    rng = random.Random(2027)
    people = [p.person_id for p in demo.people][:len(SECTORS)]
    plans = [{"plan_id": demo.plan_id, "people": people, "orgs": _ids(rng, len(SECTORS)),
              "budget": demo.budget_id, "lines": _ids(rng, 30)}]
    plans += [{"plan_id": pid, "people": _ids(rng, len(SECTORS)), "orgs": _ids(rng, len(SECTORS)),
               "budget": _ids(rng, 1)[0], "lines": _ids(rng, 30)} for pid in _ids(rng, plan_count - 1)]
    for index in audit_log.indexes:
        index.drop(system.engine)
    generated = _rows(rng, plans, rows)
    while True:
        batch = [row for _, row in zip(range(50_000), generated, strict=False)]
        if not batch:
            break
        with system.engine.begin() as conn:
            bulk_insert(conn, audit_log, batch)
    for index in audit_log.indexes:
        index.create(system.engine)
    person = next(p for p in demo.people if p.person_id == people[2])
    try:
        yield Filled(system, demo.plan_id, person.person_id, _email(person.name), rows)
    finally:
        system.close()


def _email(name: str) -> str:
    return next(email for known, email, _role, _actor in PEOPLE.values() if known == name)


def _median_ms(run: Any) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def page_timings(f: Filled) -> dict[str, float]:
    """Median ms of filtered first and deep pages, at the query and through the JSON API."""
    from web.app import create_app

    filters = {"person": AuditFilter(f.plan_id, person_id=f.person_id),
               "kind_sector": AuditFilter(f.plan_id, kinds=("amounts",), sector="public"),
               "three_kinds": AuditFilter(f.plan_id, kinds=("amounts", "shares", "lines")),
               "one_week": AuditFilter(f.plan_id, since=_moment(f.rows // 2),
                                       until=_moment(f.rows // 2 + 7 * 24 * 180))}
    timings: dict[str, float] = {}
    with f.system.engine.connect() as conn:
        for name, flt in filters.items():
            timings[f"{name}_first"] = _median_ms(lambda flt=flt: audit_page(conn, flt))
            deep = _deep_cursor(f)
            timings[f"{name}_deep"] = _median_ms(lambda flt=flt, deep=deep: audit_page(conn, flt, deep))
    client = _client(create_app({"SYSTEM": f.system, "SECRET_KEY": "bench"}), f.email)
    base = f"/api/plans/{f.plan_id}/audit?person={f.person_id}&kind=amounts"
    deep = _deep_cursor(f)
    for name, path in (("api_first", base), ("api_deep", f"{base}&before={deep}")):
        timings[name] = _median_ms(lambda path=path: _ok(client.get(path)))
    return timings


def _deep_cursor(f: Filled) -> int:
    """A cursor 90 % of the way down every filtered trail (rows are spread evenly in time)."""
    return FIRST_POSITION + f.rows // 10


def _client(app: Any, email: str) -> Any:
    """A test client signed in through the sign-in form, with the page's CSRF token."""
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert token, "the sign-in page has no CSRF token"
    reply = client.post("/sign-in", data={"email": email, "password": PASSWORD,
                                          "csrf_token": token.group(1)})
    assert reply.status_code == 302, reply.status_code
    return client


def _ok(reply: Any) -> Any:
    assert reply.status_code == 200, reply.status_code
    return reply.get_data()


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def export_memory(f: Filled) -> dict[str, Any]:
    """RSS growth while the whole CSV of the demo plan's rows streams through the test client."""
    from web.app import create_app

    client = _client(create_app({"SYSTEM": f.system, "SECRET_KEY": "bench"}), f.email)
    reply = client.get(f"/plans/{f.plan_id}/audit.csv")
    assert reply.status_code == 200 and reply.is_streamed
    start = peak = _rss_mb()
    size = lines = 0
    started = time.perf_counter()
    for chunk in reply.response:
        size += len(chunk)
        lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
        if lines % 20 == 0:
            peak = max(peak, _rss_mb())
    reply.close()
    seconds = time.perf_counter() - started
    growth = max(peak, _rss_mb()) - start
    return {"metric": "export_memory_mb", "value": round(growth, 1), "unit": "MB",
            "rows": lines - 1, "bytes": size, "seconds": round(seconds, 1),
            "rows_per_s": round((lines - 1) / seconds), "target": "<= 50", "met": growth <= 50}


def _drain(client: Any, path: str) -> tuple[float, int, float]:
    """Seconds to stream one export to its end, its size in bytes, and the RSS growth (MB)."""
    started, start = time.perf_counter(), _rss_mb()
    reply = client.get(path)
    assert reply.status_code == 200 and reply.is_streamed, reply.status_code
    size = chunks = 0
    peak = start
    for chunk in reply.response:
        size, chunks = size + len(chunk), chunks + 1
        if chunks % 50 == 0:
            peak = max(peak, _rss_mb())
    reply.close()
    return time.perf_counter() - started, size, max(peak, _rss_mb()) - start


def export_time(workdir: Path, rows: int = 1_000_000,
                formats: tuple[str, ...] = ("csv",)) -> dict[str, Any]:
    """Seconds to export a plan whose audit log holds all `rows` rows, each format streamed to
    its end: the CSV (Swedish: `;` and decimal commas), and if asked the xlsx and the JSON."""
    from web.app import create_app

    with filled(workdir, rows, plan_count=1) as f:
        client = _client(create_app({"SYSTEM": f.system, "SECRET_KEY": "bench"}), f.email)
        with f.system.engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(audit_log)
                                 .where(audit_log.c.plan_id == f.plan_id)).scalar_one()
        timings, sizes, memory = {}, {}, {}
        for extension in formats:
            seconds, size, grown = _drain(client, f"/plans/{f.plan_id}/audit.{extension}?lang=sv")
            timings[extension], sizes[extension] = round(seconds, 1), size
            memory[extension] = round(grown, 1)
            print(f"audit export: {extension} of {count} rows in {seconds:.1f} s",
                  file=sys.stderr, flush=True)
    value = max(timings.values())
    return {"metric": "audit_export_s", "value": value, "unit": "s", "rows": count,
            "seconds": timings, "bytes": sizes, "memory_growth_mb": memory,
            "rows_per_s": {k: round(count / v) for k, v in timings.items() if v},
            # issue 13 asks for the time to be measured and written down; it sets no goal
            "target": "none (measured)"}


def audit_benchmarks(workdir: Path, rows: int = 1_000_000) -> list[dict[str, Any]]:
    """audit_page_ms and export_memory_mb on one filled store."""
    started = time.perf_counter()
    with filled(workdir, rows) as f:
        fill_s = time.perf_counter() - started
        timings = page_timings(f)
        value = max(timings.values())
        page = {"metric": "audit_page_ms", "value": round(value, 2), "unit": "ms", "rows": rows,
                "target": "<= 50", "met": value <= 50, "fill_s": round(fill_s, 1),
                "timings_ms": {k: round(v, 2) for k, v in timings.items()}}
        return [page, export_memory(f)]


def audit_page_ms(workdir: Path, rows: int = 1_000_000) -> dict[str, Any]:
    """The slowest median of the filtered first/deep pages (query and JSON API) over `rows` rows."""
    with filled(workdir, rows) as f:
        timings = page_timings(f)
    value = max(timings.values())
    return {"metric": "audit_page_ms", "value": round(value, 2), "unit": "ms", "rows": rows,
            "target": "<= 50", "met": value <= 50,
            "timings_ms": {k: round(v, 2) for k, v in timings.items()}}


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory(prefix="samverkan-bench-") as tmp:
        if "--export" in sys.argv:  # e.g. `1000000 --export csv,xlsx,json`
            formats = sys.argv[sys.argv.index("--export") + 1].split(",")
            print(json.dumps(export_time(Path(tmp), count, tuple(formats))))
        else:
            for result in audit_benchmarks(Path(tmp), count):
                print(json.dumps(result))
