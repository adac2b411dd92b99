"""The first account of an empty installation, made on the first-run page (/setup).

An installation without the demo starts with nobody who can sign in; like self-hosted tools
do, whoever opens it first creates the first account. Only once: the account is stored in
the same transaction as the single row of `first_run` (its key is always 1), so of two
submissions racing each other the database lets exactly one through.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import Column, DateTime, Integer, String, Table, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from adapters.accounts import Accounts, credentials, store_password_hash
from adapters.people import metadata, people
from domain.errors import Conflict, translatable

THE_ONLY_ROW = 1

first_run = Table(
    "first_run", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("person_id", String(36), nullable=False),
    Column("done_at", DateTime(timezone=True), nullable=False),
)


class AlreadySetUp(Conflict):
    """Someone has an account already (the first-run page is gone)."""

    code = "already_set_up"


class FirstRun:
    def __init__(self, engine: Engine, accounts: Accounts) -> None:
        self.engine, self.accounts = engine, accounts

    def needed(self) -> bool:
        """True while nobody has a password and no first account was ever made."""
        with self.engine.connect() as conn:
            return (conn.execute(select(credentials.c.person_id).limit(1)).first() is None
                    and conn.execute(select(first_run.c.id).limit(1)).first() is None)

    def create_first_account(self, name: str, email: str, password: str) -> str:
        """The first person, with their password; AlreadySetUp once anyone has an account."""
        digest = self.accounts.hash_password(password)  # slow: before the transaction
        person_id, address = str(uuid4()), email.strip().lower()
        try:
            with self.engine.begin() as conn:
                # First, so that a racing submission waits here and then fails on the key.
                conn.execute(insert(first_run).values(id=THE_ONLY_ROW, person_id=person_id,
                                                      done_at=datetime.now(UTC)))
                if conn.execute(select(credentials.c.person_id).limit(1)).first() is not None:
                    raise _already()
                if conn.execute(select(people.c.id).where(people.c.email == address)).first():
                    raise Conflict(translatable(
                        "There is already an account for that e-mail address."), field="email")
                conn.execute(insert(people).values(id=person_id, name=name.strip(), email=address))
                store_password_hash(conn, person_id, digest)
        except IntegrityError as error:
            raise _already() from error
        return person_id


def _already() -> AlreadySetUp:
    return AlreadySetUp(translatable("Samverkan has been set up already: sign in instead."))
