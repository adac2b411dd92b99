"""Under gevent (as `samverkan serve` runs), commands to one aggregate share a commit: each
passes its turn on once its events are queued (domain/serial.py Pipelined,
adapters/group_commit.py). Whatever happens, the store holds exactly the commands that were
answered as stored, and replaying it gives what the server had in memory.

gevent must patch the standard library before anything else is imported, so each case runs in
a fresh interpreter (this test process runs with ordinary threads).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.sqlite_only(reason="the group commit is how SQLite stores share a sync")

SCRIPT = """
from gevent import monkey
monkey.patch_all(queue=False)
import json, sqlite3, sys
from pathlib import Path
import gevent
from adapters import group_commit
from adapters.bootstrap import bootstrap
from adapters.settings import Settings
from domain.budgets import Budget
from domain.context import acting_as
from tests.integration.scenario import plan_a_budget

CASE, DATA, EDITS = sys.argv[1], Path(sys.argv[2]), 60
settings = Settings(data_dir=DATA, argon2_profile="CHEAPEST")
system = bootstrap(settings)
app = system.app
ids = plan_a_budget(app, edits=0)
with acting_as(ids["person"], ids["kommun"]):
    lines = [app.add_line(ids["budget"], f"Rad {i}").entity_id for i in range(4)]
sync = group_commit.GroupCommitter._sync
if CASE == "failed_commit":  # the second commit's sync fails: a disk error
    calls = []
    def failing(conn, batch):
        calls.append(len(batch))
        if len(calls) == 2:
            conn.execute("ROLLBACK")
            raise sqlite3.OperationalError("disk I/O error")
        return sync(conn, batch)
    group_commit.GroupCommitter._sync = staticmethod(failing)
before = group_commit.commit_stats()

def edit(n):
    command_id = "resent" if CASE == "resent" and n in (5, 6) else f"c{n}"
    with acting_as(ids["person"], ids["kommun"], command_id):
        saved = app.change_amount(ids["budget"], lines[n % 4], 2027, 1000 + n)
    return not saved.duplicate

greenlets = [gevent.spawn(edit, n) for n in range(EDITS)]
gevent.joinall(greenlets)
later = [gevent.spawn(edit, n) for n in range(EDITS, EDITS + 8)]  # after whatever happened
gevent.joinall(later)
greenlets += later
after = group_commit.commit_stats()
stored = [n for n, g in enumerate(greenlets) if g.successful() and g.value]
errors = sorted({type(g.exception).__name__ for g in greenlets if not g.successful()})
live = app.load(Budget, ids["budget"])
system.close()
fresh = bootstrap(settings)  # nothing cached: what the store holds
replayed = fresh.app.load(Budget, ids["budget"])
events = list(fresh.app.events.get(replayed.id))
fresh.close()
field = lambda b: [b.lines[line]["amounts"]["2027"] for line in lines]
print(json.dumps({
    "stored": stored, "errors": errors, "commits": after.commits - before.commits,
    "live": field(live), "replayed": field(replayed), "version": replayed.version,
    "versions": [e.originator_version for e in events],
}))
"""


def _run(case: str, tmp_path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, case, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _values_of_last_stored(stored: list[int]) -> list[int]:
    return [1000 + max(n for n in stored if n % 4 == line) for line in range(4)]


def test_edits_of_one_budget_share_commits_and_the_store_replays_to_the_same_state(
        tmp_path: Path) -> None:
    result = _run("plain", tmp_path)
    assert result["errors"] == [] and result["stored"] == list(range(68))
    assert result["commits"] <= 10  # not one sync per edit
    assert result["versions"] == list(range(1, result["version"] + 1))
    assert result["live"] == result["replayed"]
    assert [f["value"] for f in result["replayed"]] == _values_of_last_stored(result["stored"])


def test_a_failed_commit_fails_what_was_built_on_it_and_nothing_else_is_lost(
        tmp_path: Path) -> None:
    result = _run("failed_commit", tmp_path)
    assert result["errors"] == ["OperationalError"]  # the failed batch and those behind it
    assert 0 < len(result["stored"]) < 68 and set(range(60, 68)) <= set(result["stored"])
    assert result["versions"] == list(range(1, result["version"] + 1))  # no gap, no fork
    assert result["live"] == result["replayed"]  # nothing unstored left in the cache
    assert [f["value"] for f in result["replayed"]] == _values_of_last_stored(result["stored"])


def test_a_resent_command_stored_behind_its_first_copy_counts_once(tmp_path: Path) -> None:
    result = _run("resent", tmp_path)
    assert result["errors"] == []
    assert 5 in result["stored"] and 6 not in result["stored"]  # the copy is a duplicate
    assert len(result["stored"]) == 67
    assert result["versions"] == list(range(1, result["version"] + 1))
    assert result["live"] == result["replayed"]
