"""Verifies the event store against the hash chain (and, optionally, an external digest).

Every stored event is re-read straight from the store in log order — SQLite through the sqlite3
module on the events file, PostgreSQL through a server-side cursor — hashed exactly as the chain
hashed it, and compared with the chain's digest at its position. The first disagreement is
classified (changed, reordered, missing, inserted, truncated, rewritten) and reported.
"""

from __future__ import annotations

import hashlib
import queue
import re
import sqlite3
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application
from sqlalchemy import select
from sqlalchemy.engine import Engine

from projections.chain import GENESIS, audit_chain, canonical_bytes, chain_head, record_verification

BATCH = 20_000
Progress = Callable[[int, int], None]
_DIGEST = re.compile(r"^samverkan-digest v1 position=(\d+) sha256=([0-9a-f]{64})$")


@dataclass(frozen=True)
class Digest:
    """A chain head written down outside the system: later tails must still lead to it."""

    position: int
    link: str

    def __str__(self) -> str:
        return f"samverkan-digest v1 position={self.position} sha256={self.link}"

    @classmethod
    def parse(cls, text: str) -> Digest:
        found = _DIGEST.match(text.strip())
        if not found:
            raise ValueError("not a samverkan digest (expected "
                             "'samverkan-digest v1 position=<n> sha256=<64 hex>')")
        return cls(int(found[1]), found[2])


@dataclass(frozen=True)
class Problem:
    kind: str  # changed, reordered, missing, inserted, truncated, rewritten, chain
    position: int
    detail: str
    other: int | None = None  # the other position of a reordered pair

    def __str__(self) -> str:
        return f"#{self.position}: {self.kind} ({self.detail})"


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int  # stored events read
    up_to: int  # the last position checked against the chain or the digest
    link: str  # the recomputed link at `up_to`
    pending: int  # stored events past the chain's head (hashed, not yet chained)
    problem: Problem | None = None


def verify(app: Application, engine: Engine, digest: Digest | None = None,
           progress: Progress | None = None) -> Verification:
    """Re-read every stored event, compare with the chain (and digest); record and return the result."""
    store = open_store(app)
    try:
        result = _verify(store, engine, digest, progress)
    finally:
        store.close()
    with engine.begin() as conn:
        record_verification(conn, result.ok, result.problem.position if result.problem else result.up_to,
                            str(result.problem) if result.problem else None)
    return result


def _verify(store: _Store, engine: Engine, digest: Digest | None, progress: Progress | None
            ) -> Verification:
    with engine.connect() as conn:
        head, head_link = chain_head(conn) or (0, GENESIS.hex())
    at_digest = digest.position if digest else 0
    target = max(head, at_digest)
    top = store.max_position()
    sha, canonical_of = hashlib.sha256, _Canonical()
    link, events, chained, last = GENESIS, 0, 0, 0
    up_to, link_at = 0, GENESIS  # nothing chained and no digest: nothing to check against
    with _ChainReader(engine) as chain:
        for batch in store.batches():
            canonicals = canonical_of.batch(batch)
            positions = [row[0] for row in batch]
            end = positions[-1]
            if last < head:  # compare the batch with the chain as lists: a mismatch finds its place
                known = positions if end <= head else [p for p in positions if p <= head]
                digests = [sha(c).hexdigest() for c in canonicals[:len(known)]]
                if chain.signature(last, min(end, head)) != (",".join(map(str, known)), "".join(digests)):
                    recorded = chain.rows(last, min(end, head))
                    return _broken(events, _first_difference(store, engine, known, digests, recorded,
                                                             head))
                chained += len(known)
            if last < at_digest <= end and at_digest not in positions:
                return _broken(events, Problem("missing", at_digest,
                                               "the digest's position is not in the store"))
            if last < target <= end:  # a position to check a link at: go event by event
                for position, canonical in zip(positions, canonicals, strict=True):
                    link = sha(link + canonical).digest()
                    if position == head and link.hex() != head_link:
                        return _broken(events, Problem("chain", position, "the recorded links do not "
                                                       "follow from the recorded events"))
                    if position == at_digest and link.hex() != digest.link:  # type: ignore[union-attr]
                        return _broken(events, Problem("rewritten", position, "the events up to here "
                                                       "no longer hash to the digest's sha256"))
                    if position == target:
                        up_to, link_at = position, link
            else:
                for canonical in canonicals:
                    link = sha(link + canonical).digest()
            events, last = events + len(batch), end
            if progress:
                progress(last, max(top, last))
        if last < head:
            return _broken(events, _missing(store, chain.rows(last, head)[0][0], head))
    if last < at_digest:
        return _broken(events, Problem("truncated", last + 1, f"the log ends at #{last}, but the "
                                       f"digest vouches for events up to #{at_digest}"))
    return Verification(True, events, up_to, link_at.hex(), events - chained)


@dataclass(frozen=True)
class RangeCheck:
    end: int  # the last chained position of the range (`after` itself when the chain ends there)
    events: int  # chained events in the range
    problem: Problem | None = None  # the first one found in the range


def check_range(store: _Store, engine: Engine, after: int, limit: int) -> RangeCheck:
    """Check the next `limit` chained positions after `after` against the stored events: the same
    positions, the same digests, and links that follow from the chain's link at `after`. Range by
    range from #0 this is the whole check: each range starts where the one before it vouched."""
    with engine.connect() as conn:
        recorded = conn.execute(select(audit_chain.c.position, audit_chain.c.event_digest,
                                       audit_chain.c.link).where(audit_chain.c.position > after)
                                .order_by(audit_chain.c.position).limit(limit)).all()
        start = GENESIS.hex() if after == 0 else conn.execute(
            select(audit_chain.c.link).where(audit_chain.c.position == after)).scalar()
        head = (chain_head(conn) or (0, ""))[0]
    if not recorded:
        return RangeCheck(after, 0)
    end = recorded[-1][0]
    if start is None:
        return RangeCheck(end, len(recorded), Problem("chain", after, "the chain's link here is gone"))
    rows = store.rows_between(after, end)
    canonicals = _Canonical().batch(rows)
    positions, digests = [r[0] for r in rows], [hashlib.sha256(c).hexdigest() for c in canonicals]
    pairs = [(position, digest) for position, digest, _link in recorded]
    if positions != [p for p, _ in pairs] or digests != [d for _, d in pairs]:
        problem = _first_difference(store, engine, positions, digests, pairs, head)
        return RangeCheck(end, len(recorded), problem)
    link = bytes.fromhex(start)
    for (position, _digest, recorded_link), canonical in zip(recorded, canonicals, strict=True):
        link = hashlib.sha256(link + canonical).digest()
        if link.hex() != recorded_link:
            return RangeCheck(end, len(recorded), Problem(
                "chain", position, "the recorded links do not follow from the recorded events"))
    return RangeCheck(end, len(recorded))


def _first_difference(store: _Store, engine: Engine, positions: list[int], digests: list[str],
                      recorded: list[tuple[int, str]], head: int) -> Problem:
    """The first place where a batch of stored events and the chain's rows for it disagree."""
    i = j = 0
    while i < len(positions) and j < len(recorded):
        position, (chained, recorded_digest) = positions[i], recorded[j]
        if position == chained:
            if digests[i] != recorded_digest:
                return _classify(store, engine, position, digests[i], recorded_digest)
            i, j = i + 1, j + 1
        elif chained < position:
            return _missing(store, chained, head)
        else:
            break
    if j < len(recorded) and (i == len(positions) or recorded[j][0] < positions[i]):
        return _missing(store, recorded[j][0], head)
    return Problem("inserted", positions[i],
                   f"the chain, which reaches #{head}, has no event #{positions[i]}")


def _broken(events: int, problem: Problem) -> Verification:
    return Verification(False, events, max(problem.position - 1, 0), "", 0, problem)


def _classify(store: _Store, engine: Engine, position: int, found: str, recorded: str) -> Problem:
    """Name what happened at the first position whose event no longer matches the chain."""
    with engine.connect() as conn:
        elsewhere = conn.execute(select(audit_chain.c.position).where(
            audit_chain.c.event_digest == found, audit_chain.c.position != position)).scalar()
    if elsewhere is not None:
        if store.digest(elsewhere) == recorded or elsewhere != position + 1:
            return Problem("reordered", position, f"the event at #{position} was recorded at "
                           f"#{elsewhere}", other=elsewhere)
        return Problem("missing", position, f"the event recorded at #{position} is gone and "
                       "the events after it moved up")
    if store.digest(position + 1) == recorded:
        return Problem("inserted", position, f"an event the chain does not know is at #{position}, "
                       "and the events after it moved down")
    return Problem("changed", position, f"the stored event's sha256 is {found}, "
                   f"the chain recorded {recorded}")


def _missing(store: _Store, position: int, head_position: int) -> Problem:
    if store.max_position() < position:
        return Problem("truncated", position, f"the log ends at #{store.max_position()}, "
                       f"but the chain reaches #{head_position}")
    return Problem("missing", position, "the chain has this event, the store does not")


class _Canonical:
    """`canonical_bytes` for a stream of stored rows, with the length-prefixed topic and aggregate id
    kept between rows (they repeat: a few topics, many events per aggregate). Same bytes, faster."""

    def __init__(self) -> None:
        self.topics: dict[str, bytes] = {}
        self.ids: dict[Any, bytes] = {}

    def batch(self, rows: list[Row]) -> list[bytes]:
        topics, ids, length = self.topics, self.ids, _LENGTH
        if len(ids) > 100_000:
            ids.clear()
        return [b"".join((topics.get(topic) or self._topic(topic), ids.get(oid) or self._id(oid),
                          length(len(number := b"%d" % version)), number, length(len(state)), state))
                for _nid, oid, version, topic, state in rows]

    def _topic(self, topic: str) -> bytes:
        prefixed = self.topics[topic] = _prefixed(topic.encode())
        return prefixed

    def _id(self, originator_id: Any) -> bytes:
        prefixed = self.ids[originator_id] = _prefixed(_id_text(originator_id).encode())
        return prefixed


_LENGTH = struct.Struct(">I").pack


def _prefixed(data: bytes) -> bytes:
    return _LENGTH(len(data)) + data


def _id_text(originator_id: Any) -> str:
    if originator_id.__class__ is str and len(originator_id) == 32:  # SQLite stores UUID hex
        h = originator_id
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return str(originator_id)


class _ChainReader:
    """The chain's (position, event_digest) rows, a range at a time, on one raw connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> _ChainReader:
        self.raw = self.engine.raw_connection()
        return self

    def signature(self, after: int, up_to: int) -> tuple[str, str]:
        """The positions (comma-separated) and digests (run together) of a range, in one row."""
        where = f"WHERE position > {int(after)} AND position <= {int(up_to)}"
        if self.engine.dialect.name == "postgresql":
            sql = ("SELECT string_agg(position::text, ',' ORDER BY position), "  # nosec B608: ints only
                   f"string_agg(event_digest, '' ORDER BY position) FROM audit_chain {where}")
        else:  # SQLite concatenates in the subquery's order
            sql = ("SELECT group_concat(position, ','), group_concat(event_digest, '') FROM "  # nosec B608
                   f"(SELECT position, event_digest FROM audit_chain {where} ORDER BY position)")
        cursor = self.raw.cursor()
        cursor.execute(sql)
        positions, digests = cursor.fetchone()
        cursor.close()
        return positions or "", digests or ""

    def rows(self, after: int, up_to: int) -> list[tuple[int, str]]:
        cursor = self.raw.cursor()
        cursor.execute("SELECT position, event_digest FROM audit_chain "  # nosec B608: ints only
                       f"WHERE position > {int(after)} AND position <= {int(up_to)} ORDER BY position")
        rows = [tuple(row) for row in cursor.fetchall()]
        cursor.close()
        return rows

    def __exit__(self, *exc: object) -> None:
        self.raw.rollback()
        self.raw.close()


# ---- reading the store directly ------------------------------------------------------------

Row = tuple[int, Any, int, str, bytes]


class _Store:
    """Stored events in notification order, read without the application's mapper."""

    position_column = "rowid"

    def __init__(self, connection: Any, table: str) -> None:
        self.connection, self.table = connection, table

    def _select(self, where: str = "") -> str:
        return (f"SELECT {self.position_column}, originator_id, originator_version, topic, state "  # nosec B608
                f"FROM {self.table} {where} ORDER BY {self.position_column}")

    def batches(self) -> Iterator[list[Row]]:
        """Every stored event in batches, read ahead in a thread: the database reads the next
        batch (without the GIL) while the caller hashes this one."""
        ahead: queue.Queue[Any] = queue.Queue(maxsize=2)
        stop = threading.Event()

        def read() -> None:
            try:
                cursor = self._cursor()
                cursor.execute(self._select())
                while not stop.is_set() and (rows := cursor.fetchmany(BATCH)):
                    _put(ahead, rows, stop)
                cursor.close()
                _put(ahead, None, stop)
            except BaseException as error:  # handed to the reading side
                _put(ahead, error, stop)

        reader = threading.Thread(target=read, name="audit-verify-read", daemon=True)
        reader.start()
        try:
            while (item := ahead.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            reader.join()

    def _cursor(self) -> Any:
        return self.connection.cursor()

    def _one(self, sql: str, *params: Any) -> Any:
        cursor = self.connection.cursor()
        cursor.execute(sql, params)
        row = cursor.fetchone()
        cursor.close()
        return row

    def digest(self, position: int) -> str | None:
        row = self._one(self._select(f"WHERE {self.position_column} = {int(position)}"))
        if row is None:
            return None
        _nid, oid, version, topic, state = row
        return hashlib.sha256(canonical_bytes(topic, _id_text(oid), version, state)).hexdigest()

    def rows_between(self, after: int, up_to: int) -> list[Row]:
        """The stored events after position `after` up to `up_to`, in log order."""
        where = f"WHERE {self.position_column} > {int(after)} AND {self.position_column} <= {int(up_to)}"
        return self._rows(self._select(where))

    def _rows(self, sql: str) -> list[Row]:
        return [tuple(row) for row in self.connection.execute(sql).fetchall()]

    def max_position(self) -> int:
        return self._one(f"SELECT MAX({self.position_column}) FROM {self.table}")[0] or 0  # nosec B608

    def close(self) -> None:
        self.connection.close()


def _put(ahead: queue.Queue[Any], item: Any, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            ahead.put(item, timeout=0.05)
            return
        except queue.Full:
            continue


class _PostgresStore(_Store):
    position_column = "notification_id"

    def _cursor(self) -> Any:
        from psycopg.rows import tuple_row

        # A server-side cursor: a million events stream through in batches, memory stays flat.
        return self.connection.cursor(name="audit_verify_events", row_factory=tuple_row)

    def _one(self, sql: str, *params: Any) -> Any:
        from psycopg.rows import tuple_row

        with self.connection.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    def _rows(self, sql: str) -> list[Row]:
        from psycopg.rows import tuple_row

        with self.connection.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall()
        self.connection.rollback()  # a watch that reads for hours must not hold a transaction open
        return rows


def open_store(app: Application) -> _Store:
    """Open the application's event store for reading, bypassing the recorder."""
    recorder: Any = app.recorder
    datastore = recorder.datastore
    table = recorder.events_table_name
    if hasattr(datastore, "pool") and hasattr(datastore.pool, "db_name"):  # SQLite
        path = datastore.pool.db_name
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        return _Store(connection, table)
    if hasattr(datastore, "schema"):  # PostgreSQL
        import psycopg

        kwargs = {k: v for k, v in datastore.pool.kwargs.items() if k != "row_factory"}
        connection = psycopg.connect(**kwargs)
        return _PostgresStore(connection, f'"{datastore.schema}"."{table}"')
    raise ValueError("verification reads an SQLite or PostgreSQL event store")
