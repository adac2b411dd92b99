"""The demo plan: realistic, complete enough to show every screen, and free of personal data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest

from adapters.accounts import Accounts, hasher
from adapters.demo import DemoPlan, load_demo, store_is_empty
from adapters.people import PeopleDirectory
from domain.budgets import FULL_SHARE, Budget
from domain.commitments import Commitment
from domain.plans import Plan
from domain.services import SharedService
from domain.usecases import Samverkan
from tests.stores import app_env, views_engine


@pytest.fixture
def app() -> Iterator[Samverkan]:
    app = Samverkan(env=app_env())
    yield app
    app.close()


@pytest.fixture
def people() -> Iterator[PeopleDirectory]:
    engine = views_engine()
    directory = PeopleDirectory(engine)
    directory.create_table()
    yield directory
    engine.dispose()


@pytest.fixture
def demo(app: Samverkan, people: PeopleDirectory) -> DemoPlan:
    assert store_is_empty(app)
    return load_demo(app, people)


@pytest.fixture
def accounts(people: PeopleDirectory) -> Accounts:
    return Accounts(people.engine, people, hasher("CHEAPEST"))


PASSWORD = "demo-password-2027"


def _events(app: Samverkan) -> list[Any]:
    return app.recorder.select_notifications(start=1, limit=10_000)


def _stored(app: Samverkan, cls: type) -> list[Any]:
    """Every aggregate of one kind, loaded from the ids in the log."""
    ids = {n.originator_id for n in _events(app)}
    found = [app.repository.get(i) for i in ids]
    return [a for a in found if isinstance(a, cls)]


def test_store_is_empty_only_before_the_demo_is_loaded(app, demo):
    assert not store_is_empty(app)


def test_demo_has_one_plan_of_three_years_with_six_organisations(app, demo):
    plans = _stored(app, Plan)
    assert [str(p.id) for p in plans] == [demo.plan_id]
    plan = plans[0]
    assert plan.years == list(demo.years) and len(demo.years) == 3
    assert {a["sector"] for a in plan.actors.values()} == {
        "public", "private", "voluntary", "academic"}
    assert len(plan.actors) == 6


def test_every_demo_person_is_a_member_with_their_role(app, demo):
    plan = app.load(Plan, demo.plan_id)
    assert {p.person_id: p.role for p in demo.people} == {
        pid: m["role"] for pid, m in plan.members.items()}
    roles = [p.role for p in demo.people]
    assert roles.count("facilitator") == 1 and "observer" in roles
    for person in demo.people:
        org_id = plan.members[person.person_id]["org_id"]
        assert (plan.actors[org_id]["name"] if org_id else None) == person.org_name


def test_budget_has_about_twenty_lines_and_shares_that_leave_a_gap(app, demo):
    budget = app.load(Budget, demo.budget_id)
    assert budget.status == "draft" and budget.years == list(demo.years)
    assert len(budget.order) >= 18
    totals = [sum(f["value"] or 0 for f in budget.lines[lid]["shares"].values())
              for lid in budget.order]
    assert max(totals) <= FULL_SHARE
    assert FULL_SHARE in totals
    assert any(0 < t < FULL_SHARE for t in totals)
    assert all(budget.line_total(lid) > 0 for lid in budget.order)


def test_both_services_have_providers_needs_risks_kpis_and_budget_lines(app, demo):
    services = _stored(app, SharedService)
    assert sorted(s.stage for s in services) == ["pilot", "proposed"]
    linked = {app.load(Budget, demo.budget_id).lines[lid]["service_id"]["value"]
              for lid in app.load(Budget, demo.budget_id).order}
    for service in services:
        assert service.providers and len(service.needs) >= 2
        assert len(service.risks) >= 2 and len(service.kpis) == 2
        gendered = [k for k in service.kpis.values() if k["by_gender"]]
        assert gendered and len(gendered[0]["measurements"]) >= 2
        assert str(service.id) in linked


def test_commitments_mix_kinds_and_states(app, demo):
    commitments = _stored(app, Commitment)
    assert len({c.kind for c in commitments}) >= 4
    assert len({c.status for c in commitments}) >= 4
    assert any(c.status == "confirmed" and c.deliveries for c in commitments)
    assert any(c.status == "withdrawn" and c.withdrawn_reason for c in commitments)


def test_every_event_is_made_by_a_demo_person(app, demo):
    person_ids = {p.person_id for p in demo.people}
    acted_by = {app.mapper.to_domain_event(n).acted_by for n in _events(app)}
    assert acted_by <= person_ids


def test_no_name_or_email_is_stored_in_any_event(app, demo):
    personal = [p.name for p in demo.people] + [p.email for p in demo.people]
    for notification in _events(app):
        state = notification.state.decode()
        assert not [text for text in personal if text in state], notification.topic


def test_a_second_load_reuses_the_demo_people_already_in_the_people_store(demo, people):
    again = Samverkan(env=app_env())
    try:
        second = load_demo(again, people)
    finally:
        again.close()
    assert [p.person_id for p in second.people] == [p.person_id for p in demo.people]
    assert len(people.all()) == len(demo.people)


def test_with_a_password_every_demo_person_signs_in_with_their_email_address(
        app: Samverkan, people: PeopleDirectory, accounts: Accounts) -> None:
    demo = load_demo(app, people, accounts, PASSWORD)
    for person in demo.people:
        signed_in = accounts.authenticate(person.email, PASSWORD)
        assert signed_in is not None and signed_in.id == person.person_id
        assert accounts.authenticate(person.email, PASSWORD + "x") is None


def test_without_a_password_no_demo_person_can_sign_in(
        demo: DemoPlan, accounts: Accounts) -> None:
    assert not any(accounts.has_password(p.person_id) for p in demo.people)
    assert accounts.authenticate(demo.people[0].email, PASSWORD) is None


def test_a_demo_person_who_changed_their_password_keeps_it_when_the_demo_is_loaded_again(
        app: Samverkan, people: PeopleDirectory, accounts: Accounts) -> None:
    demo = load_demo(app, people, accounts, PASSWORD)
    anna = demo.people[0]
    accounts.change_password(anna.person_id, PASSWORD, "anna's own password")
    again = Samverkan(env=app_env())
    try:
        load_demo(again, people, accounts, PASSWORD)
    finally:
        again.close()
    assert accounts.authenticate(anna.email, PASSWORD) is None
    assert accounts.authenticate(anna.email, "anna's own password") is not None
    assert accounts.authenticate(demo.people[1].email, PASSWORD) is not None


# ---- the demo's dates follow the day it is loaded ------------------------------------------

DAYS = (date(2026, 12, 3), date(2027, 1, 1), date(2027, 9, 30), date(2027, 10, 1),
        date(2028, 2, 29), date(2030, 6, 15))


def _dated(app: Samverkan) -> list[tuple[str, str, date]]:
    """Every day stored in an event (a delivery, a measurement, a due date, a decision …)."""
    found = []
    for notification in _events(app):
        event = app.mapper.to_domain_event(notification)
        for name, value in vars(event).items():
            if isinstance(value, date) and not isinstance(value, datetime):
                found.append((type(event).__qualname__, name, value))
    return found


@pytest.fixture(params=DAYS, ids=str)
def loaded_on(request: pytest.FixtureRequest,
              people: PeopleDirectory) -> Iterator[tuple[Samverkan, DemoPlan, date]]:
    app = Samverkan(env=app_env())
    try:
        yield app, load_demo(app, people, today=request.param), request.param
    finally:
        app.close()


def test_nothing_in_the_demo_is_delivered_measured_verified_or_decided_after_the_day_it_is_loaded(
        loaded_on: tuple[Samverkan, DemoPlan, date]) -> None:
    app, _demo, today = loaded_on
    dated = _dated(app)
    happened = [(kind, name, day) for kind, name, day in dated if name != "due"]
    assert {kind for kind, _, _ in happened} >= {"Commitment.DeliveryRecorded", "SharedService.KpiMeasured"}
    assert [d for d in happened if d[2] > today] == []
    for commitment in _stored(app, Commitment):  # verified only what was delivered by then
        if commitment.status == "verified":
            assert commitment.deliveries and all(
                date.fromisoformat(str(d["on"])) <= today for d in commitment.deliveries)


def test_the_demo_plan_covers_today_with_its_years_in_its_name_and_budget_years_still_ahead(
        loaded_on: tuple[Samverkan, DemoPlan, date]) -> None:
    app, demo, today = loaded_on
    plan = app.load(Plan, demo.plan_id)
    first, last = demo.years[0], demo.years[-1]
    assert demo.years == (first, first + 1, first + 2) and first <= today.year < last
    assert plan.name == f"Serviceplan Ramsjö {first}–{last}"
    assert app.load(Budget, demo.budget_id).years == list(demo.years)
    assert (today - date(first, 1, 1)).days >= 273  # at least January to September behind us


def test_the_demo_has_commitments_overdue_and_commitments_still_to_come(
        loaded_on: tuple[Samverkan, DemoPlan, date]) -> None:
    app, _demo, today = loaded_on
    open_ones = [c for c in _stored(app, Commitment) if c.status in ("pledged", "confirmed")
                 and not c.deliveries]
    assert any(date.fromisoformat(str(c.due)) < today for c in open_ones)
    assert any(date.fromisoformat(str(c.due)) > today for c in open_ones)


def test_the_demo_texts_name_the_plans_own_years(loaded_on: tuple[Samverkan, DemoPlan, date]) -> None:
    app, demo, _today = loaded_on
    budget = app.load(Budget, demo.budget_id)
    labels = [budget.lines[lid]["label"]["value"] for lid in budget.order]
    survey = next(label for label in labels if label.startswith("Invånarenkät"))
    assert survey == f"Invånarenkät (baslinje {demo.years[0]}, uppföljning {demo.years[2]})"
    assert not [label for label in labels if "{" in label]
    texts = [(c.description, c.withdrawn_reason or "") for c in _stored(app, Commitment)]
    assert not [t for t in texts if "{" in t[0] or "{" in t[1]]
    assert any(str(demo.years[0]) in reason for _, reason in texts)
