"""One-time links to set a password, for people an operator adds (`samverkan people add`).

Like invitations (adapters/invitations.py): the link carries a random token that is shown
once and stored only as its SHA-256; it works once, for 14 days. Using it and storing the
new password happen in one transaction, so two uses of one link cannot both succeed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, ColumnElement, DateTime, String, Table, and_, delete, insert, select, update
from sqlalchemy.engine import Engine

from adapters.accounts import Accounts, store_password_hash, token_hash
from adapters.invitations import MAX_TOKEN, VALID_DAYS
from adapters.people import metadata
from domain.errors import Conflict, translatable

password_links = Table(
    "password_links", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("person_id", String(36), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)


class LinkUsed(Conflict):
    """The link was used, replaced by a newer one, or has expired."""

    code = "password_link_used"


class PasswordLinks:
    def __init__(self, engine: Engine, accounts: Accounts, valid_days: int = VALID_DAYS,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine, self.accounts = engine, accounts
        self.valid_for, self.clock = timedelta(days=valid_days), clock

    def issue(self, person_id: str) -> str:
        """A new link's token (to show once); any older unused link of the person stops working."""
        token, now = secrets.token_urlsafe(32), self.clock()
        with self.engine.begin() as conn:
            conn.execute(delete(password_links).where(password_links.c.person_id == person_id,
                                                      password_links.c.used_at.is_(None)))
            conn.execute(insert(password_links).values(
                token_hash=token_hash(token), person_id=person_id, created_at=now,
                expires_at=now + self.valid_for))
        return token

    def person_for(self, token: str) -> str | None:
        """Whose password the token sets (None if used, replaced, expired or unknown)."""
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
            return None
        with self.engine.connect() as conn:
            return conn.execute(select(password_links.c.person_id).where(
                password_links.c.token_hash == token_hash(token), self._pending())).scalar()

    def use(self, token: str, password: str) -> str:
        """Set the password through the link, once (else LinkUsed); returns whose it was."""
        person_id = self.person_for(token)
        digest = self.accounts.hash_password(password)  # the rules first: a refusal uses nothing
        with self.engine.begin() as conn:
            taken = person_id is not None and conn.execute(update(password_links).where(
                password_links.c.token_hash == token_hash(token), self._pending())
                .values(used_at=self.clock())).rowcount == 1
            if not taken or person_id is None:
                raise LinkUsed(translatable(
                    "This link has been used already, has been replaced by a newer one or has "
                    "expired."))
            store_password_hash(conn, person_id, digest)
        return person_id

    def erase(self, person_id: str) -> None:
        """Forget every link of an erased person."""
        with self.engine.begin() as conn:
            conn.execute(delete(password_links).where(password_links.c.person_id == person_id))

    def _pending(self) -> ColumnElement[bool]:
        return and_(password_links.c.used_at.is_(None), password_links.c.expires_at > self.clock())
