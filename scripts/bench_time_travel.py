"""Time-travel benchmark: a 10 000-event budget loaded as it stood at arbitrary past versions.

Each load goes through the use case a history page calls (`budget_at`: the READ check, the
current version's bound, then the snapshot at or below the version and the events after it)
and turns the budget into the sheet the page shows, on an application just opened on the
SQLite file with its cache empty, so nothing is served from memory.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from uuid import UUID, uuid4

from adapters.bootstrap import bootstrap
from adapters.settings import Settings
from domain.budgets import Budget
from domain.context import acting_as
from projections.history import sheet_of

LOADS = 9


def _fill(workdir: Path, events: int) -> tuple[str, UUID, UUID]:
    """A plan and a budget of `events` versions (amount edits on 20 lines, 500 a save)."""
    system = bootstrap(Settings(data_dir=workdir / "travel"))
    app, person = system.app, str(uuid4())
    with acting_as(person):
        plan = app.start_plan("Tidsresa", "Här", 2027, 2029).aggregate_id
        budget_id = app.create_budget(plan, "Budget").aggregate_id
        lines = [app.add_line(budget_id, f"Rad {i}", "Drift").entity_id for i in range(20)]
        while (budget := app.load(Budget, budget_id)).version < events:
            for i in range(min(500, events - budget.version)):
                budget.change_amount(lines[i % 20], 2027 + i % 3, budget.version + i)
            app.save(budget)
    system.close()
    return person, plan, budget_id


def time_travel_ms(workdir: Path, events: int = 10_000) -> dict:
    person, _, budget_id = _fill(workdir, events)
    versions = random.Random(2027).sample(range(2, events), LOADS)
    timings = []
    for version in versions:
        fresh = bootstrap(Settings(data_dir=workdir / "travel"))  # a cold start: empty cache
        with acting_as(person):
            started = time.perf_counter()
            budget = fresh.app.budget_at(budget_id, version=version)
            sheet = sheet_of(budget, [])
            timings.append((time.perf_counter() - started) * 1000)
        assert budget.version == version and len(sheet.lines) == 20
        fresh.close()
    value = statistics.median(timings)
    return {"metric": "time_travel_ms", "value": round(value, 2), "unit": "ms", "events": events,
            "loads": LOADS, "target": "<= 50", "met": value <= 50}


if __name__ == "__main__":
    import json

    with tempfile.TemporaryDirectory(prefix="samverkan-bench-") as tmp:
        print(json.dumps(time_travel_ms(Path(tmp))))
