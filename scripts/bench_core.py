"""Core benchmarks: command rate vs a trivial aggregate, rebuild rate, aggregate load time, and
importing a 1 000-line budget (bench_import.py)."""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import bench_core_pg
import bench_import
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from adapters.bootstrap import bootstrap
from adapters.settings import Settings
from domain.application import SamverkanCore
from domain.budgets import Budget
from domain.context import acting_as
from domain.plans import Plan


class Counter(Aggregate):
    """The baseline: the most trivial eventsourcing aggregate there is."""

    def __init__(self) -> None:
        self.count = 0

    @event("Incremented")
    def increment(self, by: int) -> None:
        self.count += by


def _sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


def _rate(operation, seconds: float, cpu: list[float] | None = None) -> float:
    """Operations per second; appends the CPU milliseconds per operation to `cpu`."""
    done, started, cpu_started = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - started) < seconds:
        operation(done)
        done += 1
    if cpu is not None:
        cpu.append((time.process_time() - cpu_started) * 1000 / max(done, 1))
    return done / elapsed


def command_rate(workdir: Path, seconds: float) -> dict:
    """Budget edits/s through the application vs a trivial aggregate's saves/s, both on SQLite files.

    Both sides do what a command does: get the aggregate (the same aggregate cache, fast-
    forwarded from the store), run the command, save. The baseline is the most trivial
    aggregate in a plain eventsourcing Application with the same settings, so the ratio is
    what our domain and application layer cost on top of the library. The two alternate in
    rounds so that machine noise hits both alike.
    """
    baseline_app = Application(env={**_sqlite_env(workdir / "baseline.sqlite"),
                                     **SamverkanCore.env})
    counter = Counter()
    baseline_app.save(counter)

    def baseline(_: int) -> None:
        loaded = baseline_app.repository.get(counter.id)
        loaded.increment(by=1)
        baseline_app.save(loaded)

    system = bootstrap(Settings(data_dir=workdir / "edits"))
    app, person = system.app, str(uuid4())
    with acting_as(person):
        plan = app.start_plan("Bench", "Här", 2027, 2029).aggregate_id
        org = app.add_actor(plan, "Kommunen", "public").entity_id
        app.change_member(plan, person, "facilitator", org)  # rights are checked on every edit
    with acting_as(person, org):
        budget = app.create_budget(plan, "Budget").aggregate_id
        lines = [app.add_line(budget, f"Rad {i}", "Drift", {2027: 100}).entity_id
                 for i in range(20)]

        def edit(i: int) -> None:
            app.change_amount(budget, lines[i % 20], 2027 + i % 3, 1000 + i)

        ours, base, our_cpu, base_cpu = [], [], [], []
        for _ in range(5):
            base.append(_rate(baseline, seconds / 10, base_cpu))
            ours.append(_rate(edit, seconds / 10, our_cpu))
    system.close()
    baseline_app.close()
    value, baseline_value = statistics.median(ours), statistics.median(base)
    # Beside the rates: CPU per edit, which a busy disk or machine disturbs far less (when
    # syncs are slow, both sides mostly wait for them and the ratio drifts towards 1).
    cpu, baseline_cpu = statistics.median(our_cpu), statistics.median(base_cpu)
    return {"metric": "command_rate", "value": round(value, 1), "unit": "edits/s",
            "baseline": round(baseline_value, 1), "ratio": round(value / baseline_value, 3),
            "cpu_ms": round(cpu, 3), "baseline_cpu_ms": round(baseline_cpu, 3),
            "target": "ratio >= 0.7", "met": value / baseline_value >= 0.7}


def _fill(app, count: int) -> int:
    """Store `count` realistic events quickly: commands on aggregates, saved in big batches."""
    person = str(uuid4())
    stored, plans = 0, max(1, count // 5000)
    while stored < count:
        with acting_as(person):
            plan = Plan.start(f"Plan {stored}", "By", 2027, 2029, person)
            actors = [plan.add_actor(f"Org {i}", s)
                      for i, s in enumerate(("public", "private", "academic", "voluntary"))]
        with acting_as(person, actors[0]):
            budget = Budget.create(plan.id, "Budget", plan.years)
            lines = [budget.add_line(f"Rad {i}", "Drift", {2027: 1000 * i}) for i in range(20)]
            pending = [plan, budget]
            per_plan = min(count - stored, count // plans + 1)
            i = 0
            while len(plan.pending_events) + len(budget.pending_events) + i < per_plan:
                line = lines[i % 20]
                if i % 4 == 3:
                    budget.set_share(line, actors[i % 4], (i * 37) % 2500)
                elif i % 10 == 9:
                    budget.rename_line(line, f"Rad {i}")
                else:
                    budget.change_amount(line, 2027 + i % 3, 100 * i)
                i += 1
                if len(budget.pending_events) >= 1000:
                    app.save(*pending)
                    pending = [budget]
            recordings = app.save(*pending)
        stored = app.recorder.max_notification_id() or 0
        del recordings
    return stored


def rebuild_rate(workdir: Path, events: int) -> dict:
    system = bootstrap(Settings(data_dir=workdir / "rebuild"))
    stored = _fill(system.app, events)
    # The hash chain grows with the log (a server chains each event as it is stored) and a
    # rebuild of the read models leaves it be: chain the filled log before the clock starts.
    system.projections.chain.catch_up(system.app.recorder)
    started, cpu_started = time.perf_counter(), time.process_time()
    system.projections.rebuild()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    system.close()
    rate = stored / elapsed
    return {"metric": "rebuild_rate", "value": round(rate), "unit": "events/s",
            "events": stored, "seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2),
            "target": ">= 50000",
            "met": rate >= 50_000}


def long_budget(data_dir: Path, events: int, settings: Settings | None = None) -> tuple[str, UUID, UUID]:
    """A plan and a budget of `events` versions (amount edits on 20 lines, 500 a save) in
    `data_dir`, or in the store `settings` name: (the facilitator's id, the plan id, the budget id)."""
    system = bootstrap(settings or Settings(data_dir=data_dir))
    app, person = system.app, str(uuid4())
    with acting_as(person):
        plan = app.start_plan("Bench", "Här", 2027, 2029).aggregate_id
        budget_id = app.create_budget(plan, "Budget").aggregate_id
        lines = [app.add_line(budget_id, f"Rad {i}", "Drift").entity_id for i in range(20)]
        while (budget := app.load(Budget, budget_id)).version < events:
            for i in range(min(500, events - budget.version)):
                budget.change_amount(lines[i % 20], 2027 + i % 3, budget.version + i)
            app.save(budget)
    system.close()
    return person, plan, budget_id


def aggregate_load_ms(workdir: Path, events: int) -> dict:
    _, _, budget_id = long_budget(workdir / "load", events)
    fresh = bootstrap(Settings(data_dir=workdir / "load"))  # no warm cache: a real load
    timings = []
    for _ in range(7):
        _evict(fresh.app, budget_id)  # every load reads the snapshot and the tail from disk
        started = time.perf_counter()
        loaded = fresh.app.load(Budget, budget_id)
        timings.append((time.perf_counter() - started) * 1000)
    assert loaded.version >= events
    fresh.close()
    value = statistics.median(timings)
    return {"metric": "aggregate_load_ms", "value": round(value, 2), "unit": "ms",
            "events": loaded.version, "target": "<= 50", "met": value <= 50}


def _evict(app: Application, aggregate_id: object) -> None:
    # LRUCache.clear() leaves its entries in place (eventsourcing 9.5), so evict by key.
    if app.repository.cache is not None:
        with contextlib.suppress(KeyError):
            app.repository.cache.get(aggregate_id, evict=True)


def run(args: argparse.Namespace) -> Iterator[dict]:
    quick = getattr(args, "quick", False)
    with tempfile.TemporaryDirectory(prefix="samverkan-bench-") as tmp:
        workdir = Path(tmp)
        print("core: command_rate …", file=sys.stderr, flush=True)
        yield command_rate(workdir, seconds=2 if quick else 10)
        print("core: rebuild_rate (filling the store) …", file=sys.stderr, flush=True)
        yield rebuild_rate(workdir, 10_000 if quick else 100_000)
        print("core: aggregate_load_ms …", file=sys.stderr, flush=True)
        # 99 events after the last snapshot: the most a load ever has to replay
        yield aggregate_load_ms(workdir, 1_099 if quick else 10_099)
        print("core: budget_import_1000_lines …", file=sys.stderr, flush=True)
        yield bench_import.import_1000_lines(workdir, runs=2 if quick else 5)
    for writers in (1, 4):
        if (down := bench_core_pg.postgres_down()) is not None:
            print(f"core: pg_command_rate skipped: {down}", file=sys.stderr, flush=True)
            yield {"metric": "pg_command_rate", "writers": writers, "skipped": down}
            continue
        print(f"core: pg_command_rate, {writers} writer(s) …", file=sys.stderr, flush=True)
        yield bench_core_pg.pg_command_rate(writers, seconds=2 if quick else 10)
