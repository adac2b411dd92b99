"""Invitations to a plan by a one-time link, kept beside the people store (not in the event log).

A facilitator names an e-mail address, a role and an organisation; the link carries a random
token that is shown once and stored only as its SHA-256, so a copy of the database invites
nobody. An invitation is pending until it is accepted (once), revoked or expired; joining the
plan itself is an event (Plan.MemberJoined), made by the application.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    String,
    Table,
    and_,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine, Row

from adapters.accounts import token_hash
from adapters.people import metadata
from domain.errors import Conflict, translatable

VALID_DAYS = 14
MAX_TOKEN = 100  # token_urlsafe(32) is 43 characters; anything much longer is not ours

invitations = Table(
    "invitations", metadata,
    Column("id", String(36), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("plan_id", String(36), nullable=False, index=True),
    Column("email", String(320), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("org_id", String(36)),
    Column("invited_by", String(36), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("accepted_at", DateTime(timezone=True)),
    Column("accepted_by", String(36)),
    Column("revoked_at", DateTime(timezone=True)),
)


class InvitationUsed(Conflict):
    """The link was used, withdrawn or expired (pages show their own, translated, message)."""

    code = "invitation_used"


@dataclass(frozen=True)
class Invitation:
    id: str
    plan_id: str
    email: str
    role: str
    org_id: str | None
    invited_by: str
    created_at: datetime
    expires_at: datetime


class Invitations:
    def __init__(self, engine: Engine, valid_days: int = VALID_DAYS,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine, self.valid_for, self.clock = engine, timedelta(days=valid_days), clock

    def create(self, plan_id: str, email: str, role: str, org_id: str | None,
               invited_by: str) -> tuple[str, str]:
        """A new invitation: (its id, the token for the link, to show once)."""
        invitation_id, token, now = str(uuid4()), secrets.token_urlsafe(32), self.clock()
        with self.engine.begin() as conn:
            conn.execute(insert(invitations).values(
                id=invitation_id, token_hash=token_hash(token), plan_id=str(plan_id),
                email=email.strip().lower(), role=role, org_id=org_id, invited_by=invited_by,
                created_at=now, expires_at=now + self.valid_for))
        return invitation_id, token

    def find(self, token: str) -> Invitation | None:
        """The pending invitation the token opens (None if used, revoked, expired or unknown)."""
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(invitations).where(
                invitations.c.token_hash == token_hash(token), self._pending())).first()
        return _invitation(row) if row else None

    def accept(self, token: str, person_id: str) -> Invitation:
        """Use the invitation up, for `person_id`; once only (else InvitationUsed), even in a race."""
        found = self.find(token)
        with self.engine.begin() as conn:
            taken = found is not None and conn.execute(update(invitations).where(
                invitations.c.id == found.id, self._pending()).values(
                accepted_at=self.clock(), accepted_by=person_id)).rowcount == 1
        if not taken or found is None:
            raise InvitationUsed(translatable(
                "This invitation has already been used, has been withdrawn or has expired."))
        return found

    def release(self, invitation_id: str, person_id: str) -> None:
        """Undo `accept` when joining the plan was refused, so nothing of it stays stored."""
        with self.engine.begin() as conn:
            conn.execute(update(invitations).where(
                invitations.c.id == invitation_id, invitations.c.accepted_by == person_id)
                .values(accepted_at=None, accepted_by=None))

    def pending(self, plan_id: str) -> list[Invitation]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(invitations).where(
                invitations.c.plan_id == str(plan_id), self._pending())
                .order_by(invitations.c.created_at)).all()
        return [_invitation(r) for r in rows]

    def revoke(self, plan_id: str, invitation_id: str) -> bool:
        """Withdraw a pending invitation of the plan; False if there is no such pending one."""
        with self.engine.begin() as conn:
            return bool(conn.execute(update(invitations).where(
                invitations.c.id == invitation_id, invitations.c.plan_id == str(plan_id),
                self._pending()).values(revoked_at=self.clock())).rowcount)

    def erase_email(self, email: str) -> int:
        """Forget every invitation addressed to an erased person (their e-mail is in them)."""
        with self.engine.begin() as conn:
            return conn.execute(delete(invitations).where(
                invitations.c.email == email.strip().lower())).rowcount

    def _pending(self) -> ColumnElement[bool]:
        return and_(invitations.c.accepted_at.is_(None), invitations.c.revoked_at.is_(None),
                    invitations.c.expires_at > self.clock())


def _invitation(row: Row[Any]) -> Invitation:
    return Invitation(row.id, row.plan_id, row.email, row.role, row.org_id, row.invited_by,
                      _aware(row.created_at), _aware(row.expires_at))


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
