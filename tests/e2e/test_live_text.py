"""Text no store can keep (lone UTF-16 surrogates, control characters) is refused at the socket's
edge as `invalid`, naming where it is, before any schema or use case runs — in every kind of
message."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from projections import queries
from tests.e2e.demo_years import Y1
from tests.e2e.form_helpers import events_stored
from tests.e2e.live_helpers import NS, Participant
from web.live.schemas import COMMANDS

UNFIT = ["\ud800", "\x00", "\udfff", "\x1b", "\x7f"]


class Clock:
    """A second per message, so the rate limit never decides what is being tested."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def sheet(demo_system: System, demo: DemoPlan) -> queries.BudgetSheet:
    with demo_system.engine.connect() as conn:
        return queries.budget_sheet(conn, demo.budget_id)


@pytest.fixture
def anna(running: Flask, demo: DemoPlan) -> Participant:
    running.config["LIVE_CLOCK"] = Clock()
    participant = Participant(running, next(p for p in demo.people if p.name == "Anna Berg"),
                              lang="en")
    assert participant.call("join", {"plan_id": demo.plan_id})["ok"]
    return participant


def _commands(demo: DemoPlan, sheet: queries.BudgetSheet) -> dict[str, dict[str, Any]]:
    """A well-formed command of every type (each would be stored for Anna)."""
    line, actor = sheet.lines[0]["line_id"], sheet.actors[0]["actor_id"]
    base = {"budget_id": demo.budget_id}
    return {
        "add_line": {**base, "label": "Kaffehörna", "category": "Drift"},
        "rename_line": {**base, "line_id": line, "label": "Nytt namn"},
        "recategorise_line": {**base, "line_id": line, "category": "Övrigt"},
        "set_line_kind": {**base, "line_id": line, "kind": "income"},
        "change_amount": {**base, "line_id": line, "year": Y1, "amount": 1},
        "set_share": {**base, "line_id": line, "actor_id": actor, "share": 0},
        "move_line": {**base, "line_id": line, "position": 1},
        "remove_line": {**base, "line_id": line},
        "undo": {**base},
        "redo": {**base},
    }


def _refused_at(reply: dict[str, Any], where: str) -> None:
    assert reply["ok"] is False, reply
    assert reply["error"]["error"] == "invalid" and reply["error"]["message"], reply
    assert list(reply["error"]["fields"]) == [where], reply
    [why] = reply["error"]["fields"][where]
    assert "cannot be stored" in why, reply  # the edge's own words: no schema ran


def _spoil(text: str, bad: str, at: int) -> str:
    at = at % (len(text) + 1)
    return text[:at] + bad + text[at:]


@pytest.mark.parametrize("bad", UNFIT, ids=repr)
def test_unstorable_text_in_any_command_is_refused_naming_the_field(
        anna: Participant, demo: DemoPlan, demo_system: System, sheet: queries.BudgetSheet,
        bad: str) -> None:
    stored = events_stored(demo_system)
    for kind, fields in _commands(demo, sheet).items():
        texts = [k for k, v in fields.items() if isinstance(v, str)]
        for key in texts:
            message = {**fields, key: _spoil(fields[key], bad, 3)}
            _refused_at(anna.command(kind, **message), key)
        _refused_at(anna.command(kind, **{**fields, "type": kind + bad}), "type")
    assert events_stored(demo_system) == stored


@pytest.mark.parametrize("bad", UNFIT, ids=repr)
def test_unstorable_text_in_join_focus_and_leave_is_refused_naming_the_field(
        anna: Participant, demo: DemoPlan, sheet: queries.BudgetSheet, bad: str) -> None:
    line = sheet.lines[0]["line_id"]
    _refused_at(anna.call("join", {"plan_id": demo.plan_id + bad}), "plan_id")
    _refused_at(anna.call("join", {"plan_id": demo.plan_id, "budget_id": bad}), "budget_id")
    _refused_at(anna.call("focus", {"plan_id": demo.plan_id, "cell": {
        "line_id": line, "field": f"amount:{Y1}" + bad}}), "cell.field")
    _refused_at(anna.call("leave", {"plan_id": bad + demo.plan_id}), "plan_id")
    _refused_at(anna.call("focus", {"plan_id": demo.plan_id, bad: 1}), "_schema")  # a key
    assert anna.socket.is_connected(NS)


def test_tab_and_newline_are_ordinary_text(anna: Participant, demo: DemoPlan) -> None:
    reply = anna.command("add_line", budget_id=demo.budget_id, label="Rad\tett\nhär")
    assert reply["ok"], reply


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(label=st.text(max_size=30), bad=st.sampled_from(UNFIT), at=st.integers(0, 40),
       kind=st.sampled_from(sorted(COMMANDS)))
def test_a_spoilt_label_anywhere_in_any_command_never_reaches_the_store(
        anna: Participant, demo: DemoPlan, demo_system: System, sheet: queries.BudgetSheet,
        label: str, bad: str, at: int, kind: str) -> None:
    stored = events_stored(demo_system)
    message = {**_commands(demo, sheet)[kind], "label": _spoil(label, bad, at),
               "command_id": str(uuid.uuid4())}
    _refused_at(anna.call("command", {**message, "type": kind}), "label")
    assert events_stored(demo_system) == stored
