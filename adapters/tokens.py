"""Personal API tokens for the REST API: shown once, stored hashed, revocable.

A token reads `svk_<random>`; only its SHA-256 is stored, with a label and when it was last used.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import Column, DateTime, String, Table, delete, insert, select, update
from sqlalchemy.engine import Engine

from adapters.accounts import token_hash
from adapters.people import metadata
from domain.errors import RuleViolated, translatable

PREFIX = "svk_"
MAX_LABEL = 80

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", String(36), primary_key=True),
    Column("person_id", String(36), nullable=False, index=True),
    Column("label", String(MAX_LABEL), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
)


@dataclass(frozen=True)
class ApiToken:
    id: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class ApiTokens:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def issue(self, person_id: str, label: str) -> tuple[str, str]:
        """A new token: (its id, the secret to show once)."""
        label = (label or "").strip()
        if not 1 <= len(label) <= MAX_LABEL:
            raise RuleViolated(translatable("A token needs a name of at most {maximum} characters."),
                               field="label", maximum=MAX_LABEL)
        token_id, secret = str(uuid4()), PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(insert(api_tokens).values(
                id=token_id, person_id=person_id, label=label, token_hash=token_hash(secret),
                created_at=datetime.now(UTC)))
        return token_id, secret

    def person_for(self, secret: str, note_use: bool = True) -> str | None:
        """The person a live token belongs to; notes when it was used (unless only checking
        again that a connection opened with it may go on)."""
        if not isinstance(secret, str) or not secret.startswith(PREFIX) or len(secret) > 100:
            return None
        with self.engine.begin() as conn:
            row = conn.execute(select(api_tokens.c.id, api_tokens.c.person_id).where(
                api_tokens.c.token_hash == token_hash(secret),
                api_tokens.c.revoked_at.is_(None))).first()
            if row is None:
                return None
            if note_use:
                conn.execute(update(api_tokens).where(api_tokens.c.id == row.id)
                             .values(last_used_at=datetime.now(UTC)))
        return row.person_id

    def of(self, person_id: str) -> list[ApiToken]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_tokens).where(api_tokens.c.person_id == person_id)
                                .order_by(api_tokens.c.created_at.desc())).all()
        return [ApiToken(r.id, r.label, r.created_at, r.last_used_at, r.revoked_at is not None)
                for r in rows]

    def revoke(self, person_id: str, token_id: str) -> bool:
        """Revoke one of the person's own tokens; False if they have no such live token."""
        with self.engine.begin() as conn:
            return bool(conn.execute(update(api_tokens).where(
                api_tokens.c.id == token_id, api_tokens.c.person_id == person_id,
                api_tokens.c.revoked_at.is_(None)).values(revoked_at=datetime.now(UTC))).rowcount)

    def erase(self, person_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(api_tokens).where(api_tokens.c.person_id == person_id))
