"""The live socket's defences (docs/realtime.md, *Security*): origin, session, membership,
rights on every command, message size and rate.

Flask-SocketIO's test client skips Engine.IO's Origin check, so the origin tests run a real
server (werkzeug, in a thread, on a free loopback port) and connect with python-socketio's
client, carrying a session cookie from a real sign-in.
"""

from __future__ import annotations

import asyncio
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
import socketio
from flask import Flask
from werkzeug.serving import make_server

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from adapters.settings import Settings
from domain.context import acting_as
from projections import queries
from tests.e2e.auth_helpers import DEMO_PASSWORD, http_sign_in, post_form
from tests.e2e.demo_years import Y1, Y2
from tests.e2e.form_helpers import events_stored
from tests.e2e.live_helpers import NS, Participant, in_meeting, person_named
from web.app import create_app
from web.live import limits
from web.live.guard import SESSION_CHECK_SECONDS

EVIL = "https://evil.example"
PARTNER = "https://samverkan.partner.example"


class FakeClock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(running: Flask) -> FakeClock:
    """Sockets connected from now on use this clock for their rate and session checks."""
    fake = FakeClock()
    running.config["LIVE_CLOCK"] = fake
    return fake


@pytest.fixture
def sheet(demo_system: System, demo: DemoPlan) -> queries.BudgetSheet:
    with demo_system.engine.connect() as conn:
        return queries.budget_sheet(conn, demo.budget_id)


def _stranger(system: System) -> SimpleNamespace:
    """Someone with an account who is no member of the demo plan."""
    email = f"stranger-{uuid.uuid4().hex[:8]}@example.org"
    person_id = system.accounts.register("Utomstående Person", email, DEMO_PASSWORD)
    return SimpleNamespace(person_id=person_id, name="Utomstående Person", email=email)


def _edits(demo: DemoPlan, sheet: queries.BudgetSheet) -> list[dict[str, Any]]:
    """One well-formed command of every type (each would be stored for a facilitator)."""
    line, actor = sheet.lines[0]["line_id"], sheet.actors[0]["actor_id"]
    budget = {"budget_id": demo.budget_id}
    return [{"type": "add_line", **budget, "label": "Kaffehörna"},
            {"type": "rename_line", **budget, "line_id": line, "label": "Nytt namn"},
            {"type": "recategorise_line", **budget, "line_id": line, "category": "Övrigt"},
            {"type": "change_amount", **budget, "line_id": line, "year": Y1, "amount": 1},
            {"type": "set_share", **budget, "line_id": line, "actor_id": actor, "share": 0},
            {"type": "move_line", **budget, "line_id": line, "position": 1},
            {"type": "remove_line", **budget, "line_id": line},
            {"type": "undo", **budget}]


# ---- Origin: cross-site WebSocket hijacking (a real server) -----------------------------------


@contextmanager
def _serving(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _session_cookie(url: str, email: str) -> str:
    """The Cookie header of a browser signed in at `url` through its sign-in form."""
    opener = http_sign_in(url, email)
    jar = next(h.cookiejar for h in opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor))
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _handshake(url: str, origin: str, cookie: str, transport: str, plan_id: str) -> Any:
    """Connect to /live with this Origin and cookie: the join reply, or the refusal."""

    async def attempt() -> Any:
        client = socketio.AsyncClient(reconnection=False)
        try:
            headers = {"Origin": origin, **({"Cookie": cookie} if cookie else {})}
            await client.connect(url, headers=headers,
                                 namespaces=[NS], transports=[transport], wait_timeout=5)
            return await client.call("join", {"plan_id": plan_id}, namespace=NS, timeout=5)
        except socketio.exceptions.ConnectionError as refused:
            return refused
        finally:
            await client.disconnect()

    async def bounded() -> Any:
        return await asyncio.wait_for(attempt(), timeout=20)

    return asyncio.run(bounded())


def test_a_websocket_handshake_from_a_foreign_origin_is_refused_even_with_a_valid_session(
        running: Flask, demo: DemoPlan) -> None:
    with _serving(running) as url:
        cookie = _session_cookie(url, person_named(demo, "Anna Berg").email)
        refused = _handshake(url, EVIL, cookie, "websocket", demo.plan_id)
        same_origin = _handshake(url, url, cookie, "websocket", demo.plan_id)
    assert isinstance(refused, socketio.exceptions.ConnectionError), refused
    assert same_origin["ok"] is True, same_origin  # the same cookie from the site itself works


def _polling_handshake(url: str, origin: str, cookie: str) -> int:
    """The status of Engine.IO's first long-polling request (its handshake) from `origin`."""
    request = urllib.request.Request(f"{url}/socket.io/?EIO=4&transport=polling",
                                     headers={"Origin": origin, "Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_long_polling_handshake_from_a_foreign_origin_is_refused(running: Flask,
                                                                   demo: DemoPlan) -> None:
    with _serving(running) as url:
        cookie = _session_cookie(url, person_named(demo, "Anna Berg").email)
        assert _polling_handshake(url, EVIL, cookie) == 400
        assert _polling_handshake(url, url, cookie) == 200


def test_a_same_origin_handshake_without_a_session_is_refused(running: Flask,
                                                               demo: DemoPlan) -> None:
    with _serving(running) as url:
        refused = _handshake(url, url, "", "websocket", demo.plan_id)
    assert isinstance(refused, socketio.exceptions.ConnectionError), refused


def test_origins_named_in_the_settings_may_connect_and_others_may_not(
        demo_system: System, demo: DemoPlan) -> None:
    named = Settings.from_env({"SAMVERKAN_ALLOWED_ORIGINS": f"{PARTNER}, https://other.example"})
    system = replace(demo_system, settings=replace(demo_system.settings,
                                                   allowed_origins=named.allowed_origins))
    app = create_app({"SYSTEM": system, "TESTING": True, "SECRET_KEY": "test"})
    with _serving(app) as url:
        cookie = _session_cookie(url, person_named(demo, "Anna Berg").email)
        partner = _handshake(url, PARTNER, cookie, "websocket", demo.plan_id)
        evil = _handshake(url, EVIL, cookie, "websocket", demo.plan_id)
    assert partner["ok"] is True, partner
    assert isinstance(evil, socketio.exceptions.ConnectionError), evil


def test_any_origin_is_never_allowed() -> None:
    with pytest.raises(ValueError):
        Settings.from_env({"SAMVERKAN_ALLOWED_ORIGINS": "https://a.example, *"})


# ---- The page session: sign-out, and sessions ended elsewhere ----------------------------------


def test_signing_out_closes_that_sessions_sockets_and_no_others(running: Flask,
                                                                demo: DemoPlan) -> None:
    here, elsewhere = (in_meeting(running, demo, "Anna Berg") for _ in range(2))
    assert here.socket.is_connected(NS) and elsewhere.socket.is_connected(NS)
    assert post_form(here.http, "/sign-out", page="/account").status_code in (302, 303)
    assert not here.socket.is_connected(NS)
    assert "signed_out" in [p["name"] for p in here.socket.queue]  # told why
    assert elsewhere.socket.is_connected(NS)
    assert elsewhere.call("join", {"plan_id": demo.plan_id})["ok"]


def _token(participant: Participant) -> str:
    with participant.http.session_transaction() as session:
        return session["sid"]


@pytest.mark.parametrize("how", ["signed_out_elsewhere", "password_changed", "erased"])
def test_a_socket_whose_session_ended_in_another_process_is_refused_and_closed(
        running: Flask, demo: DemoPlan, demo_system: System, clock: FakeClock,
        sheet: queries.BudgetSheet, how: str) -> None:
    anna = in_meeting(running, demo, "Anna Berg")
    person_id = person_named(demo, "Anna Berg").person_id
    # What another process does: the database forgets the session; no socket here is told.
    if how == "signed_out_elsewhere":
        demo_system.accounts.close_session(_token(anna))
    elif how == "password_changed":
        demo_system.accounts.close_sessions(person_id)
    else:
        demo_system.erase_person(person_id)
    stored = events_stored(demo_system)
    clock.advance(SESSION_CHECK_SECONDS)
    reply = anna.command("change_amount", budget_id=demo.budget_id,
                         line_id=sheet.lines[0]["line_id"], year=Y1, amount=7)
    assert reply["ok"] is False and reply["error"]["error"] == "not_signed_in", reply
    assert reply["error"]["message"]
    assert not anna.socket.is_connected(NS)
    assert events_stored(demo_system) == stored


def test_the_session_is_looked_up_at_most_once_a_second_per_connection(
        running: Flask, demo: DemoPlan, demo_system: System, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    anna = in_meeting(running, demo, "Anna Berg")
    lookups: list[str] = []
    real = demo_system.accounts.session_person
    monkeypatch.setattr(demo_system.accounts, "session_person",
                        lambda token: lookups.append(token) or real(token))
    focus = {"plan_id": demo.plan_id, "budget_id": demo.budget_id, "cell": None}
    for _ in range(10):
        assert anna.call("focus", focus)["ok"]
        clock.advance(0.05)
    assert len(lookups) == 0  # 0.5 s after joining: the check at connect still holds
    clock.advance(0.6)
    for _ in range(10):
        assert anna.call("focus", focus)["ok"]
    assert len(lookups) == 1


# ---- Membership and rights, checked again for every join and command ---------------------------


def test_joining_needs_an_existing_plan_and_membership_of_it(running: Flask, demo: DemoPlan,
                                                             demo_system: System) -> None:
    stranger = Participant(running, _stranger(demo_system))
    assert stranger.socket.is_connected(NS)
    refused = stranger.call("join", {"plan_id": demo.plan_id})
    assert refused["ok"] is False and refused["error"]["error"] == "not_allowed", refused
    anna = Participant(running, person_named(demo, "Anna Berg"))
    missing = anna.call("join", {"plan_id": str(uuid.uuid4())})
    assert missing["ok"] is False and missing["error"]["error"] == "not_found", missing
    not_a_plan = anna.call("join", {"plan_id": demo.budget_id})
    assert not_a_plan["ok"] is False and not_a_plan["error"]["error"] == "not_found", not_a_plan


def test_a_non_members_commands_are_refused_and_store_nothing(
        running: Flask, demo: DemoPlan, demo_system: System, sheet: queries.BudgetSheet) -> None:
    stranger = Participant(running, _stranger(demo_system))
    stranger.call("join", {"plan_id": demo.plan_id})
    stored = events_stored(demo_system)
    for edit in _edits(demo, sheet):
        reply = stranger.command(edit.pop("type"), **edit)
        assert reply["ok"] is False and reply["error"]["error"] == "not_allowed", reply
    assert events_stored(demo_system) == stored


def test_an_observer_may_follow_the_meeting_but_not_edit_or_undo(
        running: Flask, demo: DemoPlan, demo_system: System, sheet: queries.BudgetSheet) -> None:
    gunnar = in_meeting(running, demo, "Gunnar Persson")
    stored = events_stored(demo_system)
    *edits, undo = _edits(demo, sheet)
    for edit in edits:
        reply = gunnar.command(edit.pop("type"), **edit)
        assert reply["ok"] is False and reply["error"]["error"] == "not_allowed", reply
    # He has no change of his own to undo (one made before he became an observer: see below).
    assert gunnar.command(undo.pop("type"), **undo)["ok"] is False
    assert events_stored(demo_system) == stored


def test_rights_are_checked_for_every_command_not_only_when_joining(
        running: Flask, demo: DemoPlan, demo_system: System, sheet: queries.BudgetSheet) -> None:
    """Erik joins as a representative and edits; made an observer, the same open socket can
    neither edit nor undo his own change; removed from the plan, he cannot join again."""
    erik = in_meeting(running, demo, "Erik Lindqvist")
    line = sheet.lines[1]["line_id"]
    assert erik.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y1,
                        amount=4_242)["ok"]
    anna, erik_id = person_named(demo, "Anna Berg").person_id, person_named(demo, "Erik Lindqvist").person_id
    with acting_as(anna):
        demo_system.app.change_member(demo.plan_id, erik_id, "observer")
    stored = events_stored(demo_system)
    edit = erik.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y1,
                        amount=4_343)
    undo = erik.command("undo", budget_id=demo.budget_id)
    assert edit["error"]["error"] == "not_allowed" and undo["error"]["error"] == "not_allowed"
    assert events_stored(demo_system) == stored
    with acting_as(anna):
        demo_system.app.remove_member(demo.plan_id, erik_id)
    again = erik.call("join", {"plan_id": demo.plan_id})
    assert again["ok"] is False and again["error"]["error"] == "not_allowed", again


# ---- Size --------------------------------------------------------------------------------------


def _padded(message: dict[str, Any], size: int) -> dict[str, Any]:
    """The message with a `padding` field that makes it exactly `size` bytes of JSON."""
    bare = len(orjson.dumps({**message, "padding": ""}))
    return {**message, "padding": "x" * (size - bare)}


def test_messages_over_16_kib_are_refused_and_nothing_runs(
        running: Flask, demo: DemoPlan, demo_system: System, sheet: queries.BudgetSheet) -> None:
    anna = Participant(running, person_named(demo, "Anna Berg"))
    limit = limits.MAX_MESSAGE_BYTES
    plan = {"plan_id": demo.plan_id, "budget_id": demo.budget_id}
    command = {"command_id": str(uuid.uuid4()), "type": "change_amount", **_edits(demo, sheet)[3]}
    stored = events_stored(demo_system)
    for event, message in (("join", plan), ("focus", {**plan, "cell": None}),
                           ("leave", {"plan_id": demo.plan_id}), ("command", command)):
        too_large = anna.call(event, _padded(message, limit + 1))
        assert too_large["ok"] is False, (event, too_large)
        assert too_large["error"]["error"] == "too_large" and too_large["error"]["limit"] == limit
        assert too_large["error"]["message"]
        at_limit = anna.call(event, _padded(message, limit))  # measured, then read: unknown field
        assert at_limit["error"]["error"] == "invalid", (event, at_limit)
    assert anna.received("presence", timeout=0.2) == []  # the join never ran
    huge_label = {**command, "type": "add_line", "label": "x" * (limit + 1)}
    huge_label.pop("line_id"), huge_label.pop("year"), huge_label.pop("amount")
    assert anna.call("command", huge_label)["error"]["error"] == "too_large"
    assert events_stored(demo_system) == stored
    assert anna.socket.is_connected(NS)


# ---- Rate --------------------------------------------------------------------------------------


def test_too_many_commands_a_second_are_refused_with_when_to_retry(
        running: Flask, demo: DemoPlan, demo_system: System, clock: FakeClock,
        sheet: queries.BudgetSheet) -> None:
    anna = in_meeting(running, demo, "Anna Berg")
    clock.advance(1.0)  # the join's token is back
    line = sheet.lines[2]["line_id"]

    def edit(amount: int) -> dict[str, Any]:
        return anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y2,
                            amount=amount)

    assert all(edit(n)["ok"] for n in range(1, limits.COMMAND_BURST + 1))
    stored = events_stored(demo_system)
    refused = edit(999)
    assert refused["ok"] is False and refused["error"]["error"] == "rate_limited", refused
    assert refused["error"]["retry_after"] == pytest.approx(1 / limits.COMMANDS_PER_SECOND)
    assert refused["error"]["message"] and refused["command_id"]
    assert events_stored(demo_system) == stored and anna.socket.is_connected(NS)
    # Moving the cursor has a bucket of its own; edits flow again after `retry_after`.
    assert anna.call("focus", {"plan_id": demo.plan_id, "cell": None})["ok"]
    clock.advance(refused["error"]["retry_after"])
    assert edit(1000)["ok"]
    assert edit(1001)["error"]["error"] == "rate_limited"


def test_focus_has_a_looser_limit_of_its_own(running: Flask, demo: DemoPlan,
                                             clock: FakeClock) -> None:
    anna = in_meeting(running, demo, "Anna Berg")
    focus = {"plan_id": demo.plan_id, "budget_id": demo.budget_id, "cell": None}
    assert all(anna.call("focus", focus)["ok"] for _ in range(limits.FOCUS_BURST))
    refused = anna.call("focus", focus)
    assert refused["error"]["error"] == "rate_limited", refused
    assert anna.call("join", {"plan_id": demo.plan_id})["ok"]  # commands are not held up
    clock.advance(1 / limits.FOCUS_PER_SECOND)
    assert anna.call("focus", focus)["ok"]


def test_a_token_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    clock = FakeClock()
    bucket = limits.TokenBucket(rate=4, burst=2, clock=clock)
    assert [bucket.take(), bucket.take()] == [0.0, 0.0]
    assert bucket.take() == pytest.approx(0.25)
    clock.advance(0.125)
    assert bucket.take() == pytest.approx(0.125)  # half a token is there, not a whole one
    clock.advance(10)
    assert [bucket.take(), bucket.take()] == [0.0, 0.0]  # never more than the burst
    assert bucket.take() > 0
