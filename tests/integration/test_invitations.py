"""Invitations by one-time link on a real database: once only, for 14 days, revocable, hashed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select

from adapters.accounts import token_hash
from adapters.bootstrap import System
from adapters.invitations import Invitations, invitations
from domain.errors import Conflict

PLAN, ORG, INVITER = str(uuid4()), str(uuid4()), str(uuid4())


def _invite(store: Invitations, email: str = "Ny.Person@Example.se ") -> tuple[str, str]:
    return store.create(PLAN, email, "representative", ORG, INVITER)


def test_an_invitation_opens_with_its_token_and_names_the_role_and_organisation(system: System) -> None:
    invitation_id, token = _invite(system.invitations)
    found = system.invitations.find(token)
    assert found is not None and found.id == invitation_id
    assert (found.plan_id, found.email, found.role, found.org_id, found.invited_by) == (
        PLAN, "ny.person@example.se", "representative", ORG, INVITER)
    assert found.expires_at - found.created_at == timedelta(days=14)
    assert [i.id for i in system.invitations.pending(PLAN)] == [invitation_id]
    assert system.invitations.find(token + "x") is None and system.invitations.find("") is None


def test_the_token_is_stored_only_as_its_hash(system: System) -> None:
    _, token = _invite(system.invitations)
    with system.engine.connect() as conn:
        rows = conn.execute(select(invitations)).all()
    stored = " ".join(str(value) for row in rows for value in row)
    assert token not in stored
    assert rows[0].token_hash == token_hash(token) and len(token) >= 43


def test_an_invitation_is_accepted_once_only(system: System) -> None:
    _, token = _invite(system.invitations)
    first, second = str(uuid4()), str(uuid4())
    assert system.invitations.accept(token, first).plan_id == PLAN
    with pytest.raises(Conflict):
        system.invitations.accept(token, second)
    assert system.invitations.find(token) is None and system.invitations.pending(PLAN) == []
    with system.engine.connect() as conn:
        assert conn.execute(select(invitations.c.accepted_by)).scalar() == first


def test_a_released_invitation_is_pending_again(system: System) -> None:
    invitation_id, token = _invite(system.invitations)
    person = str(uuid4())
    system.invitations.accept(token, person)
    system.invitations.release(invitation_id, person)
    assert system.invitations.find(token) is not None


def test_an_invitation_expires_after_fourteen_days(system: System) -> None:
    _, token = _invite(system.invitations)
    now = datetime.now(UTC)
    almost = Invitations(system.engine, clock=lambda: now + timedelta(days=13, hours=23))
    later = Invitations(system.engine, clock=lambda: now + timedelta(days=14, minutes=1))
    assert almost.find(token) is not None
    assert later.find(token) is None and later.pending(PLAN) == []
    with pytest.raises(Conflict):
        later.accept(token, str(uuid4()))


def test_a_revoked_invitation_no_longer_opens(system: System) -> None:
    invitation_id, token = _invite(system.invitations)
    assert not system.invitations.revoke(str(uuid4()), invitation_id)  # only in its own plan
    assert system.invitations.revoke(PLAN, invitation_id)
    assert system.invitations.find(token) is None
    assert not system.invitations.revoke(PLAN, invitation_id)  # already withdrawn
    with pytest.raises(Conflict):
        system.invitations.accept(token, str(uuid4()))


def test_erasing_a_person_deletes_the_invitations_addressed_to_them(system: System) -> None:
    person = system.people.add("Ny Person", "ny.person@example.se")
    _, used = _invite(system.invitations)
    system.invitations.accept(used, person)
    _, other = _invite(system.invitations, "someone.else@example.se")
    system.erase_person(person)
    with system.engine.connect() as conn:
        emails = conn.execute(select(invitations.c.email)).scalars().all()
    assert emails == ["someone.else@example.se"]
    assert system.invitations.find(other) is not None
