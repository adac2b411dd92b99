"""Decision: recorded once, by plan members' ids, with the adopted budget version it names."""

from __future__ import annotations

from datetime import date, datetime
from uuid import uuid4

import pytest

from domain.decisions import MAX_ATTENDEES, Decision
from domain.errors import NotFound, RuleViolated
from domain.plans import Plan

TODAY = date(2027, 3, 10)


def _record(plan: Plan, **changes) -> Decision:
    values = {"decided_on": date(2027, 3, 9), "title": "Budget 2027 antas",
              "text": "Mötet antar budgeten för servicepunkten i Ramsjö.",
              "attendees": list(plan.members), "members": plan.members, "today": TODAY}
    values.update(changes)
    return Decision.record(plan.plan_id, **values)


def test_a_decision_records_date_title_text_attendees_and_who_recorded_it(plan, facilitator):
    decision = _record(plan, title="  Budget antas  ")
    assert (decision.decided_on, decision.title) == (date(2027, 3, 9), "Budget antas")
    assert decision.attendees == [facilitator]
    assert decision.plan_id == plan.plan_id
    assert (decision.budget_id, decision.budget_version) == (None, None)
    event = decision.collect_events()[0]
    assert type(event) is Decision.Recorded
    assert (event.acted_by, event.command_id) == (facilitator, "cmd-1")


def test_the_recorded_event_keeps_its_topic_for_the_hash_chain_checkpoints():
    assert f"{Decision.Recorded.__module__}:{Decision.Recorded.__qualname__}" == \
        "domain.decisions:Decision.Recorded"


def test_a_decision_names_a_budget_with_its_adopted_version(plan):
    budget_id = str(uuid4())
    decision = _record(plan, budget_id=budget_id, budget_version=3)
    assert (decision.budget_id, decision.budget_version) == (budget_id, 3)


@pytest.mark.parametrize("budget_id, version", [(str(uuid4()), None), (None, 2)])
def test_a_budget_and_its_version_go_together(plan, budget_id, version):
    with pytest.raises(RuleViolated, match="together"):
        _record(plan, budget_id=budget_id, budget_version=version)


def test_attendees_must_be_members_of_the_plan(plan):
    outsider = str(uuid4())
    with pytest.raises(RuleViolated, match="member of the plan") as e:
        _record(plan, attendees=[*plan.members, outsider])
    assert e.value.details["person_id"] == outsider


def test_a_decision_needs_an_attendee(plan):
    with pytest.raises(RuleViolated, match="at least one attendee"):
        _record(plan, attendees=[])


def test_an_attendee_ticked_twice_is_listed_once(plan, facilitator):
    other = str(uuid4())
    plan.add_member(other, "observer", None)
    assert _record(plan, attendees=[other, facilitator, other]).attendees == [other, facilitator]


def test_attendees_are_a_list_not_one_string(plan, facilitator):
    with pytest.raises(RuleViolated, match="list of people"):
        _record(plan, attendees=facilitator)


def test_attendees_are_limited(plan):
    members = {str(uuid4()): {} for _ in range(MAX_ATTENDEES + 1)}
    with pytest.raises(RuleViolated, match="at most"):
        _record(plan, attendees=list(members), members=members)


def test_an_attendee_that_is_no_id_is_not_found(plan):
    with pytest.raises(NotFound):
        _record(plan, attendees=["Anna Berg"])


@pytest.mark.parametrize("day", [date(2027, 3, 12), datetime(2027, 3, 9, 12), "2027-03-09", None,
                                 date(1999, 12, 31)])
def test_the_date_is_a_day_not_in_the_future(plan, day):
    with pytest.raises(RuleViolated) as e:
        _record(plan, decided_on=day)
    assert e.value.details["field"] == "decided_on"


def test_tomorrow_is_allowed_for_time_zones(plan):
    assert _record(plan, decided_on=date(2027, 3, 11)).decided_on == date(2027, 3, 11)


@pytest.mark.parametrize("field, value", [("title", ""), ("title", "x" * 201), ("text", "  "),
                                          ("text", None)])
def test_title_and_text_are_required_and_bounded(plan, field, value):
    with pytest.raises(RuleViolated) as e:
        _record(plan, **{field: value})
    assert e.value.details["field"] == field
