"""The tamper-evident history: a hash chain over the stored events, in log order.

Each stored event, as read back from the store, is reduced to canonical bytes; its link is
SHA-256(previous link + canonical bytes), starting from 32 zero bytes. The links are recorded as
the log grows, so an event changed, removed, added or moved later no longer matches them.
Unlike the views, the chain is never dropped and rebuilt: rebuilding it from a tampered store
would bless the tampering. Checkpoints mark each decision and every 10 000th position.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from projections.tables import audit_log

#: The chain's own tables: not views, so a projections rebuild or reset leaves them alone.
chain_metadata = MetaData()

audit_chain = Table(
    "audit_chain", chain_metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("event_digest", String(64), nullable=False),  # sha256 hex of the canonical bytes
    Column("link", String(64), nullable=False),
)

audit_checkpoint = Table(
    "audit_checkpoint", chain_metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("link", String(64), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("reason", String(80), nullable=False),  # "decision:<id>" or "periodic"
)

audit_verification = Table(
    "audit_verification", chain_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("verified_at", DateTime(timezone=True), nullable=False),
    Column("up_to_position", Integer, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("problem", Text, nullable=True),
)

#: What the follower's chain watch has checked (projections/verification.py): one row "tail" for
#: the newest chained events, one row "pass" for the background re-check of the whole log.
audit_watch = Table(
    "audit_watch", chain_metadata,
    Column("name", String(8), primary_key=True),
    Column("position", Integer, nullable=False),  # checked up to here
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),  # when this pass began
    Column("problem", Text, nullable=True),  # the last problem found, as str(Problem)
    Column("problem_at", DateTime(timezone=True), nullable=True),
)

GENESIS = bytes(32)
DECISION_TOPIC = "domain.decisions:Decision.Recorded"
PERIOD = 10_000


def canonical_bytes(topic: str, originator_id: str, originator_version: int, state: bytes) -> bytes:
    """Topic, aggregate id (canonical UUID text), version (decimal) and state, each length-prefixed
    (4 bytes, big-endian), so no two different events can run together into the same bytes."""
    parts = (topic.encode(), originator_id.encode(), b"%d" % originator_version, state)
    return b"".join(len(p).to_bytes(4, "big") + p for p in parts)


def canonical_id(originator_id: UUID | str) -> str:
    return str(originator_id if isinstance(originator_id, UUID) else UUID(originator_id))


def next_link(link: bytes, canonical: bytes) -> bytes:
    return hashlib.sha256(link + canonical).digest()


def chain_head(conn: Connection) -> tuple[int, str] | None:
    """(position, link hex) of the newest link, or None while the chain is empty."""
    row = conn.execute(select(audit_chain.c.position, audit_chain.c.link)
                       .order_by(audit_chain.c.position.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def checkpoint_at(conn: Connection, position: int) -> dict[str, Any] | None:
    """The checkpoint recorded at `position` (position, link, recorded_at, reason), if any."""
    row = conn.execute(select(audit_checkpoint).where(audit_checkpoint.c.position == position)).first()
    return dict(row._mapping) if row else None


def link_of_change(conn: Connection, aggregate_id: str, version: int) -> dict[str, Any] | None:
    """Where an aggregate's change (its version) sits in the log, and the chain's link there:
    {position, link (hex, or None while the chain has not reached it)}; None while the audit
    view has not seen the change."""
    position = conn.execute(select(audit_log.c.position).where(
        audit_log.c.aggregate_id == aggregate_id, audit_log.c.aggregate_version == version)).scalar()
    if position is None:
        return None
    link = conn.execute(select(audit_chain.c.link).where(audit_chain.c.position == position)).scalar()
    return {"position": position, "link": link}


def latest_verification(conn: Connection) -> tuple[bool, int, datetime, str | None] | None:
    """(ok, up_to_position, verified_at, problem) of the last verification, if any ran."""
    row = conn.execute(select(audit_verification.c.ok, audit_verification.c.up_to_position,
                              audit_verification.c.verified_at, audit_verification.c.problem)
                       .order_by(audit_verification.c.id.desc()).limit(1)).first()
    return (bool(row[0]), row[1], row[2], row[3]) if row else None


def record_verification(conn: Connection, ok: bool, up_to_position: int, problem: str | None) -> None:
    conn.execute(audit_verification.insert().values(
        verified_at=datetime.now(UTC), up_to_position=up_to_position, ok=ok, problem=problem))


class ChainFollower:
    """Extends the chain from raw notifications (stored bytes as read back), one transaction a batch."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.position = 0
        self._changed = threading.Condition()
        self._listeners: list[Callable[[int], None]] = []

    def add_listener(self, callback: Callable[[int], None]) -> None:
        """Called with the new head after each batch of links commits (the chain watch checks them)."""
        self._listeners.append(callback)

    def create_tables(self) -> None:
        chain_metadata.create_all(self.engine)

    def load_position(self) -> int:
        with self.engine.connect() as conn:
            head = chain_head(conn)
        self.position = head[0] if head else 0
        return self.position

    def extend(self, notifications: Sequence[Any]) -> int:
        """Add links for the notifications past the chain's head; returns the new head position.

        The head is read inside the transaction, and rows another process already wrote are
        skipped: the chain is a pure function of the store, so both would write the same rows.
        """
        with self.engine.begin() as conn:
            head = chain_head(conn)
            position, link = (head[0], bytes.fromhex(head[1])) if head else (0, GENESIS)
            links, checkpoints = [], []
            now = datetime.now(UTC)
            for n in notifications:
                if n.id <= position:
                    continue
                canonical = canonical_bytes(n.topic, canonical_id(n.originator_id),
                                            n.originator_version, n.state)
                link = next_link(link, canonical)
                links.append({"position": n.id, "event_digest": hashlib.sha256(canonical).hexdigest(),
                              "link": link.hex()})
                reason = _checkpoint_reason(n, position)
                if reason:
                    checkpoints.append({"position": n.id, "link": link.hex(), "recorded_at": now,
                                        "reason": reason})
                position = n.id
            if links:
                conn.execute(_insert_new(conn.dialect.name, "audit_chain"), links)
            if checkpoints:
                conn.execute(_insert_new(conn.dialect.name, "audit_checkpoint"), checkpoints)
        self.position = max(self.position, position)
        with self._changed:
            self._changed.notify_all()
        if links:
            for listener in self._listeners:
                listener(position)
        return position

    def catch_up(self, recorder: Any, batch_size: int = 5000) -> int:
        """Extend the chain to the end of the log (safe beside another process doing the same)."""
        position = self.load_position()
        top = recorder.max_notification_id() or 0
        while position < top:
            notifications = recorder.select_notifications(
                start=position, limit=batch_size, inclusive_of_start=False)
            if not notifications:
                break
            position = self.extend(notifications)
        return position

    def wait(self, position: int, timeout: float, interrupt: threading.Event | None = None) -> None:
        """Block until the chain reaches `position`: woken by this process, polling for others."""
        deadline = time.monotonic() + timeout
        while self.position < position and self.load_position() < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the audit chain did not reach #{position} in {timeout}s")
            if interrupt is not None and interrupt.is_set():
                from eventsourcing.persistence import WaitInterruptedError

                raise WaitInterruptedError
            with self._changed:
                self._changed.wait(timeout=min(remaining, 0.05))


def _checkpoint_reason(notification: Any, previous: int) -> str | None:
    if notification.topic == DECISION_TOPIC:
        return f"decision:{canonical_id(notification.originator_id)}"
    if notification.id // PERIOD > previous // PERIOD:  # positions may have gaps (PostgreSQL)
        return "periodic"
    return None


@functools.cache
def _insert_new(dialect_name: str, table_name: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for one of the chain's tables (built once per dialect)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(chain_metadata.tables[table_name]).on_conflict_do_nothing()
