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

from bench_core import long_budget

from adapters.bootstrap import bootstrap
from adapters.settings import Settings
from domain.context import acting_as
from projections.history import sheet_of

LOADS = 9


def time_travel_ms(workdir: Path, events: int = 10_000) -> dict:
    person, _, budget_id = long_budget(workdir / "travel", events)
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
