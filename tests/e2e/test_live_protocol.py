"""The live protocol (docs/realtime.md) with Flask-SocketIO's test client."""

from __future__ import annotations

import time
import uuid

import pytest
from flask import Flask

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from projections import queries
from tests.e2e.auth_helpers import DEMO_PASSWORD, post_form, sign_in
from tests.e2e.demo_years import Y1, Y2, Y3
from tests.e2e.live_helpers import NS, Participant, in_meeting, person_named


@pytest.fixture
def sheet(demo_system: System, demo: DemoPlan) -> queries.BudgetSheet:
    with demo_system.engine.connect() as conn:
        return queries.budget_sheet(conn, demo.budget_id)




def _told_signed_out(participant: Participant) -> bool:
    """The server said `signed_out` before it closed the connection (read from the test
    client's queue: a closed connection no longer hands out what it received)."""
    return any(p["name"] == "signed_out" and p["namespace"] == NS for p in participant.socket.queue)


def _amount(sheet: queries.BudgetSheet, line: int, year: int) -> tuple[str, int]:
    row = sheet.lines[line]
    return row["line_id"], row["amounts"][year]["version"]


def test_a_connection_without_a_signed_in_person_is_refused(running: Flask) -> None:
    anonymous = Participant(running, None)
    assert not anonymous.socket.is_connected("/live")


def test_someone_who_is_not_a_member_cannot_join(running: Flask, demo: DemoPlan,
                                                 demo_system: System) -> None:
    demo_system.accounts.register("Utomstående Person", "x@example.org", DEMO_PASSWORD)
    http = running.test_client()
    assert sign_in(http, "x@example.org").status_code == 302
    from web.extensions import socketio

    socket = socketio.test_client(running, namespace="/live", flask_test_client=http)
    assert socket.is_connected("/live")  # signed in: it may connect, but not join this plan
    reply = socket.emit("join", {"plan_id": demo.plan_id}, namespace="/live", callback=True)
    assert reply["ok"] is False and reply["error"]["error"] == "not_allowed"


def test_an_observer_follows_the_meeting_but_cannot_change_the_budget(
        running: Flask, demo: DemoPlan, demo_system: System, sheet: queries.BudgetSheet) -> None:
    gunnar = in_meeting(running, demo, "Gunnar Persson")
    stored = demo_system.app.recorder.max_notification_id()
    line, version = _amount(sheet, 0, Y1)
    reply = gunnar.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y1,
                           amount=1, expected_version=version)
    assert reply["ok"] is False and reply["error"]["error"] == "not_allowed"
    assert demo_system.app.recorder.max_notification_id() == stored
    anna = in_meeting(running, demo, "Anna Berg")
    ack = anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y1,
                       amount=2, expected_version=version)
    assert [c["position"] for c in gunnar.received("change")] == [ack["position"]]


def test_signing_out_closes_the_live_connection_of_that_session(
        running: Flask, demo: DemoPlan) -> None:
    anna = in_meeting(running, demo, "Anna Berg")
    assert post_form(anna.http, "/sign-out", page="/").status_code == 302
    assert not anna.socket.is_connected(NS)
    assert _told_signed_out(anna)
    from web.extensions import socketio

    again = socketio.test_client(running, namespace=NS, flask_test_client=anna.http)
    assert not again.is_connected(NS)  # and the same browser cannot open a new one


def test_a_password_change_closes_the_persons_other_live_connections_only(
        running: Flask, demo: DemoPlan) -> None:
    here, elsewhere = in_meeting(running, demo, "Anna Berg"), in_meeting(running, demo, "Anna Berg")
    changed = post_form(here.http, "/account/password", {
        "current_password": DEMO_PASSWORD, "new_password": "a brand new password",
        "repeat_password": "a brand new password"}, page="/account")
    assert changed.status_code == 302
    assert not elsewhere.socket.is_connected(NS)
    assert _told_signed_out(elsewhere)
    assert here.socket.is_connected(NS) and here.received("signed_out", timeout=0.2) == []


def test_an_edit_reaches_every_participant_with_who_made_it(
        running: Flask, demo: DemoPlan, sheet: queries.BudgetSheet) -> None:
    anna, erik = in_meeting(running, demo, "Anna Berg"), in_meeting(running, demo, "Erik Lindqvist")
    line, version = _amount(sheet, 0, Y1)
    ack = anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y1,
                       amount=5_200_000, expected_version=version)
    assert ack["ok"] and ack["version"] == version + 1 and ack["position"]
    [change] = erik.received("change")
    assert change["type"] == "LineItemAmountChanged" and change["position"] == ack["position"]
    assert change["data"] == {"line_id": line, "year": Y1, "amount": 5_200_000,
                              "before": sheet.lines[0]["amounts"][Y1]["amount"],
                              "version": version + 1}
    assert change["by"]["name"] == "Anna Berg" and change["by"]["org_name"] == "Ljusdals kommun"
    assert change["by"]["sector"] == "public"
    assert anna.received("change")[0]["position"] == ack["position"]  # the sender hears it too


def test_two_edits_of_one_figure_conflict_and_the_second_is_told_the_current_value(
        running: Flask, demo: DemoPlan, sheet: queries.BudgetSheet) -> None:
    anna, erik = in_meeting(running, demo, "Anna Berg"), in_meeting(running, demo, "Erik Lindqvist")
    line, version = _amount(sheet, 1, Y2)
    first = anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y2,
                         amount=111_100, expected_version=version)
    second = erik.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y2,
                          amount=222_200, expected_version=version)
    assert first["ok"] and second["ok"] is False
    error = second["error"]
    assert error["error"] == "stale_edit"
    assert (error["current_value"], error["current_version"]) == (111_100, version + 1)
    assert error["set_by_name"] == "Anna Berg" and error["set_for_name"] == "Ljusdals kommun"
    keep_mine = erik.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y2,
                             amount=222_200, expected_version=error["current_version"])
    assert keep_mine["ok"] and keep_mine["version"] == version + 2


def test_edits_of_different_fields_never_conflict(
        running: Flask, demo: DemoPlan, sheet: queries.BudgetSheet) -> None:
    anna, erik = in_meeting(running, demo, "Anna Berg"), in_meeting(running, demo, "Erik Lindqvist")
    line, v2027 = _amount(sheet, 2, Y1)
    _, v2028 = _amount(sheet, 2, Y2)
    label_version = sheet.lines[2]["label_version"]
    replies = [
        anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y1,
                     amount=1_000, expected_version=v2027),
        erik.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y2,
                     amount=2_000, expected_version=v2028),
        erik.command("rename_line", budget_id=demo.budget_id, line_id=line, label="Nytt namn",
                     expected_version=label_version),
    ]
    assert all(r["ok"] for r in replies), replies


def test_a_command_sent_twice_is_applied_once(
        running: Flask, demo: DemoPlan, sheet: queries.BudgetSheet) -> None:
    anna, erik = in_meeting(running, demo, "Anna Berg"), in_meeting(running, demo, "Erik Lindqvist")
    line, version = _amount(sheet, 3, Y3)
    command_id = str(uuid.uuid4())
    args = {"budget_id": demo.budget_id, "line_id": line, "year": Y3, "amount": 424_200,
            "expected_version": version}
    first = anna.command("change_amount", command_id, **args)
    again = anna.command("change_amount", command_id, **args)
    assert first["ok"] and again["ok"] and again["duplicate"] and not first["duplicate"]
    assert again["aggregate_version"] == first["aggregate_version"]
    erik.received("change", count=2, timeout=0.5)
    assert [c["position"] for c in erik.received("change")] == [first["position"]]


def test_a_participant_who_drops_off_catches_up_with_no_gap_and_no_duplicate(
        running: Flask, demo: DemoPlan, sheet: queries.BudgetSheet) -> None:
    anna, erik = in_meeting(running, demo, "Anna Berg"), in_meeting(running, demo, "Erik Lindqvist")
    line, version = _amount(sheet, 4, Y1)
    first = anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y1,
                         amount=1, expected_version=version)
    seen = erik.received("change")[-1]["position"]
    assert seen == first["position"]
    erik.socket.disconnect(namespace="/live")
    missed = [anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y1,
                           amount=n, expected_version=version + n - 1) for n in (2, 3, 4)]
    back = Participant(running, person_named(demo, "Erik Lindqvist"))
    reply = back.call("join", {"plan_id": demo.plan_id, "since": seen})
    later = anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y1,
                         amount=5, expected_version=version + 4)
    # What the join replied with, then what arrived live after it: every change once, in order.
    caught_up = [c for c in reply["changes"] if c["position"] <= reply["position"]]
    live_after = [c for c in back.received("change", count=4 - len(caught_up))
                  if c["position"] > reply["position"]]
    positions = [c["position"] for c in caught_up + live_after]
    assert positions == [m["position"] for m in missed] + [later["position"]]
    assert [c["data"]["amount"] for c in caught_up + live_after] == [2, 3, 4, 5]


def test_presence_shows_who_is_in_the_meeting_and_on_which_cell(
        running: Flask, demo: DemoPlan, sheet: queries.BudgetSheet) -> None:
    anna = in_meeting(running, demo, "Anna Berg", presence_changes=True)
    assert [p["name"] for p in anna.joined["presence"]] == ["Anna Berg"]
    erik = in_meeting(running, demo, "Erik Lindqvist", presence_changes=True)
    assert [p["name"] for p in erik.joined["presence"]] == ["Anna Berg", "Erik Lindqvist"]
    line = sheet.lines[0]["line_id"]
    assert erik.call("focus", {"plan_id": demo.plan_id, "budget_id": demo.budget_id,
                               "cell": {"line_id": line, "field": f"amount:{Y1}"}})["ok"]
    cell = {"line_id": line, "field": f"amount:{Y1}", "budget_id": demo.budget_id}
    people = anna.presence_until(anna.joined["presence"],
                                 lambda people: any(p.get("cell") == cell for p in people))
    assert [(p["name"], p["cell"]) for p in people] == [("Anna Berg", None),
                                                        ("Erik Lindqvist", cell)]
    erik.socket.disconnect(namespace="/live")
    people = anna.presence_until(people, lambda people: len(people) == 1)
    assert [p["name"] for p in people] == ["Anna Berg"]
    kinds = [c["kind"] for m in anna.received("presence_changed", count=0, timeout=0)
             for c in m["changes"]]
    assert kinds[0] == "entered" and kinds[-1] == "left" and set(kinds) <= {
        "entered", "moved", "left"}
    assert anna.received("presence", count=0, timeout=0) == []  # asked for changes only


def test_presence_comes_coalesced_one_message_for_many_moves(
        running: Flask, demo: DemoPlan, sheet: queries.BudgetSheet) -> None:
    anna = in_meeting(running, demo, "Anna Berg", presence_changes=True)
    erik = in_meeting(running, demo, "Erik Lindqvist", presence_changes=True)
    anna.presence_until(anna.joined["presence"], lambda people: len(people) == 2)
    anna.clear()
    lines = [line["line_id"] for line in sheet.lines[:3]]
    for line in lines * 4:  # twelve moves, well within one flush interval
        assert erik.call("focus", {"plan_id": demo.plan_id, "budget_id": demo.budget_id,
                                   "cell": {"line_id": line, "field": "label"}})["ok"]
    last = {"line_id": lines[-1], "field": "label", "budget_id": demo.budget_id}
    people = anna.presence_until(erik.joined["presence"],
                                 lambda people: people[-1].get("cell") == last)
    assert people[-1]["cell"] == last
    moves = [c for m in anna.received("presence_changed", count=0, timeout=0)
             for c in m["changes"]]
    assert 1 <= len(moves) < 12 and {c["kind"] for c in moves} == {"moved"}


def test_a_client_that_does_not_ask_for_presence_changes_gets_the_whole_list(
        running: Flask, demo: DemoPlan, sheet: queries.BudgetSheet) -> None:
    anna = in_meeting(running, demo, "Anna Berg")
    in_meeting(running, demo, "Erik Lindqvist", presence_changes=True)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lists = anna.received("presence", count=0, timeout=0)
        if lists and len(lists[-1]["people"]) == 2:
            break
        time.sleep(0.02)
    assert [p["name"] for p in lists[-1]["people"]] == ["Anna Berg", "Erik Lindqvist"]
    assert anna.received("presence_changed", count=0, timeout=0) == []


def test_a_page_that_follows_the_plan_gets_its_changes_without_appearing_in_presence(
        running: Flask, demo: DemoPlan, sheet: queries.BudgetSheet) -> None:
    anna = in_meeting(running, demo, "Anna Berg")
    erik = Participant(running, person_named(demo, "Erik Lindqvist"))
    reply = erik.call("join", {"plan_id": demo.plan_id, "presence": False})
    assert reply["ok"], reply
    assert [p["name"] for p in reply["presence"]] == ["Anna Berg"]
    line, version = _amount(sheet, 0, Y1)
    assert anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y1,
                        amount=777_00, expected_version=version)["ok"]
    assert erik.received("change")[-1]["data"]["amount"] == 777_00
    assert erik.call("focus", {"plan_id": demo.plan_id, "budget_id": demo.budget_id,
                               "cell": {"line_id": line, "field": "label"}})["ok"]
    time.sleep(0.5)  # three flushes: none names Erik (Anna's own join may show)
    announced = anna.received("presence", count=0, timeout=0)
    assert all(p["name"] == "Anna Berg" for message in announced for p in message["people"])
    refused = erik.call("join", {"plan_id": demo.plan_id, "presence": "no"})
    assert refused["error"]["error"] == "invalid" and "presence" in refused["error"]["fields"]


def test_undo_over_the_socket_compensates_the_persons_last_change(
        running: Flask, demo: DemoPlan, sheet: queries.BudgetSheet) -> None:
    anna = in_meeting(running, demo, "Anna Berg")
    line, version = _amount(sheet, 5, Y2)
    before = sheet.lines[5]["amounts"][Y2]["amount"]
    anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y2,
                 amount=before + 100, expected_version=version)
    undo = anna.command("undo", budget_id=demo.budget_id)
    assert undo["ok"]
    changes = anna.received("change", count=2)
    assert changes[-1]["data"]["amount"] == before and changes[-1]["undo"] is True


def test_malformed_commands_are_refused_with_a_clear_error_and_store_nothing(
        running: Flask, demo: DemoPlan, demo_system: System, sheet: queries.BudgetSheet) -> None:
    anna = in_meeting(running, demo, "Anna Berg")
    stored = demo_system.app.recorder.max_notification_id()
    line = sheet.lines[0]["line_id"]
    for bad in ({"type": "change_amount"}, {"type": "explode", "command_id": str(uuid.uuid4())},
                {"type": "change_amount", "command_id": str(uuid.uuid4()),
                 "budget_id": demo.budget_id, "line_id": line, "year": Y1, "amount": 1.5},
                {"type": "set_share", "command_id": str(uuid.uuid4()), "budget_id": demo.budget_id,
                 "line_id": line, "actor_id": str(uuid.uuid4()), "share": 20_000}):
        reply = anna.call("command", bad)
        assert reply["ok"] is False and reply["error"]["error"] == "invalid", (bad, reply)
    rule = anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=2031,
                        amount=1)
    assert rule["ok"] is False and rule["error"]["error"] == "rule_violated"
    assert demo_system.app.recorder.max_notification_id() == stored


def test_too_much_missed_asks_the_client_to_reload_the_sheet(
        running: Flask, demo: DemoPlan, sheet: queries.BudgetSheet,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import web.live.feed as feed

    monkeypatch.setattr(feed, "MAX_CATCH_UP", 2)
    anna = in_meeting(running, demo, "Anna Berg")
    line, version = _amount(sheet, 6, Y1)
    for n in range(3):
        anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y1,
                     amount=n + 7, expected_version=version + n)
    anna.received("change", count=3)
    back = Participant(running, person_named(demo, "Erik Lindqvist"))
    reply = back.call("join", {"plan_id": demo.plan_id, "since": 1})
    assert reply["ok"] and reply["reset"] is True and reply["changes"] == []
