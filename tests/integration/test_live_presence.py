"""Presence as coalesced per-person changes (web/live/presence.py, docs/realtime.md), through
the dispatcher with the recording stand-in for the socket server."""

from __future__ import annotations

import threading
import time
from typing import Any
from uuid import uuid4

import pytest
import socketio
from engineio import packet as eio_packet

from domain.context import acting_as
from tests.integration.test_live_dispatcher import Setup
from web.live.dispatcher import presence_room, room
from web.live.presence import Flusher


@pytest.fixture
def setup() -> Setup:
    return Setup()


def _members(setup: Setup, count: int) -> list[str]:
    people = [str(uuid4()) for _ in range(count)]
    with acting_as(setup.facilitator):
        for person in people:
            setup.app.add_member(setup.plan, person, "observer")
    return people


def _join(setup: Setup, person: str, changes: bool = True) -> tuple[str, list[dict[str, Any]]]:
    sid = setup.connect(person)
    _, _, people = setup.dispatcher.join(sid, setup.plan, person, None, presence_changes=changes)
    return sid, people


def _events(setup: Setup, sid: str, name: str) -> list[Any]:
    return [data for event, data in setup.server.to(sid) if event == name]


def test_a_room_of_joiners_gets_one_presence_message_per_flush_not_one_per_join(
        setup: Setup) -> None:
    sids = [_join(setup, person)[0] for person in _members(setup, 50)]
    assert setup.server.sent == []  # joining sends nobody anything yet
    setup.dispatcher.flush_presence()
    for sid in sids:
        [message] = _events(setup, sid, "presence_changed")
        assert [c["kind"] for c in message["changes"]] == ["entered"] * 50
    assert all(event == "presence_changed" for _, event, _ in setup.server.sent)
    setup.server.sent.clear()
    setup.dispatcher.flush_presence()
    assert setup.server.sent == []  # nothing changed since: nothing sent


def test_an_unsent_presence_update_is_replaced_by_the_next_not_queued(setup: Setup) -> None:
    [anna, erik] = _members(setup, 2)
    watcher, _ = _join(setup, anna)
    mover, _ = _join(setup, erik)
    setup.dispatcher.flush_presence()
    setup.server.sent.clear()
    for n in range(5):
        setup.presence.focus(setup.plan, mover, None, {"line_id": f"line-{n}", "field": "label"})
    setup.dispatcher.flush_presence()
    [message] = _events(setup, watcher, "presence_changed")
    [change] = message["changes"]
    assert change["kind"] == "moved" and change["person"]["cell"]["line_id"] == "line-4"


def test_presence_changes_say_who_entered_moved_was_refreshed_and_left(setup: Setup) -> None:
    [anna, erik] = _members(setup, 2)
    watcher, _ = _join(setup, anna)
    tab_one, _ = _join(setup, erik)
    tab_two, _ = _join(setup, erik)  # a second tab: still one person
    setup.dispatcher.flush_presence()
    assert [(c["kind"], c["person_id"]) for c in _events(setup, watcher, "presence_changed")[0][
        "changes"]] == [("entered", anna), ("entered", erik)]
    kinds = []
    for step in (lambda: [setup.presence.refresh(setup.plan, tab, {"role": "representative"})
                          for tab in (tab_one, tab_two)],
                 lambda: setup.presence.leave(setup.plan, tab_one),
                 lambda: setup.presence.leave_all(tab_two)):
        setup.server.sent.clear()
        step()
        setup.dispatcher.flush_presence()
        kinds.append([c["kind"] for m in _events(setup, watcher, "presence_changed")
                      for c in m["changes"]])
    assert kinds == [["refreshed"], [], ["left"]]  # one tab left: Erik is still there


def test_presence_never_goes_out_ahead_of_a_change_delivered_before_it(setup: Setup) -> None:
    [anna] = _members(setup, 1)
    sid, _ = _join(setup, anna)
    setup.dispatcher.deliver(setup.change(7))
    setup.dispatcher.flush_presence()
    assert [event for event, _ in setup.server.to(sid)] == ["change", "presence_changed"]


def test_a_flush_waits_for_a_delivery_in_progress(setup: Setup) -> None:
    [anna] = _members(setup, 1)
    sid, _ = _join(setup, anna)
    with setup.dispatcher.lock:
        flushing = threading.Thread(target=setup.dispatcher.flush_presence)
        flushing.start()
        flushing.join(timeout=0.2)
        assert flushing.is_alive() and setup.server.to(sid) == []
    flushing.join(timeout=5)
    assert [event for event, _ in setup.server.to(sid)] == ["presence_changed"]


def test_the_join_list_plus_later_changes_is_what_the_server_has(setup: Setup) -> None:
    people = _members(setup, 4)
    first, _ = _join(setup, people[0])
    _join(setup, people[1])
    setup.presence.focus(setup.plan, first, None, {"line_id": "l1", "field": "label"})
    late, listed = _join(setup, people[2])  # before the flush of the others' changes
    others = [_join(setup, people[3])[0]]
    setup.presence.focus(setup.plan, first, None, {"line_id": "l2", "field": "label"})
    setup.presence.leave_all(others[0])
    setup.dispatcher.flush_presence()
    shown = {p["person_id"]: p for p in listed}
    for message in _events(setup, late, "presence_changed"):
        for change in message["changes"]:
            if change["kind"] == "left":
                shown.pop(change["person_id"], None)
            else:
                shown[change["person_id"]] = change["person"]
    assert list(shown.values()) == setup.presence.people(setup.plan)


def test_clients_without_presence_changes_still_get_the_whole_list_once_per_flush(
        setup: Setup) -> None:
    people = _members(setup, 3)
    old, _ = _join(setup, people[0], changes=False)
    new, _ = _join(setup, people[1])
    _join(setup, people[2], changes=False)
    setup.dispatcher.flush_presence()
    [whole] = _events(setup, old, "presence")
    assert [p["person_id"] for p in whole["people"]] == people
    assert _events(setup, old, "presence_changed") == [] and _events(setup, new, "presence") == []


def test_leaving_or_losing_access_takes_the_socket_out_of_the_presence_rooms(setup: Setup) -> None:
    sid, _ = _join(setup, setup.member)
    with acting_as(setup.facilitator):
        setup.app.remove_member(setup.plan, setup.member)
    setup.dispatcher.recheck(setup.plan)
    for name in (room(setup.plan), presence_room(setup.plan, True),
                 presence_room(setup.plan, False)):
        assert sid not in setup.server.rooms.get(name, set())


def test_the_flusher_flushes_every_interval_and_survives_a_failing_flush() -> None:
    calls: list[float] = []

    def flush() -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RuntimeError("a bad flush")

    flusher = Flusher(flush, interval=0.02)
    flusher.start()
    time.sleep(0.3)
    flusher.stop()
    assert len(calls) >= 5


def test_a_change_to_a_room_is_encoded_once_whatever_the_number_of_sockets() -> None:
    """python-socketio encodes a room emit once (no ack callback) and engine.io caches the
    frame's text: the dispatcher's one emit per change costs one encoding, not one per socket."""
    server = socketio.Server()
    sent: list[eio_packet.Packet] = []
    server._send_eio_packet = lambda eio_sid, pkt: sent.append(pkt)  # type: ignore[method-assign]
    for n in range(100):
        server.manager.connect(f"eio{n}", "/live")
    for sid, _ in list(server.manager.get_participants("/live", None)):
        server.manager.enter_room(sid, "/live", "plan:x")
    encodes = 0
    real = socketio.packet.Packet.encode

    def counting(self: Any) -> Any:
        nonlocal encodes
        encodes += 1
        return real(self)

    socketio.packet.Packet.encode = counting  # type: ignore[method-assign]
    try:
        server.emit("change", {"position": 1}, to="plan:x", namespace="/live")
    finally:
        socketio.packet.Packet.encode = real  # type: ignore[method-assign]
    assert len(sent) == 100 and encodes == 1
    assert len({id(pkt) for pkt in sent}) == 1  # one engine.io packet, its text cached
