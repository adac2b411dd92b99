"""Accounts: passwords (argon2id) and signed-in sessions, kept beside the people store.

Like names and e-mail addresses, none of this is in the event log: erasing a person deletes it.
Session tokens and passwords are stored only as hashes, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import argon2
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Column, DateTime, String, Table, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from adapters.people import PeopleDirectory, Person, metadata
from domain.errors import Conflict, RuleViolated, translatable

MIN_PASSWORD, MAX_PASSWORD = 10, 200
SESSION_HOURS = 12

credentials = Table(
    "credentials", metadata,
    Column("person_id", String(36), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

web_sessions = Table(
    "web_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("person_id", String(36), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)


class WrongPassword(RuleViolated):
    code = "wrong_password"


def token_hash(token: str) -> str:
    """Random tokens are hashed with SHA-256 (they have far more entropy than any password)."""
    return hashlib.sha256(token.encode()).hexdigest()


def hasher(profile: str = "RFC_9106_LOW_MEMORY") -> PasswordHasher:
    """argon2id with one of argon2-cffi's named parameter profiles (tests use CHEAPEST)."""
    return PasswordHasher.from_parameters(getattr(argon2.profiles, profile))


def check_password_rules(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise RuleViolated(translatable(
            "A password has at least {minimum} and at most {maximum} characters."),
            field="password", minimum=MIN_PASSWORD, maximum=MAX_PASSWORD)
    return password


class Accounts:
    def __init__(self, engine: Engine, people: PeopleDirectory, password_hasher: PasswordHasher,
                 session_hours: int = SESSION_HOURS) -> None:
        self.engine, self.people, self.hasher = engine, people, password_hasher
        self.session_hours = session_hours

    @functools.cached_property
    def _dummy(self) -> str:
        """A hash to verify against when there is no account, so a wrong address costs as much
        time as a wrong password (no telling which addresses have accounts)."""
        return self.hasher.hash(secrets.token_urlsafe(16))

    # ---- passwords ------------------------------------------------------------------------

    def register(self, name: str, email: str, password: str) -> str:
        """A new person with a password (refused if the e-mail address has an account)."""
        check_password_rules(password)
        if self.people.by_email(email) is not None:
            raise Conflict(translatable("There is already an account for that e-mail address."),
                           field="email")
        person_id = self.people.add(name, email)
        self.set_password(person_id, password)
        return person_id

    def set_password(self, person_id: str, password: str) -> None:
        digest = self.hash_password(password)
        with self.engine.begin() as conn:
            store_password_hash(conn, person_id, digest)

    def hash_password(self, password: str) -> str:
        """The argon2id hash of a password that keeps the rules (else RuleViolated)."""
        return self.hasher.hash(check_password_rules(password))

    def password_hashes(self, person_ids: list[str]) -> dict[str, str]:
        """The stored hashes of those of the people who have a password."""
        if not person_ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(credentials.c.person_id, credentials.c.password_hash)
                                .where(credentials.c.person_id.in_(person_ids))).all()
        return {row.person_id: row.password_hash for row in rows}

    def matches(self, stored: str, password: str) -> bool:
        """Whether a stored hash is the hash of `password`."""
        return self._verify(stored, password)

    def has_password(self, person_id: str) -> bool:
        return self._stored_hash(person_id) is not None

    def authenticate(self, email: str, password: str) -> Person | None:
        """The person, if the e-mail address and password match (same work either way)."""
        person = self.people.by_email(email) if isinstance(email, str) else None
        stored = self._stored_hash(person.id) if person and not person.erased else None
        if not self._verify(stored or self._dummy, password) or stored is None or person is None:
            return None
        if self.hasher.check_needs_rehash(stored):
            self.set_password(person.id, password)
        return person

    def change_password(self, person_id: str, current: str, new: str) -> None:
        """Needs the current password; ends every other session of the person (caller's job)."""
        if not self._verify(self._stored_hash(person_id) or self._dummy, current):
            raise WrongPassword(translatable("The current password is not right."),
                                field="current_password")
        self.set_password(person_id, new)

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def _stored_hash(self, person_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(credentials.c.password_hash)
                                .where(credentials.c.person_id == person_id)).scalar()

    # ---- sessions ---------------------------------------------------------------------------

    def open_session(self, person_id: str) -> str:
        """A new session token (the cookie gets it; the database keeps only its hash)."""
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))
            conn.execute(insert(web_sessions).values(
                token_hash=token_hash(token), person_id=person_id, created_at=now,
                expires_at=now + timedelta(hours=self.session_hours)))
        return token

    def session_person(self, token: str | None) -> str | None:
        """Who a live session token belongs to (None once it is closed or expired)."""
        if not token or not isinstance(token, str):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(web_sessions.c.person_id, web_sessions.c.expires_at)
                               .where(web_sessions.c.token_hash == token_hash(token))).first()
        if row is None or _aware(row.expires_at) < datetime.now(UTC):
            return None
        return row.person_id

    def close_session(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash(token)))

    def close_sessions(self, person_id: str, keep: str | None = None) -> list[str]:
        """End every session of the person (but `keep`); returns the ended sessions' hashes."""
        kept = token_hash(keep) if keep else None
        with self.engine.begin() as conn:
            hashes = [h for h in conn.execute(select(web_sessions.c.token_hash).where(
                web_sessions.c.person_id == person_id)).scalars() if h != kept]
            if hashes:
                conn.execute(delete(web_sessions).where(web_sessions.c.token_hash.in_(hashes)))
        return hashes

    def erase(self, person_id: str) -> None:
        """Delete the password and every session (the person store forgets name and e-mail)."""
        self.close_sessions(person_id)
        with self.engine.begin() as conn:
            conn.execute(delete(credentials).where(credentials.c.person_id == person_id))


def store_password_hash(conn: Connection, person_id: str, digest: str) -> None:
    """Set (or replace) a person's password hash, inside the caller's transaction."""
    now = datetime.now(UTC)
    changed = conn.execute(update(credentials).where(credentials.c.person_id == person_id)
                           .values(password_hash=digest, changed_at=now)).rowcount
    if not changed:
        conn.execute(insert(credentials).values(person_id=person_id, password_hash=digest,
                                                changed_at=now))


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
