"""The dispatcher, the registry of connections and the sweep, on the in-memory store with a
recording stand-in for the socket server (what reaches whom, in which order)."""

from __future__ import annotations

import threading
from typing import Any
from uuid import uuid4

import pytest
from flask import Flask

from adapters.credentials import SESSION, TOKEN
from domain.context import acting_as
from domain.errors import NotAllowed
from domain.usecases import Samverkan
from web.live.connections import Connection, Connections, Credential
from web.live.dispatcher import Dispatcher, room
from web.live.presence import Presence
from web.live.sweep import Sweeper


class Server:
    """Rooms and emits as python-socketio keeps them, recorded in order."""

    def __init__(self) -> None:
        self.rooms: dict[str, set[str]] = {}
        self.sent: list[tuple[str, str, Any]] = []  # (sid, event, data), per receiver

    def enter_room(self, sid: str, name: str, namespace: str) -> None:
        self.rooms.setdefault(name, set()).add(sid)

    def leave_room(self, sid: str, name: str, namespace: str) -> None:
        self.rooms.get(name, set()).discard(sid)

    def emit(self, event: str, data: Any, to: str, namespace: str) -> None:
        for sid in sorted(self.rooms.get(to, set())):  # every sid is a room of its own
            self.sent.append((sid, event, data))

    def to(self, sid: str) -> list[tuple[str, Any]]:
        return [(event, data) for s, event, data in self.sent if s == sid]


class Names:
    def by(self, plan_id: str, person_id: str, org_id: str | None) -> dict[str, Any]:
        return {"person_id": person_id, "name": person_id[:4], "org_id": org_id,
                "org_name": None, "sector": None}


class Setup:
    def __init__(self) -> None:
        self.app = Samverkan(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.facilitator, self.member = str(uuid4()), str(uuid4())
        with acting_as(self.facilitator):
            self.plan = str(self.app.start_plan("Plan", "By", 2027, 2028).aggregate_id)
            self.app.add_member(self.plan, self.member, "observer")
        self.server, self.connections, self.presence = Server(), Connections(), Presence()
        flask_app = Flask(__name__)
        flask_app.config["BABEL_DEFAULT_LOCALE"] = "en"
        from web.extensions import babel

        babel.init_app(flask_app)
        self.dispatcher = Dispatcher(self.app, self.connections, self.presence, Names(),
                                     type("SocketIO", (), {"server": self.server})(), "/live",
                                     flask_app)

    def connect(self, person: str) -> str:
        sid = str(uuid4())
        self.connections.add(Connection(sid, person, Credential(SESSION, sid), guard=None))
        self.server.enter_room(sid, sid, "/live")  # python-socketio: every sid is a room
        return sid

    def change(self, position: int, aggregate_type: str = "Budget") -> dict[str, Any]:
        return {"position": position, "plan_id": self.plan, "aggregate_type": aggregate_type,
                "type": "Something"}


@pytest.fixture
def setup() -> Setup:
    return Setup()


def test_a_plan_event_takes_those_who_may_no_longer_read_out_before_it_is_sent(setup: Setup) -> None:
    boss, member = setup.connect(setup.facilitator), setup.connect(setup.member)
    setup.dispatcher.join(boss, setup.plan, setup.facilitator, None)
    setup.dispatcher.join(member, setup.plan, setup.member, None)
    setup.dispatcher.deliver(setup.change(10))
    with acting_as(setup.facilitator):
        setup.app.remove_member(setup.plan, setup.member)
    setup.server.sent.clear()
    setup.dispatcher.deliver(setup.change(11, "Plan"))
    setup.dispatcher.deliver(setup.change(12))
    setup.dispatcher.flush_presence()  # presence is coalesced: it follows at the next flush
    assert [event for event, _ in setup.server.to(member)] == ["access_ended"]
    [(_, ended)] = setup.server.to(member)
    assert ended["plan_id"] == setup.plan and ended["error"] == "not_allowed" and ended["message"]
    assert [(e, d.get("position")) for e, d in setup.server.to(boss)] == [
        ("change", 11), ("change", 12), ("presence", None)]
    assert [p["person_id"] for p in setup.server.to(boss)[-1][1]["people"]] == [setup.facilitator]
    assert setup.connections.person_in(member, setup.plan) is None
    assert setup.dispatcher.position == 12


def test_any_plan_event_rechecks_reading_not_only_a_removal(setup: Setup) -> None:
    """The right is asked of the plan after every Plan event, whatever it is called, so a
    future event that takes reading away needs no change here."""
    member = setup.connect(setup.member)
    setup.dispatcher.join(member, setup.plan, setup.member, None)
    asked: list[str] = []
    real = setup.app.require
    setup.app.require = lambda plan_id, right, org_id=None: asked.append(right.name) or real(
        plan_id, right, org_id)
    setup.dispatcher.deliver(setup.change(5, "Budget"))
    assert asked == []  # budget edits do not change who may read
    setup.dispatcher.deliver({**setup.change(6, "Plan"), "type": "PlanArchivedSomeday"})
    assert asked == ["read"]


def test_a_join_after_a_removal_was_stored_is_refused_even_before_it_is_dispatched(
        setup: Setup) -> None:
    member = setup.connect(setup.member)
    with acting_as(setup.facilitator):
        setup.app.remove_member(setup.plan, setup.member)
    with pytest.raises(NotAllowed):
        setup.dispatcher.join(member, setup.plan, setup.member, None)
    assert member not in setup.server.rooms.get(room(setup.plan), set())


def test_a_join_waits_for_a_delivery_in_progress(setup: Setup) -> None:
    """Joining takes the dispatcher's lock: it is either checked by the plan event being
    delivered, or it reads the plan after that event."""
    member = setup.connect(setup.member)
    with setup.dispatcher.lock:
        joined = threading.Thread(target=setup.dispatcher.join,
                                  args=(member, setup.plan, setup.member, None))
        joined.start()
        joined.join(timeout=0.2)
        assert joined.is_alive()  # held up while a change is being delivered
    joined.join(timeout=5)
    assert setup.connections.person_in(member, setup.plan) is not None


def test_a_connection_that_left_cannot_be_joined(setup: Setup) -> None:
    sid = setup.connect(setup.member)
    setup.connections.remove(sid)
    with pytest.raises(NotAllowed):
        setup.dispatcher.join(sid, setup.plan, setup.member, None)
    assert sid not in setup.server.rooms.get(room(setup.plan), set())


# ---- the registry -------------------------------------------------------------------------


def test_the_registry_keeps_count_under_many_threads() -> None:
    connections = Connections()
    plans = [str(uuid4()) for _ in range(3)]

    def work(n: int) -> None:
        sid = f"s{n}"
        connections.add(Connection(sid, f"p{n}", Credential(SESSION, sid), guard=None))
        for plan in plans:
            connections.join(sid, plan, {"person_id": f"p{n}"})
        connections.leave(sid, plans[0])
        if n % 2:
            connections.remove(sid)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(connections) == 100
    assert connections.joined_to(plans[0]) == []
    assert sorted(sid for sid, _ in connections.joined_to(plans[1])) == sorted(
        f"s{n}" for n in range(0, 200, 2))


def test_the_registry_hands_out_copies() -> None:
    connections = Connections()
    connections.add(Connection("s", "p", Credential(TOKEN, "svk_x"), guard=None))
    connections.join("s", "plan", {"role": "observer"})
    connections.person_in("s", "plan")["role"] = "facilitator"
    assert connections.person_in("s", "plan") == {"role": "observer"}
    assert connections.join("gone", "plan", {}) is False


# ---- the sweep ---------------------------------------------------------------------------


def test_the_sweep_asks_once_for_every_connection_and_ends_those_no_longer_open() -> None:
    connections = Connections()
    for sid, person, kind in (("a", "anna", SESSION), ("b", "bo", SESSION), ("t", "bo", TOKEN)):
        connections.add(Connection(sid, person, Credential(kind, f"secret-{sid}"), guard=None))
    asked: list[set[tuple[str, str]]] = []
    ended: list[str] = []
    still = {(SESSION, Credential(SESSION, "secret-a").hash, "anna"),
             (TOKEN, Credential(TOKEN, "secret-t").hash, "bo"),
             (SESSION, Credential(SESSION, "secret-b").hash, "someone else")}

    def still_open(wanted: Any) -> set[tuple[str, str, str]]:
        asked.append(set(wanted))
        return still

    sweeper = Sweeper(connections, still_open, ended.append)
    assert sweeper.sweep() == 1
    assert len(asked) == 1 and len(asked[0]) == 3
    assert ended == ["b"]  # a session now someone else's is not this connection's


def test_a_failing_sweep_is_logged_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    connections = Connections()
    connections.add(Connection("a", "anna", Credential(SESSION, "x"), guard=None))
    calls: list[int] = []

    def flaky(wanted: Any) -> set[tuple[str, str, str]]:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("database away")
        return set()

    ended = threading.Event()
    sweeper = Sweeper(connections, flaky, lambda sid: ended.set(), interval=0.01)
    sweeper.start()
    try:
        assert ended.wait(2)
    finally:
        sweeper.stop()
    assert "the live sweep failed" in caplog.text
