"""A command brings its cached aggregate and plan up to date with one read of the store, and
still sees everything another process stored first (the plan's rights included)."""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import uuid4

import pytest

from adapters.bootstrap import System, bootstrap
from adapters.settings import Settings
from domain.budgets import Budget
from domain.context import acting_as
from domain.errors import NotAllowed
from tests.integration.scenario import plan_a_budget


def _counting_reads(system: System) -> Counter[str]:
    """Counts the recorder's reads of aggregates' events from now on."""
    recorder, reads = system.app.recorder, Counter[str]()

    def counting(name: str) -> Any:
        read = getattr(recorder, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            reads[name] += 1
            return read(*args, **kwargs)
        return counted

    for name in ("select_events", "select_events_together"):
        setattr(recorder, name, counting(name))
    return reads


def test_a_budget_edit_reads_its_budget_and_plan_in_one_statement(system: System) -> None:
    app = system.app
    ids = plan_a_budget(app, edits=2)
    reads = _counting_reads(system)
    with acting_as(ids["person"], ids["kommun"]):
        app.change_amount(ids["budget"], ids["rent"], 2028, 7_000_000)
    assert reads == {"select_events_together": 1}
    assert app.load(Budget, ids["budget"]).lines[ids["rent"]]["amounts"]["2028"]["value"] == 7_000_000


def test_a_command_sees_the_budget_and_rights_another_process_changed(settings: Settings) -> None:
    ours = bootstrap(settings)
    other = bootstrap(settings)
    try:
        ids = plan_a_budget(ours.app, edits=2)
        colleague = str(uuid4())
        with acting_as(ids["person"]):
            ours.app.add_member(ids["plan"], colleague, "representative", ids["kommun"])
        with acting_as(colleague, ids["kommun"]):  # both aggregates now cached here
            ours.app.change_amount(ids["budget"], ids["rent"], 2027, 1)
        with acting_as(ids["person"], ids["kommun"]):  # meanwhile, in the other process
            other.app.change_amount(ids["budget"], ids["rent"], 2028, 2)
        before = other.app.load(Budget, ids["budget"]).version
        with acting_as(colleague, ids["kommun"]):
            saved = ours.app.change_amount(ids["budget"], ids["rent"], 2029, 3)
        assert saved.version == before + 1  # stored after the other's edit, without a retry
        amounts = ours.app.load(Budget, ids["budget"]).lines[ids["rent"]]["amounts"]
        assert [amounts[y]["value"] for y in ("2027", "2028", "2029")] == [1, 2, 3]
        with acting_as(ids["person"]):
            other.app.change_member(ids["plan"], colleague, "observer", ids["kommun"])
        with acting_as(colleague, ids["kommun"]), pytest.raises(NotAllowed):
            ours.app.change_amount(ids["budget"], ids["rent"], 2029, 4)
    finally:
        other.close()
        ours.close()
