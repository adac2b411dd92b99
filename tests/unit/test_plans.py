"""Plan: years, actors, members, and who-did-it metadata on every event."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.budgets import Budget
from domain.context import NoActingPerson, acting_as
from domain.errors import Conflict, NotFound, RuleViolated
from domain.plans import Plan
from domain.services import SharedService

# ---- starting a plan ------------------------------------------------------------------------


def test_starting_a_plan_makes_the_starter_its_only_facilitator(plan: Plan, facilitator: str):
    assert plan.members == {facilitator: {"role": "facilitator", "org_id": None}}
    assert plan.role_of(facilitator) == "facilitator"
    assert (plan.name, plan.place) == ("Servicepunkt Byn", "Byn")
    assert plan.years == [2025, 2026, 2027]
    assert plan.actors == {}


def test_plan_id_is_the_plans_own_id(plan: Plan):
    assert plan.plan_id == str(plan.id)


def test_plan_may_cover_a_single_year(acting, facilitator):
    assert Plan.start("P", "Byn", 2030, 2030, facilitator).years == [2030]


def test_plan_may_cover_ten_years(acting, facilitator):
    assert len(Plan.start("P", "Byn", 2025, 2034, facilitator).years) == 10


def test_plan_refuses_more_than_ten_years(acting, facilitator):
    with pytest.raises(RuleViolated, match="at most 10 years") as e:
        Plan.start("P", "Byn", 2025, 2035, facilitator)
    assert e.value.details["field"] == "end_year"


def test_plan_refuses_an_end_year_before_the_start_year(acting, facilitator):
    with pytest.raises(RuleViolated, match="end_year must be at least 2026"):
        Plan.start("P", "Byn", 2026, 2025, facilitator)


@pytest.mark.parametrize(("start", "end", "field"), [
    (1999, 2001, "start_year"), (2100, 2101, "end_year"), (2101, 2101, "start_year"),
])
def test_plan_years_stay_within_2000_to_2100(acting, facilitator, start, end, field):
    with pytest.raises(RuleViolated) as e:
        Plan.start("P", "Byn", start, end, facilitator)
    assert e.value.details["field"] == field


@pytest.mark.parametrize("year", [2025.0, "2025", True, None])
def test_plan_years_must_be_whole_numbers(acting, facilitator, year):
    with pytest.raises(RuleViolated, match="whole number"):
        Plan.start("P", "Byn", year, 2027, facilitator)


@pytest.mark.parametrize("name", ["", "   ", None, 42, "x" * 201])
def test_plan_needs_a_short_non_empty_name(acting, facilitator, name):
    with pytest.raises(RuleViolated):
        Plan.start(name, "Byn", 2025, 2027, facilitator)


def test_plan_name_and_place_are_trimmed(acting, facilitator):
    plan = Plan.start("  Servicepunkt  ", " Byn ", 2025, 2027, facilitator)
    assert (plan.name, plan.place) == ("Servicepunkt", "Byn")


def test_changing_plan_details_records_the_values_before(plan: Plan):
    plan.change_details("Servicepunkt Norrby", "Norrby")
    event = plan.pending_events[-1]
    assert isinstance(event, Plan.DetailsChanged)
    assert event.before == {"name": "Servicepunkt Byn", "place": "Byn", "description": ""}
    assert (plan.name, plan.place) == ("Servicepunkt Norrby", "Norrby")


def test_unchanged_plan_details_record_no_event(plan: Plan):
    version = plan.version
    plan.change_details(" Servicepunkt Byn ", "Byn")
    assert plan.version == version


def test_a_plan_does_not_require_the_gender_split_until_it_is_switched_on(plan: Plan):
    assert plan.gender_split_required is False
    plan.require_gender_split(True)
    event = plan.pending_events[-1]
    assert isinstance(event, Plan.GenderSplitRequirementChanged) and event.required is True
    version = plan.version
    plan.require_gender_split(True)  # already so: no event
    assert (plan.gender_split_required, plan.version) == (True, version)
    plan.require_gender_split(False)
    assert plan.gender_split_required is False


@pytest.mark.parametrize("required", ["on", 1, None])
def test_the_gender_split_requirement_is_yes_or_no(plan: Plan, required):
    with pytest.raises(RuleViolated, match="gender split"):
        plan.require_gender_split(required)


# ---- actors ---------------------------------------------------------------------------------


def test_actor_is_added_with_its_sector(plan: Plan):
    actor_id = plan.add_actor("Region Norr", "public")
    assert plan.actors[actor_id] == {"name": "Region Norr", "sector": "public", "left": False}
    assert plan.require_actor(actor_id) == actor_id


@pytest.mark.parametrize("sector", ["public", "private", "academic", "voluntary"])
def test_actor_sector_may_be_any_of_the_four_sectors(plan: Plan, sector: str):
    plan.add_actor("Org", sector)


@pytest.mark.parametrize("sector", ["municipal", "", None, "Public"])
def test_actor_refuses_an_unknown_sector(plan: Plan, sector):
    with pytest.raises(RuleViolated, match="sector must be one of") as e:
        plan.add_actor("Org", sector)
    assert e.value.details["choices"] == ["public", "private", "academic", "voluntary"]


def test_actor_names_are_unique_regardless_of_case(plan: Plan, actors):
    with pytest.raises(Conflict, match="already in the plan"):
        plan.add_actor("BYALAGET", "voluntary")


def test_actor_with_an_id_already_in_the_plan_is_refused(plan: Plan, actors):
    with pytest.raises(Conflict):
        plan.add_actor("Another name", "public", actor_id=actors["kommun"])


def test_changing_an_actor_records_name_and_sector_before(plan: Plan, actors):
    plan.change_actor(actors["shop"], "Byns Handel AB", "private")
    event = plan.pending_events[-1]
    assert isinstance(event, Plan.ActorChanged)
    assert event.before == {"name": "Byns lanthandel", "sector": "private"}
    assert plan.actors[actors["shop"]]["name"] == "Byns Handel AB"


def test_changing_the_case_of_an_actors_own_name_is_allowed(plan: Plan, actors):
    plan.change_actor(actors["association"], "BYALAGET", "voluntary")
    assert plan.actors[actors["association"]]["name"] == "BYALAGET"


def test_changing_an_actor_to_another_actors_name_is_refused(plan: Plan, actors):
    with pytest.raises(Conflict):
        plan.change_actor(actors["shop"], "byalaget", "private")


def test_changing_an_unknown_actor_is_not_found(plan: Plan):
    with pytest.raises(NotFound):
        plan.change_actor(uuid4(), "X", "public")


def test_unchanged_actor_records_no_event(plan: Plan, actors):
    version = plan.version
    plan.change_actor(actors["kommun"], "Byns kommun", "public")
    assert plan.version == version


# ---- members --------------------------------------------------------------------------------


def test_representative_is_added_for_an_organisation_of_the_plan(plan: Plan, actors):
    person = uuid4()
    plan.add_member(person, "representative", actors["kommun"])
    assert plan.members[str(person)] == {"role": "representative", "org_id": actors["kommun"]}


def test_observer_needs_no_organisation(plan: Plan):
    person = str(uuid4())
    plan.add_member(person, "observer", None)
    assert plan.role_of(person) == "observer"


def test_representative_must_represent_an_organisation(plan: Plan):
    with pytest.raises(RuleViolated, match="must represent an organisation"):
        plan.add_member(uuid4(), "representative", None)


def test_member_organisation_must_be_an_actor_of_the_plan(plan: Plan, actors):
    with pytest.raises(NotFound, match="No such organisation"):
        plan.add_member(uuid4(), "representative", uuid4())


def test_member_role_must_be_known(plan: Plan):
    with pytest.raises(RuleViolated, match="role must be one of"):
        plan.add_member(uuid4(), "owner", None)


def test_a_person_cannot_be_added_twice(plan: Plan, facilitator: str):
    with pytest.raises(Conflict, match="already a member"):
        plan.add_member(facilitator, "observer", None)


def test_changing_a_member_records_role_and_organisation_before(plan: Plan, actors):
    person = str(uuid4())
    plan.add_member(person, "observer", None)
    plan.change_member(person, "representative", actors["shop"])
    event = plan.pending_events[-1]
    assert isinstance(event, Plan.MemberChanged)
    assert event.before == {"role": "observer", "org_id": None}
    assert plan.members[person] == {"role": "representative", "org_id": actors["shop"]}


def test_changing_an_unknown_member_is_not_found(plan: Plan):
    with pytest.raises(NotFound):
        plan.change_member(uuid4(), "observer", None)


def test_last_facilitator_cannot_be_demoted(plan: Plan, facilitator: str):
    with pytest.raises(RuleViolated, match="at least one facilitator"):
        plan.change_member(facilitator, "observer", None)


def test_last_facilitator_cannot_be_removed(plan: Plan, facilitator: str):
    with pytest.raises(RuleViolated, match="at least one facilitator"):
        plan.remove_member(facilitator)
    assert facilitator in plan.members


def test_a_facilitator_may_step_down_when_another_remains(plan: Plan, facilitator: str):
    other = str(uuid4())
    plan.add_member(other, "facilitator", None)
    plan.change_member(facilitator, "observer", None)
    plan.remove_member(facilitator)
    assert plan.members == {other: {"role": "facilitator", "org_id": None}}


def test_removing_a_member_keeps_what_they_were_in_the_event(plan: Plan, actors):
    person = str(uuid4())
    plan.add_member(person, "representative", actors["kommun"])
    plan.remove_member(person)
    event = plan.pending_events[-1]
    assert isinstance(event, Plan.MemberRemoved)
    assert event.before == {"role": "representative", "org_id": actors["kommun"]}
    assert plan.role_of(person) is None


def test_removing_an_unknown_member_is_not_found(plan: Plan):
    with pytest.raises(NotFound):
        plan.remove_member(uuid4())


# ---- who did it -----------------------------------------------------------------------------


def test_every_event_records_plan_acting_person_organisation_and_command(facilitator):
    org = uuid4()
    with acting_as(facilitator, command_id="c-7"):
        plan = Plan.start("P", "Byn", 2025, 2026, facilitator)
    with acting_as(facilitator, org, command_id="c-8"):
        actor = plan.add_actor("Kommunen", "public", actor_id=org)
        plan.add_member(uuid4(), "representative", actor)
        plan.change_actor(actor, "Kommunen i Byn", "public")
        budget = Budget.create(plan.id, "B", plan.years)
        budget.add_line("Hyra")
        service = SharedService.create(plan.id, "Servicepunkt", "Byn")
        service.add_need("Paketutlämning")
    created, *later = plan.collect_events()
    assert (created.acted_by, created.acted_for, created.command_id) == (facilitator, None, "c-7")
    events = later + budget.collect_events() + service.collect_events()
    assert len(events) == 7
    for event in events:
        assert event.plan_id == str(plan.id)
        assert (event.acted_by, event.acted_for, event.command_id) == (
            facilitator, str(org), "c-8")


def test_starting_a_plan_outside_acting_as_is_refused(facilitator):
    with pytest.raises(NoActingPerson):
        Plan.start("P", "Byn", 2025, 2026, facilitator)


@pytest.mark.parametrize("command", [
    lambda p: p.add_actor("Ny org", "private"),
    lambda p: p.change_details("Nytt namn", "Byn"),
    lambda p: p.add_member(uuid4(), "observer", None),
    lambda p: Budget.create(p.id, "B", p.years),
    lambda p: SharedService.create(p.id, "S", "Byn"),
])
def test_no_command_works_outside_acting_as(facilitator, command):
    with acting_as(facilitator):
        plan = Plan.start("P", "Byn", 2025, 2026, facilitator)
    version = plan.version
    with pytest.raises(NoActingPerson):
        command(plan)
    assert plan.version == version
