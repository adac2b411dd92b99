"""Undo, redo and cost/income lines over the socket (docs/realtime.md): replies say what was
undone or redone and what was skipped and why, in the person's language; changes say which."""

from __future__ import annotations

import time

from flask import Flask

from adapters.demo import DemoPlan
from tests.e2e.live_helpers import Participant, in_meeting, person_named


def _first_line(running: Flask, demo: DemoPlan) -> str:
    from domain.budgets import Budget

    system = running.extensions["samverkan"]
    return system.app.load(Budget, demo.budget_id).order[0]


def test_undo_says_what_it_skipped_and_why_and_redo_what_it_did_again(
        running: Flask, demo: DemoPlan) -> None:
    line = _first_line(running, demo)
    anna = in_meeting(running, demo, "Anna Berg", lang="en")
    erik = in_meeting(running, demo, "Erik Lindqvist")
    budget = {"budget_id": demo.budget_id}
    assert anna.command("rename_line", **budget, line_id=line, label="Inredning")["ok"]
    assert anna.command("change_amount", **budget, line_id=line, year=demo.years[1], amount=1)["ok"]
    assert erik.command("change_amount", **budget, line_id=line, year=demo.years[1], amount=2)["ok"]
    undone = anna.command("undo", **budget)
    assert undone["ok"], undone
    assert (undone["undone"]["type"], undone["undone"]["field"]) == ("LineItemChanged", "label")
    [skipped] = undone["skipped"]
    assert (skipped["type"], skipped["field"], skipped["reason_code"]) == (
        "LineItemAmountChanged", f"amount:{demo.years[1]}", "changed_since")
    assert skipped["set_by_name"] == "Erik Lindqvist"
    assert skipped["message"] == "“Inredning”: someone else has changed it since."
    change = _change_of(anna, undone)
    assert (change["type"], change["undo"], change["redo"]) == ("LineItemChanged", True, False)
    redone = anna.command("redo", **budget)
    assert redone["ok"] and redone["redone"]["field"] == "label" and redone["undone"] is None
    change = _change_of(anna, redone)
    assert (change["undo"], change["redo"], change["data"]["value"]) == (False, True, "Inredning")


def _change_of(participant: Participant, reply: dict) -> dict:
    """The broadcast change a command's reply is about."""
    for _ in range(100):
        found = [c for c in participant.received("change")
                 if c["command_id"] == reply["command_id"]]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no change for {reply}")


def test_a_redo_that_would_overwrite_someone_else_is_refused_naming_them(
        running: Flask, demo: DemoPlan) -> None:
    line = _first_line(running, demo)
    anna, erik = in_meeting(running, demo, "Anna Berg"), in_meeting(running, demo, "Erik Lindqvist")
    budget = {"budget_id": demo.budget_id}
    anna.command("change_amount", **budget, line_id=line, year=2028, amount=5)
    anna.command("undo", **budget)
    erik.command("change_amount", **budget, line_id=line, year=2028, amount=7)
    refused = anna.command("redo", **budget)
    assert refused["ok"] is False and refused["error"]["error"] == "conflict", refused
    assert refused["error"]["reason_code"] == "changed_since"
    assert refused["error"]["set_by_name"] == "Erik Lindqvist"


def test_an_undo_with_nothing_left_is_refused_naming_what_it_skipped_and_who(
        running: Flask, demo: DemoPlan) -> None:
    from domain.context import acting_as

    system = running.extensions["samverkan"]
    with acting_as(person_named(demo, "Anna Berg").person_id):  # a budget Karin has not edited
        budget_id = str(system.app.create_budget(demo.plan_id, "Budget 2028", 2028, 2028)
                        .aggregate_id)
        line = system.app.add_line(budget_id, "Fikahörna").entity_id
    karin = Participant(running, person_named(demo, "Karin Nilsson"), lang="sv")
    assert karin.call("join", {"plan_id": demo.plan_id, "budget_id": budget_id})["ok"]
    anna = in_meeting(running, demo, "Anna Berg")
    budget = {"budget_id": budget_id}
    assert karin.command("recategorise_line", **budget, line_id=line, category="Byalaget")["ok"]
    assert anna.command("recategorise_line", **budget, line_id=line, category="Kommunen")["ok"]
    reply = karin.command("undo", **budget)
    assert reply["ok"] is False and reply["error"]["error"] == "rule_violated", reply
    [skipped] = reply["error"]["skipped"]
    assert (skipped["type"], skipped["field"], skipped["reason_code"]) == (
        "LineItemChanged", "category", "changed_since")
    assert skipped["set_by_name"] == "Anna Berg" and "Fikahörna" in skipped["message"]


def test_kinds_travel_in_commands_and_changes(running: Flask, demo: DemoPlan) -> None:
    anna = in_meeting(running, demo, "Anna Berg")
    budget = {"budget_id": demo.budget_id}
    added = anna.command("add_line", **budget, label="Paketavgifter", kind="income",
                         amounts={str(demo.years[1]): 120_000})
    assert added["ok"], added
    change = anna.received("change")[-1]
    assert (change["type"], change["data"]["kind"]) == ("LineItemAdded", "income")
    anna.clear()
    kind = anna.command("set_line_kind", **budget, line_id=added["line_id"], kind="cost",
                        expected_version=1)
    assert kind["ok"] and kind["version"] == 2
    change = anna.received("change")[-1]
    assert (change["data"]["field"], change["data"]["value"], change["data"]["before"]) == (
        "kind", "cost", "income")
    wrong = anna.command("set_line_kind", **budget, line_id=added["line_id"], kind="gift")
    assert wrong["ok"] is False and wrong["error"]["error"] == "invalid"
    sheet = anna.http.get(f"/api/budgets/{demo.budget_id}/sheet").get_json()
    line = next(ln for ln in sheet["lines"] if ln["line_id"] == added["line_id"])
    assert (line["kind"], line["kind_version"]) == ("cost", 2)
    assert sheet["totals"]["costs"] - sheet["totals"]["income"] == sheet["totals"]["net"]
