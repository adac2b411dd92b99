"""Joining a plan by invitation: the invitation's role and organisation, while its sender is a
facilitator, once."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from domain.access import READ
from domain.context import acting_as
from domain.errors import Conflict, NotAllowed, RuleViolated
from domain.plans import Plan
from domain.usecases import Samverkan


def _join(app: Samverkan, person: str, plan_id: Any, role: str, org_id: str | None,
          invited_by: str) -> Any:
    with acting_as(person):
        return app.join_plan(plan_id, role, org_id, invited_by)


def test_joining_makes_a_member_with_the_invitations_role_and_organisation_as_an_event(
        app: Samverkan, plan_id: Any, actors: dict[str, str], facilitator: str) -> None:
    newcomer = str(uuid4())
    saved = _join(app, newcomer, plan_id, "representative", actors["shop"], facilitator)
    plan = app.load(Plan, plan_id)
    assert plan.members[newcomer] == {"role": "representative", "org_id": actors["shop"]}
    event = list(app.events.get(plan.id))[-1]
    assert type(event).__name__ == "MemberJoined" and event.originator_version == saved.version
    assert (event.person_id, event.role, event.org_id, event.invited_by) == (
        newcomer, "representative", actors["shop"], facilitator)
    assert (event.acted_by, event.acted_for) == (newcomer, actors["shop"])
    with acting_as(newcomer):
        assert app.require(plan_id, READ)["org_id"] == actors["shop"]


def test_joining_is_refused_once_the_inviter_is_no_longer_a_facilitator(
        app: Samverkan, plan_id: Any, actors: dict[str, str], facilitator: str) -> None:
    other = str(uuid4())
    app.add_member(plan_id, other, "facilitator")
    app.change_member(plan_id, facilitator, "observer", actors["kommun"])
    before = app.load(Plan, plan_id).version
    newcomer = str(uuid4())
    with pytest.raises(NotAllowed, match="no longer a facilitator"):
        _join(app, newcomer, plan_id, "observer", None, facilitator)
    plan = app.load(Plan, plan_id)
    assert newcomer not in plan.members and plan.version == before


def test_an_invitation_from_someone_who_never_was_a_member_is_refused(
        app: Samverkan, plan_id: Any) -> None:
    with pytest.raises(NotAllowed):
        _join(app, str(uuid4()), plan_id, "observer", None, str(uuid4()))


def test_joining_twice_is_refused(app: Samverkan, plan_id: Any, actors: dict[str, str],
                                  facilitator: str) -> None:
    newcomer = str(uuid4())
    _join(app, newcomer, plan_id, "observer", None, facilitator)
    with pytest.raises(Conflict, match="already a member"):
        _join(app, newcomer, plan_id, "facilitator", None, facilitator)
    assert app.load(Plan, plan_id).members[newcomer]["role"] == "observer"


def test_joining_follows_the_role_rules(app: Samverkan, plan_id: Any, actors: dict[str, str],
                                        facilitator: str) -> None:
    with pytest.raises(RuleViolated, match="must represent an organisation"):
        _join(app, str(uuid4()), plan_id, "representative", None, facilitator)
    with pytest.raises(RuleViolated):
        _join(app, str(uuid4()), plan_id, "owner", None, facilitator)
