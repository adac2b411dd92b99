"""Only people who may read a plan now receive it live (docs/realtime.md, *Access*).

A member removed while in the meeting is told `access_ended` and taken out of the room before
the removal (or anything after it) is sent; focus asks the plan itself; a session or token
ended elsewhere ends its quiet sockets at the next sweep; API tokens open sockets too.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.context import acting_as
from projections import queries
from tests.e2e.demo_years import Y1
from tests.e2e.live_helpers import NS, Participant, in_meeting, person_named
from web.extensions import socketio
from web.live import live


@pytest.fixture
def sheet(demo_system: System, demo: DemoPlan) -> queries.BudgetSheet:
    with demo_system.engine.connect() as conn:
        return queries.budget_sheet(conn, demo.budget_id)


def _names(packets: list[dict[str, Any]]) -> list[str]:
    return [p["name"] for p in packets]


def _remove(system: System, demo: DemoPlan, name: str) -> None:
    with acting_as(person_named(demo, "Anna Berg").person_id):
        system.app.remove_member(demo.plan_id, person_named(demo, name).person_id)


def _edit(anna: Participant, demo: DemoPlan, sheet: queries.BudgetSheet, amount: int) -> dict:
    reply = anna.command("change_amount", budget_id=demo.budget_id,
                         line_id=sheet.lines[0]["line_id"], year=Y1, amount=amount)
    assert reply["ok"], reply
    return reply


def test_a_removed_member_is_told_access_ended_and_receives_nothing_of_the_plan_after_it(
        running: Flask, demo: DemoPlan, demo_system: System, sheet: queries.BudgetSheet) -> None:
    anna, erik = in_meeting(running, demo, "Anna Berg"), in_meeting(running, demo, "Erik Lindqvist")
    _remove(demo_system, demo, "Erik Lindqvist")
    [ended] = erik.received("access_ended")
    assert ended["plan_id"] == demo.plan_id and ended["error"] == "not_allowed"
    assert ended["message"]
    removal = anna.received("change")[-1]
    assert removal["type"] == "MemberRemoved"
    ack = _edit(anna, demo, sheet, 4_711)
    assert anna.received("change", count=2)[-1]["position"] == ack["position"]
    # Erik heard nothing of the plan from the moment he was told: not the removal itself,
    # not the edit after it, not the presence that no longer lists him.
    after = erik.inbox[_names(erik.inbox).index("access_ended") + 1:]
    assert [p for p in after if p["name"] in ("change", "presence")] == []
    assert [c for c in erik.received("change", timeout=0.3) if c["type"] == "MemberRemoved"] == []
    people = anna.received("presence")[-1]["people"]
    assert [p["name"] for p in people] == ["Anna Berg"]
    focus = erik.call("focus", {"plan_id": demo.plan_id, "cell": None})
    assert focus["ok"] is False and focus["error"]["error"] == "not_allowed"
    assert erik.socket.is_connected(NS)  # still signed in: other plans are still his to follow


def test_a_removed_member_cannot_join_again_nor_catch_up(running: Flask, demo: DemoPlan,
                                                         demo_system: System) -> None:
    erik = in_meeting(running, demo, "Erik Lindqvist")
    _remove(demo_system, demo, "Erik Lindqvist")
    erik.received("access_ended")
    again = erik.call("join", {"plan_id": demo.plan_id, "since": 0})
    assert again["ok"] is False and again["error"]["error"] == "not_allowed"
    assert "changes" not in again


def test_focus_asks_the_plan_itself_not_only_the_join(app: Flask, demo: DemoPlan,
                                                      demo_system: System) -> None:
    """Without the feed running nothing is dispatched: only focus's own check can refuse."""
    erik = in_meeting(app, demo, "Erik Lindqvist")
    assert erik.call("focus", {"plan_id": demo.plan_id, "cell": None})["ok"]
    _remove(demo_system, demo, "Erik Lindqvist")
    refused = erik.call("focus", {"plan_id": demo.plan_id, "cell": None})
    assert refused["ok"] is False and refused["error"]["error"] == "not_allowed"
    assert erik.received("access_ended")  # and he is taken out of the meeting at once
    with app.app_context():
        in_meeting_now = [p["name"] for _, p in live().connections.joined_to(demo.plan_id)]
    assert "Erik Lindqvist" not in in_meeting_now


def test_a_role_change_shows_in_presence_and_keeps_the_member_in_the_meeting(
        running: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna, erik = in_meeting(running, demo, "Anna Berg"), in_meeting(running, demo, "Erik Lindqvist")
    with acting_as(person_named(demo, "Anna Berg").person_id):
        demo_system.app.change_member(demo.plan_id, person_named(demo, "Erik Lindqvist").person_id,
                                      "observer")
    changes = erik.received("change")
    assert changes and changes[-1]["type"] == "MemberChanged"
    erik_now = next(p for p in anna.received("presence")[-1]["people"]
                    if p["name"] == "Erik Lindqvist")
    assert erik_now["role"] == "observer"
    assert erik.received("access_ended", timeout=0.2) == []


# ---- sessions and tokens ended elsewhere: the sweep ----------------------------------------------


def _token(participant: Participant) -> str:
    with participant.http.session_transaction() as session:
        return session["sid"]


def test_a_quiet_socket_whose_session_ended_elsewhere_is_closed_by_the_sweep(
        running: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna, erik = in_meeting(running, demo, "Anna Berg"), in_meeting(running, demo, "Erik Lindqvist")
    demo_system.accounts.close_session(_token(erik))  # another process signed him out
    with running.app_context():
        assert live().sweeper.sweep() == 1
    assert not erik.socket.is_connected(NS)
    assert "signed_out" in _names(erik.socket.queue)
    assert anna.socket.is_connected(NS)
    with running.app_context():
        assert live().sweeper.sweep() == 0


def test_the_sweep_runs_by_itself_about_once_a_second(running: Flask, demo: DemoPlan,
                                                      demo_system: System) -> None:
    erik = in_meeting(running, demo, "Erik Lindqvist")
    demo_system.accounts.close_sessions(person_named(demo, "Erik Lindqvist").person_id)
    import time

    deadline = time.monotonic() + 3
    while erik.socket.is_connected(NS) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not erik.socket.is_connected(NS)


def _token_socket(app: Flask, secret: str) -> Any:
    return socketio.test_client(app, namespace=NS, auth={"token": secret})


def test_an_api_token_opens_a_socket_without_a_cookie_and_revoking_it_closes_the_socket(
        running: Flask, demo: DemoPlan, demo_system: System) -> None:
    erik_id = person_named(demo, "Erik Lindqvist").person_id
    token_id, secret = demo_system.tokens.issue(erik_id, "script")
    socket = _token_socket(running, secret)
    assert socket.is_connected(NS)
    reply = socket.emit("join", {"plan_id": demo.plan_id}, namespace=NS, callback=True)
    assert reply["ok"] and reply["you"]["name"] == "Erik Lindqvist", reply
    assert demo_system.tokens.of(erik_id)[0].last_used_at is not None
    demo_system.tokens.revoke(erik_id, token_id)
    with running.app_context():
        assert live().sweeper.sweep() == 1
    assert not socket.is_connected(NS)


@pytest.mark.parametrize("auth", [{"token": "svk_not-a-token"}, {"token": ""}, {"token": 5},
                                  {"token": "x" * 500}, "svk_", None])
def test_a_bad_token_or_none_without_a_session_is_refused(running: Flask, auth: Any) -> None:
    socket = socketio.test_client(running, namespace=NS, auth=auth)
    assert not socket.is_connected(NS)


def test_a_removal_made_by_another_process_ends_access_here_too(
        running: Flask, demo: DemoPlan, demo_system: System) -> None:
    """Another process (here: a second application on the same store, as the CLI would be)
    removes Erik; this process's feed reads the removal from the log and ends his access."""
    from adapters.bootstrap import bootstrap

    erik = in_meeting(running, demo, "Erik Lindqvist")
    elsewhere = bootstrap(demo_system.settings)
    try:
        _remove(elsewhere, demo, "Erik Lindqvist")
    finally:
        elsewhere.close()
    [ended] = erik.received("access_ended")
    assert ended["plan_id"] == demo.plan_id
