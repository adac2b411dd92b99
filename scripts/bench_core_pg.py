"""pg_command_rate: budget edits/s on PostgreSQL with 1 and 4 concurrent writers, against raw
eventsourcing PostgreSQL saves/s of a trivial aggregate in the same run (bench_core's group)."""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from uuid import uuid4

from eventsourcing.application import Application

from adapters.bootstrap import bootstrap
from adapters.settings import Settings
from domain.application import SamverkanCore
from domain.context import acting_as

PG_URL = os.environ.get("SAMVERKAN_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _connect() -> object:
    import psycopg

    return psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)


def postgres_down() -> str | None:
    """Why PostgreSQL cannot be benchmarked, or None when it answers."""
    try:
        _connect().close()  # type: ignore[attr-defined]
    except Exception as error:
        return f"PostgreSQL at {PG_URL} does not answer ({type(error).__name__})"
    return None


@contextmanager
def _schema() -> Iterator[str]:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    conn: object = _connect()
    conn.execute(f'CREATE SCHEMA "{name}"')  # type: ignore[attr-defined]
    try:
        yield name
    finally:
        conn.execute(f'DROP SCHEMA "{name}" CASCADE')  # type: ignore[attr-defined]
        conn.close()  # type: ignore[attr-defined]


def _together(writers: list[Callable[[], None]], seconds: float) -> float:
    """Operations per second of all `writers` running at once, each in a thread of its own."""
    stop, counts, start = threading.Event(), [0] * len(writers), threading.Barrier(len(writers) + 1)

    def run(n: int) -> None:
        start.wait()
        while not stop.is_set():
            writers[n]()
            counts[n] += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(writers))]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def pg_command_rate(writers: int, seconds: float) -> dict:
    from bench_core import Counter  # the same trivial aggregate as command_rate's baseline

    with _schema() as ours_schema, _schema() as base_schema:
        # eventsourcing's own recorder and transcoder: only the connection settings are ours.
        plain = {k: v for k, v in Settings(database_url=PG_URL, pg_schema=base_schema)
                 .event_store_env().items() if k.startswith(("POSTGRES_", "PERSISTENCE_"))}
        baseline_app = Application(env={**plain, **SamverkanCore.env})
        counters = [Counter() for _ in range(writers)]
        baseline_app.save(*counters)

        def baseline(counter_id: uuid.UUID) -> Callable[[], None]:
            def save() -> None:
                loaded = baseline_app.repository.get(counter_id)
                loaded.increment(by=1)
                baseline_app.save(loaded)
            return save

        system = bootstrap(Settings(database_url=PG_URL, pg_schema=ours_schema))
        app, person = system.app, str(uuid4())
        with acting_as(person):
            plan = app.start_plan("Bench", "Här", 2027, 2029).aggregate_id
            org = app.add_actor(plan, "Kommunen", "public").entity_id
            app.change_member(plan, person, "facilitator", org)
        with acting_as(person, org):
            budgets = [app.create_budget(plan, f"Budget {n}").aggregate_id for n in range(writers)]
            lines = [[app.add_line(b, f"Rad {i}", "Drift", {2027: 100}).entity_id
                      for i in range(20)] for b in budgets]

        def editor(n: int) -> Callable[[], None]:
            done = [0]

            def edit() -> None:
                i = done[0] = done[0] + 1
                with acting_as(person, org):
                    app.change_amount(budgets[n], lines[n][i % 20], 2027 + i % 3, 1000 + i)
            return edit

        ours, base = [], []
        for _ in range(5):  # alternating rounds: machine noise hits both alike
            base.append(_together([baseline(c.id) for c in counters], seconds / 10))
            ours.append(_together([editor(n) for n in range(writers)], seconds / 10))
        system.close()
        baseline_app.close()
    value, baseline_value = statistics.median(ours), statistics.median(base)
    return {"metric": "pg_command_rate", "writers": writers, "value": round(value, 1),
            "unit": "edits/s", "baseline": round(baseline_value, 1),
            "ratio": round(value / baseline_value, 3), "target": "ratio >= 0.8",
            "met": value / baseline_value >= 0.8}
