"""The authorisation matrix of the live layer: every socket event and command × every kind of
person (the people and their world as in test_authorisation_matrix.py). A socket event or a
command without a row here fails the first test."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from domain.context import acting_as
from domain.plans import Plan
from tests.e2e.demo_years import Y1
from tests.e2e.test_authorisation_matrix import (  # noqa: F401 (the world fixture)
    EDITORS,
    MEMBERS,
    NS,
    PERSONAS,
    SIGNED_IN,
    World,
    _client,
    world_fixture,
)
from web.extensions import socketio
from web.live.commands import RUN
from web.live.namespace import LiveNamespace

SOCKET_EVENTS = {f"on_{name}" for name in ("connect", "disconnect", "join", "leave", "focus", "command")}


def test_every_socket_event_and_command_has_a_row_in_the_matrix() -> None:
    handlers = {name for name in dir(LiveNamespace) if name.startswith("on_")}
    assert handlers == SOCKET_EVENTS
    assert set(RUN) == {c.type for c in COMMANDS.values()}


def _line(w: World) -> str:
    from projections import queries

    with w.system.engine.connect() as conn:
        return queries.budget_sheet(conn, w.demo.budget_id).lines[0]["line_id"]


def _unshared_line(w: World) -> str:
    """“Oförutsedda kostnader”: a line no organisation has a share of."""
    from projections import queries

    with w.system.engine.connect() as conn:
        lines = queries.budget_sheet(conn, w.demo.budget_id).lines
    return next(ln["line_id"] for ln in lines if ln["label"] == "Oförutsedda kostnader")


def _something_undone(w: World, who: str) -> None:
    """An editor's own change, undone: something of theirs to redo."""
    with acting_as(w.person("Anna" if who == "facilitator" else "Erik")):
        w.system.app.rename_line(w.demo.budget_id, _line(w), "Före ångra")
        w.system.app.undo_last_change(w.demo.budget_id)


def _something_to_undo(w: World, who: str) -> None:
    with acting_as(w.person("Anna" if who == "facilitator" else "Erik")):
        w.system.app.rename_line(w.demo.budget_id, _line(w), "Före ångra")


@dataclass(frozen=True)
class Command:
    """A socket command: its type, what it sends, who may, and what each editor needs first."""

    type: str
    data: Callable[[World], dict[str, Any]]
    allowed: set[str] = field(default_factory=lambda: EDITORS)
    prepare: Callable[[World, str], None] | None = None


COMMANDS: dict[str, Command] = {
    "add_line": Command("add_line", lambda w: {"label": "Ny rad", "category": "Drift",
                                               "amounts": {}, "kind": "income"}),
    "rename_line": Command("rename_line", lambda w: {"line_id": _line(w), "label": "Nytt namn"}),
    "recategorise_line": Command("recategorise_line", lambda w: {"line_id": _line(w),
                                                                 "category": "Ny kategori"}),
    "set_line_kind": Command("set_line_kind", lambda w: {"line_id": _line(w), "kind": "income"}),
    "change_amount": Command("change_amount", lambda w: {"line_id": _line(w), "year": Y1,
                                                         "amount": 123_400}),
    # An organisation's share is its own representatives' and the facilitator's: Erik (Region)
    # sets Region's share, and may not set Ramsjö Lanthandel's.
    "set_share_of_own_organisation": Command("set_share", lambda w: {
        "line_id": _line(w), "actor_id": w.ids["region"], "share": 1900}),
    "set_share_of_another_organisation": Command("set_share", lambda w: {
        "line_id": _line(w), "actor_id": w.ids["handel"], "share": 1900}, {"facilitator"}),
    "move_line": Command("move_line", lambda w: {"line_id": _line(w), "position": 3}),
    # The first line is paid by the kommun, Region and Ramsjö Lanthandel: only a facilitator
    # removes it; a line nobody has a share of any editor may.
    "remove_line_others_have_a_share_of": Command(
        "remove_line", lambda w: {"line_id": _line(w)}, {"facilitator"}),
    "remove_line_nobody_has_a_share_of": Command(
        "remove_line", lambda w: {"line_id": _unshared_line(w)}),
    "undo": Command("undo", lambda w: {}, prepare=_something_to_undo),
    "redo": Command("redo", lambda w: {}, prepare=_something_undone),
}


def _socket(app: Flask, who: str, w: World) -> Any:
    client = _client(app, who, w)
    return socketio.test_client(app, namespace=NS, flask_test_client=client)


@pytest.mark.parametrize("who", PERSONAS)
def test_connecting_needs_a_signed_in_session(running: Flask, world: World, who: str) -> None:
    socket = _socket(running, who, world)
    assert socket.is_connected(NS) == (who in SIGNED_IN)


@pytest.mark.parametrize("who", sorted(SIGNED_IN))
def test_joining_leaving_and_focusing_need_membership(running: Flask, world: World, who: str) -> None:
    socket = _socket(running, who, world)
    plan = world.demo.plan_id
    joined = socket.emit("join", {"plan_id": plan, "budget_id": world.demo.budget_id}, namespace=NS,
                         callback=True)
    focus = socket.emit("focus", {"plan_id": plan, "budget_id": world.demo.budget_id, "cell": None},
                        namespace=NS, callback=True)
    left = socket.emit("leave", {"plan_id": plan}, namespace=NS, callback=True)
    assert (joined["ok"], focus["ok"]) == ((who in MEMBERS),) * 2, (joined, focus)
    assert left["ok"] is True  # leaving what one never joined changes nothing
    socket.disconnect(namespace=NS)  # on_disconnect: presence forgets the socket


@pytest.mark.parametrize("who", sorted(SIGNED_IN))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_socket_command_is_authorised_again_for_the_person(
        running: Flask, world: World, who: str, command: str) -> None:
    row = COMMANDS[command]
    plan = world.system.app.load(Plan, world.demo.plan_id)
    world.ids["handel"] = next(a for a, v in plan.actors.items() if v["name"] == "Ramsjö Lanthandel AB")
    if row.prepare and who in EDITORS:
        row.prepare(world, who)
    socket = _socket(running, who, world)
    socket.emit("join", {"plan_id": world.demo.plan_id, "budget_id": world.demo.budget_id},
                namespace=NS, callback=True)
    before = world.system.app.recorder.max_notification_id()
    reply = socket.emit("command", {"command_id": str(uuid.uuid4()), "type": row.type,
                                    "budget_id": world.demo.budget_id, **row.data(world)},
                        namespace=NS, callback=True)
    if who in row.allowed:
        assert reply["ok"] is True, reply
        assert world.system.app.recorder.max_notification_id() > before
    else:
        assert reply["ok"] is False and reply["error"]["error"] == "not_allowed", reply
        assert world.system.app.recorder.max_notification_id() == before
