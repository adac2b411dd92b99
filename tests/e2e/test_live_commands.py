"""Command receipts over the socket: a re-sent command's reply is the first one exactly (every
command type), and another person's command id is refused, storing nothing."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from flask import Flask

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from projections import queries
from tests.e2e.demo_years import Y1, Y2
from tests.e2e.live_helpers import in_meeting


@pytest.fixture
def sheet(demo_system: System, demo: DemoPlan) -> queries.BudgetSheet:
    with demo_system.engine.connect() as conn:
        return queries.budget_sheet(conn, demo.budget_id)


def _commands(demo: DemoPlan, sheet: queries.BudgetSheet) -> list[dict[str, Any]]:
    line, other, actor = (sheet.lines[0]["line_id"], sheet.lines[1]["line_id"],
                          sheet.actors[0]["actor_id"])
    base = {"budget_id": demo.budget_id}
    return [{"type": "add_line", **base, "label": "Kaffehörna", "amounts": {str(Y1): 5}},
            {"type": "add_line", **base, "label": "PC", "line_id": str(uuid.uuid4())},
            {"type": "rename_line", **base, "line_id": line, "label": "Nytt namn"},
            {"type": "recategorise_line", **base, "line_id": line, "category": "Övrigt"},
            {"type": "change_amount", **base, "line_id": line, "year": Y1, "amount": 1},
            {"type": "set_share", **base, "line_id": line, "actor_id": actor, "share": 0},
            {"type": "set_line_kind", **base, "line_id": line, "kind": "income"},
            {"type": "move_line", **base, "line_id": line, "position": 1},
            {"type": "undo", **base},
            {"type": "redo", **base},
            {"type": "remove_line", **base, "line_id": other}]


def test_a_resent_command_of_every_type_gets_the_first_reply_but_duplicate(
        running: Flask, demo: DemoPlan, demo_system: System, sheet: queries.BudgetSheet) -> None:
    anna = in_meeting(running, demo, "Anna Berg")
    for command in _commands(demo, sheet):
        time.sleep(0.1)  # two messages a round: within the connection's 20 a second
        kind, command_id = command.pop("type"), str(uuid.uuid4())
        first = anna.command(kind, command_id, **command)
        stored = demo_system.app.recorder.max_notification_id()
        again = anna.command(kind, command_id, **command)
        assert first["ok"] and first["duplicate"] is False, (kind, first)
        assert again == {**first, "duplicate": True}, kind
        assert demo_system.app.recorder.max_notification_id() == stored
        if kind in ("undo", "redo"):
            assert first["undone" if kind == "undo" else "redone"]["type"] == "LineItemMoved"
        if kind in ("rename_line", "recategorise_line", "change_amount", "set_share",
                    "set_line_kind"):
            assert first["version"] is not None, kind
        if kind == "add_line":
            assert first["line_id"], kind


def test_another_persons_command_id_is_refused_and_the_edit_is_not_silently_dropped(
        running: Flask, demo: DemoPlan, demo_system: System, sheet: queries.BudgetSheet) -> None:
    anna, erik = in_meeting(running, demo, "Anna Berg"), in_meeting(running, demo, "Erik Lindqvist")
    gunnar = in_meeting(running, demo, "Gunnar Persson")
    line = sheet.lines[0]["line_id"]
    first = anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y1,
                         amount=77_700)
    seen = erik.received("change")[-1]["command_id"]  # command ids travel in every broadcast
    assert seen == first["command_id"]
    stored = demo_system.app.recorder.max_notification_id()
    taken = erik.command("change_amount", seen, budget_id=demo.budget_id, line_id=line,
                         year=Y2, amount=1)
    assert taken["ok"] is False and taken["error"]["error"] == "command_id_taken", taken
    assert taken["error"]["message"] and taken["error"]["command_id"] == seen
    observer = gunnar.command("change_amount", seen, budget_id=demo.budget_id, line_id=line,
                              year=Y1, amount=77_700)
    assert observer["ok"] is False and observer["error"]["error"] == "not_allowed", observer
    assert demo_system.app.recorder.max_notification_id() == stored
