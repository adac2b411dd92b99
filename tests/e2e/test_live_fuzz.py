"""Fuzzing the live socket's messages (hypothesis): whatever a client sends, the reply is an
`ok: true/false` object (never an internal error, never no reply), and nothing is stored for a
message that was refused."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from marshmallow import Schema

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from projections import queries
from tests.e2e.demo_years import Y1
from tests.e2e.live_helpers import NS, Participant
from web.live.schemas import COMMANDS, FocusSchema, JoinSchema, LeaveSchema

FUZZ = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


class Clock:
    """Moves a second per message, so the rate limit never decides what is being tested."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False), st.text(max_size=40), st.uuids().map(str),
    st.sampled_from(["", "label", f"amount:{Y1}", "share:", str(Y1), "add_line"]),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=12), inner, max_size=4), max_leaves=12)
huge = st.integers(16_000, 20_000).map(lambda n: "x" * n)  # around the 16 KiB limit


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, chosen in proportion to its weight (one_of draws them evenly)."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(pool) - 1).flatmap(lambda i: pool[i])


junk = weighted((4, json_values), (1, huge))


def _values(demo: DemoPlan, sheet: queries.BudgetSheet) -> dict[str, st.SearchStrategy[Any]]:
    """Plausible values for every key a message may have (real ids of this plan mostly, so
    that many messages reach the application and its rules)."""
    lines = st.sampled_from([ln["line_id"] for ln in sheet.lines[:4]])
    actors = st.sampled_from([a["actor_id"] for a in sheet.actors])
    any_id = st.sampled_from([demo.plan_id, demo.budget_id]) | lines | actors | st.uuids().map(str)

    def mostly(right: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return weighted((3, right), (1, any_id))

    years = st.integers(2025, 2031)
    return {
        "plan_id": mostly(st.just(demo.plan_id)), "budget_id": mostly(st.just(demo.budget_id)),
        "line_id": mostly(lines), "actor_id": mostly(actors),
        "command_id": st.uuids().map(str), "since": st.integers(0, 10_000), "year": years,
        "amount": st.integers(0, 10**8), "share": st.integers(0, 10_000),
        "expected_version": st.none() | st.integers(0, 5), "position": st.integers(0, 30),
        "presence": st.booleans(), "presence_changes": st.booleans(),
        "label": st.text(min_size=1, max_size=30), "category": st.text(max_size=20),
        "kind": weighted((3, st.sampled_from(["cost", "income"])), (1, st.text(max_size=8))),
        "amounts": st.dictionaries(years.map(str), st.integers(0, 10**8), max_size=3),
        "cell": st.none() | st.fixed_dictionaries({"line_id": mostly(lines), "field": st.sampled_from(
            ["label", "category", "kind", f"amount:{Y1}", "share:" + str(uuid.UUID(int=0))])}),
    }


def _well_formed(schema: type[Schema], values: dict[str, st.SearchStrategy[Any]],
                 **fixed: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Messages with the schema's required keys and some of its optional ones."""
    fields = {n: f for n, f in schema().fields.items() if n not in fixed}
    return st.fixed_dictionaries(
        {**{n: st.just(v) for n, v in fixed.items()},
         **{n: values[n] for n, f in fields.items() if f.required}},
        optional={n: values[n] for n, f in fields.items() if not f.required})


@st.composite
def _spoilt(draw: st.DrawFn, messages: st.SearchStrategy[dict[str, Any]]) -> Any:
    """A well-formed message as it is, or with one key dropped, changed to anything, or added."""
    message = dict(draw(messages))
    how = draw(weighted((3, st.just("as is")), (1, st.just("drop")), (2, st.just("change")),
                        (1, st.just("add"))))
    if how == "drop" and message:
        message.pop(draw(st.sampled_from(sorted(message))))
    elif how == "change" and message:
        message[draw(st.sampled_from(sorted(message)))] = draw(junk)
    elif how == "add":
        message[draw(st.text(max_size=12))] = draw(junk)
    return message


def _commands(demo: DemoPlan, sheet: queries.BudgetSheet) -> st.SearchStrategy[Any]:
    values = _values(demo, sheet)
    well_formed = st.one_of(*(_well_formed(schema, values, type=kind)
                              for kind, schema in sorted(COMMANDS.items())))
    return weighted((3, _spoilt(well_formed)), (1, junk))


def _room_messages(demo: DemoPlan, sheet: queries.BudgetSheet) -> st.SearchStrategy[Any]:
    """(event, message) for join, focus and leave."""
    values = _values(demo, sheet)
    def messages(schema: type[Schema]) -> st.SearchStrategy[Any]:
        return weighted((3, _spoilt(_well_formed(schema, values))), (1, junk))

    return st.one_of(*(st.tuples(st.just(kind), messages(schema)) for kind, schema in
                       (("join", JoinSchema), ("focus", FocusSchema), ("leave", LeaveSchema))))


@pytest.fixture
def sheet(demo_system: System, demo: DemoPlan) -> queries.BudgetSheet:
    with demo_system.engine.connect() as conn:
        return queries.budget_sheet(conn, demo.budget_id)


@pytest.fixture
def anna(running: Flask, demo: DemoPlan) -> Participant:
    """The facilitator (who may do most), in the meeting."""
    running.config["LIVE_CLOCK"] = Clock()
    person = next(p for p in demo.people if p.name == "Anna Berg")
    participant = Participant(running, person)
    assert participant.call("join", {"plan_id": demo.plan_id})["ok"]
    return participant


def _check(anna: Participant, system: System, kind: str, message: Any) -> dict[str, Any]:
    before = system.app.recorder.max_notification_id()
    reply = anna.call(kind, message)
    after = system.app.recorder.max_notification_id()
    assert isinstance(reply, dict) and reply.get("ok") in (True, False), (kind, message, reply)
    if reply["ok"] is False:
        error = reply.get("error")
        assert isinstance(error, dict) and error.get("error") not in (None, "internal"), reply
        assert isinstance(error.get("message"), str) and error["message"], reply
        assert after == before, f"{kind} was refused but stored events: {message!r}"
    elif kind != "command":
        assert after == before, f"{kind} stored events: {message!r}"
    assert anna.socket.is_connected(NS)
    return reply


def _tally(kind: str, reply: dict[str, Any]) -> None:
    """What the examples came to (pytest --hypothesis-show-statistics shows the spread)."""
    event(f"{kind}: {'ok' if reply['ok'] else reply['error']['error']}")


@FUZZ
@given(data=st.data())
def test_fuzzed_commands_are_answered_and_store_nothing_when_refused(
        anna: Participant, demo_system: System, demo: DemoPlan, sheet: queries.BudgetSheet,
        data: st.DataObject) -> None:
    message = data.draw(_commands(demo, sheet), label="message")
    if isinstance(message, dict) and "command_id" in message:
        message = {**message, "command_id": str(uuid.uuid4())}  # not a re-sent one
    _tally("command", _check(anna, demo_system, "command", message))


@FUZZ
@given(data=st.data())
def test_fuzzed_join_focus_and_leave_are_answered_and_store_nothing(
        anna: Participant, demo_system: System, demo: DemoPlan, sheet: queries.BudgetSheet,
        data: st.DataObject) -> None:
    kind, message = data.draw(_room_messages(demo, sheet), label="event and message")
    _tally(kind, _check(anna, demo_system, kind, message))


def _nested(depth: int) -> Any:
    message: Any = {}
    for _ in range(depth):
        message = {"plan_id": message}
    return message


#: Messages that once crashed a handler, or could: found by the fuzzing above, kept as examples.
AWKWARD = [{"type": []}, {"type": {"a": 1}}, {"command_id": ["x"], "type": "undo"},
           {"plan_id": 2**80, "budget_id": -(2**70)}, _nested(400), [_nested(300)], b"\x00\xff",
           {"plan_id": b"bytes"}, "command", 3.5, True]


@pytest.mark.parametrize("kind", ["command", "join", "focus", "leave"])
def test_awkward_messages_are_refused_as_malformed(anna: Participant, demo_system: System,
                                                   kind: str) -> None:
    for message in AWKWARD:
        assert _check(anna, demo_system, kind, message)["error"]["error"] == "invalid", message


@pytest.mark.parametrize("kind", ["command", "join", "focus", "leave"])
def test_no_argument_or_several_are_malformed_not_a_crash(anna: Participant, demo: DemoPlan,
                                                          kind: str) -> None:
    for args in ((), ({"plan_id": demo.plan_id}, {"plan_id": demo.plan_id})):
        reply = anna.socket.emit(kind, *args, namespace=NS, callback=True)
        assert reply["ok"] is False and reply["error"]["error"] == "invalid", (args, reply)
