"""Moving a plan between installations: its stored events as JSON lines, with a digest.

The file (docs/audit.md, "Moving a plan"): a header line, one line per stored event of the
plan's aggregates in log order — id, version, topic and the state exactly as the transcoder
stored it — and a last line with the plan's digest. The digest chains the plan's events as the
store's hash chain does (SHA-256 of the previous link and the event's canonical bytes, from 32
zero bytes), so both installations can compute it from their own store, and a store that held
nothing else before the import has it as its own chain head.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, StoredEvent
from sqlalchemy import select
from sqlalchemy.engine import Engine

from adapters.audit_verify import open_store
from adapters.people import PeopleDirectory
from projections.chain import GENESIS, canonical_bytes, next_link
from projections.tables import audit_log, plan_member

FORMAT, VERSION = "samverkan-plan", 1
Progress = Callable[[int, int], None]
_DIGEST = re.compile(r"^samverkan-plan-digest v1 plan=([0-9a-f-]{36}) events=(\d+) "
                     r"sha256=([0-9a-f]{64})$")


class PortableError(ValueError):
    """A file that cannot be imported, or a plan that cannot be exported: nothing was stored."""


@dataclass(frozen=True)
class PlanDigest:
    """The chain over one plan's events, in log order: what an export vouches for."""

    plan_id: str
    events: int
    link: str

    def __str__(self) -> str:
        return f"samverkan-plan-digest v1 plan={self.plan_id} events={self.events} sha256={self.link}"

    @classmethod
    def parse(cls, text: str) -> PlanDigest:
        found = _DIGEST.match(text.strip())
        if not found:
            raise PortableError("not a plan digest (expected 'samverkan-plan-digest v1 "
                                "plan=<id> events=<n> sha256=<64 hex>')")
        return cls(found[1], int(found[2]), found[3])


class PlanChain:
    """The plan's digest, computed event by event in log order."""

    def __init__(self) -> None:
        self.link, self.events = GENESIS, 0

    def add(self, topic: str, originator_id: str, version: int, state: bytes) -> None:
        self.link = next_link(self.link, canonical_bytes(topic, originator_id, version, state))
        self.events += 1

    def result(self, plan_id: str) -> PlanDigest:
        return PlanDigest(plan_id, self.events, self.link.hex())


# ---- reading a plan's events from a store ---------------------------------------------------

def plan_aggregates(engine: Engine, plan_id: str) -> set[str]:
    """The ids (canonical text) of every aggregate of the plan: the plan itself, its budgets,
    services, commitments and decisions — each event carries its plan id into the audit view."""
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.aggregate_id).distinct()
                            .where(audit_log.c.plan_id == plan_id)).scalars().all()
    return {str(UUID(str(row))) for row in rows}


def plan_events(app: Application, aggregate_ids: Iterable[str], progress: Progress | None = None
                ) -> Iterator[tuple[int, str, int, str, bytes]]:
    """(position, aggregate id, version, topic, state) of every stored event of those aggregates,
    in log order, streamed from the store in batches (memory stays flat however long the log)."""
    wanted = {UUID(i).hex: str(UUID(i)) for i in aggregate_ids}
    store = open_store(app)
    try:
        top = store.max_position()
        for batch in store.batches():
            for position, oid, version, topic, state in batch:
                key = oid.hex if isinstance(oid, UUID) else str(oid).replace("-", "")
                if key in wanted:
                    yield position, wanted[key], version, topic, bytes(state)
            if progress:
                progress(batch[-1][0], max(top, batch[-1][0]))
    finally:
        store.close()


def plan_digest(app: Application, aggregate_ids: Iterable[str], plan_id: str,
                progress: Progress | None = None) -> PlanDigest:
    """The plan's digest as this store holds it."""
    digester = PlanChain()
    for _position, oid, version, topic, state in plan_events(app, aggregate_ids, progress):
        digester.add(topic, oid, version, state)
    return digester.result(plan_id)


# ---- export ---------------------------------------------------------------------------------

def export_plan(app: Application, engine: Engine, plan_id: str, out: IO[bytes],
                progress: Progress | None = None) -> PlanDigest:
    """Write the plan's events to `out` as JSON lines; returns the digest written last."""
    plan_id = _plan_id(plan_id)
    aggregates = plan_aggregates(engine, plan_id)
    if plan_id not in aggregates:
        raise PortableError(f"There is no plan {plan_id} in this installation.")
    _write(out, {"format": FORMAT, "version": VERSION, "plan_id": plan_id,
                 "exported_at": datetime.now(UTC).isoformat(timespec="seconds")})
    digester = PlanChain()
    for _position, oid, version, topic, state in plan_events(app, aggregates, progress):
        line: dict[str, Any] = {"originator_id": oid, "originator_version": version, "topic": topic}
        try:
            line["state"] = text = state.decode("utf-8")
        except UnicodeDecodeError:  # a store with a cipher or compressor: opaque bytes
            line["state_base64"], text = base64.b64encode(state).decode("ascii"), None
        if text is not None and _plan_of(text) not in (plan_id, None):
            raise PortableError(f"The event {oid} v{version} belongs to another plan: the read "
                                "models are out of step (run `samverkan projections rebuild`).")
        _write(out, line)
        digester.add(topic, oid, version, state)
    digest = digester.result(plan_id)
    _write(out, {"events": digest.events, "digest": str(digest)})
    return digest


def _write(out: IO[bytes], value: dict[str, Any]) -> None:
    out.write(orjson.dumps(value) + b"\n")  # compact UTF-8 JSON; a string's newlines are escaped


def _plan_of(state: str | bytes) -> str | None:
    try:
        value = orjson.loads(state)
    except orjson.JSONDecodeError:
        return None
    return value.get("plan_id") if isinstance(value, dict) else None


def _plan_id(text: str) -> str:
    try:
        return str(UUID(text.strip()))
    except ValueError:
        raise PortableError(f"{text!r} is not a plan id (a UUID, as in the plan's address).") from None


# ---- import ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReadFile:
    """A checked export: its events (in order, as the store will take them) and its digest."""

    plan_id: str
    events: list[StoredEvent]
    aggregates: set[str]
    digest: PlanDigest


def read_export(lines: Iterable[bytes], progress: Callable[[int], None] | None = None) -> ReadFile:
    """Parse and check an export: its lines must hash to the digest on its last line."""
    numbered = enumerate(lines, start=1)
    header = _line(next(numbered, (1, b"")), "the header")
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise PortableError(f"line 1: not a {FORMAT} v{VERSION} file (an export of "
                            "`samverkan export`).")
    plan_id = _plan_id(str(header.get("plan_id", "")))
    digester, events, aggregates, versions = PlanChain(), [], set(), {}
    trailer = None
    for number, text in numbered:
        if trailer is not None:
            raise PortableError(f"line {number}: there are lines after the digest line.")
        value = _line((number, text), "an event")
        if "digest" in value:
            trailer = value
            continue
        event = _event(number, value)
        oid = str(event.originator_id)
        if event.originator_version != versions.get(oid, 0) + 1:
            raise PortableError(f"line {number}: event {oid} v{event.originator_version} is out "
                                "of order (each aggregate's versions count up from 1).")
        versions[oid] = event.originator_version
        if _plan_of(event.state) not in (plan_id, None):
            raise PortableError(f"line {number}: event {oid} v{event.originator_version} belongs "
                                "to another plan than the header's.")
        aggregates.add(oid)
        digester.add(event.topic, oid, event.originator_version, event.state)
        events.append(event)
        if progress and number % 1000 == 0:
            progress(number)
    if trailer is None:
        raise PortableError("the file ends before its digest line: it is truncated.")
    stated = PlanDigest.parse(str(trailer["digest"]))
    found = digester.result(plan_id)
    if stated.plan_id != plan_id or stated.events != found.events or stated.link != found.link:
        raise PortableError(f"the file's events do not hash to its digest (it states {stated.events} "
                            f"events, sha256 {stated.link[:12]}…; its lines give {found.events} "
                            f"events, sha256 {found.link[:12]}…): it was changed or cut short.")
    if plan_id not in aggregates:
        raise PortableError("the file does not hold the plan itself.")
    return ReadFile(plan_id, events, aggregates, found)


def _line(numbered: tuple[int, bytes], what: str) -> dict[str, Any]:
    number, text = numbered
    try:
        value = orjson.loads(text)  # refuses what is not UTF-8, too
    except orjson.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise PortableError(f"line {number}: expected {what} (a JSON object).")
    return value


def _event(number: int, value: dict[str, Any]) -> StoredEvent:
    try:
        oid, version, topic = UUID(value["originator_id"]), value["originator_version"], value["topic"]
        if "state" in value:
            state = value["state"].encode("utf-8")
        else:
            state = base64.b64decode(value["state_base64"], validate=True)
        if type(version) is not int or version < 1 or not isinstance(topic, str):
            raise TypeError
    except (KeyError, TypeError, ValueError, AttributeError):
        raise PortableError(f"line {number}: not a stored event (originator_id, "
                            "originator_version, topic and state).") from None
    return StoredEvent(originator_id=oid, originator_version=version, topic=topic, state=state)


def existing_aggregates(app: Application, aggregate_ids: Iterable[str]) -> list[str]:
    """Those of the aggregates that this store has events of already."""
    recorder: Any = app.recorder
    return [i for i in sorted(aggregate_ids) if recorder.select_events(UUID(i), limit=1)]


def store_events(app: Application, checked: ReadFile) -> None:
    """Append the file's events in one transaction, byte for byte; refuse (storing nothing) if
    any of its aggregates exists here."""
    there = existing_aggregates(app, checked.aggregates)
    if there:
        raise PortableError(f"{len(there)} of the plan's {len(checked.aggregates)} aggregates exist "
                            f"in this installation already (the plan {checked.plan_id} was imported "
                            "or made here): nothing was stored.")
    try:
        _insert(app.recorder, checked.events)
    except IntegrityError:  # stored by someone else since the check
        raise PortableError("some of the plan's events were stored here meanwhile: nothing "
                            "was stored.") from None


CHUNK = 2_000


def _insert(recorder: Any, events: list[StoredEvent]) -> None:
    """All the events in one transaction. PostgreSQL takes them in statements of CHUNK rows:
    one statement of a whole big plan (a 100 000-element array parameter) stalls the client."""
    if not hasattr(recorder.datastore, "schema"):  # SQLite: one executemany, one commit
        recorder.insert_events(events)
        return
    import psycopg

    try:
        with recorder.datastore.transaction(commit=True) as cursor:
            for start in range(0, len(events), CHUNK):
                # The recorder's own statements: lock the table, notify listeners, insert.
                recorder._insert_stored_events(cursor, events[start:start + CHUNK])
    except psycopg.IntegrityError as error:
        raise IntegrityError(str(error)) from error


def members_unknown_here(engine: Engine, people: PeopleDirectory, plan_id: str) -> list[tuple[str, str]]:
    """(person id, role) of the plan's members who have no entry in this installation's people
    store: accounts are not moved, so pages name them "erased person #…" until they are added."""
    with engine.connect() as conn:
        members = conn.execute(select(plan_member.c.person_id, plan_member.c.role)
                               .where(plan_member.c.plan_id == plan_id)
                               .order_by(plan_member.c.role, plan_member.c.person_id)).all()
    known = people.many([str(m[0]) for m in members])
    return [(str(person), role) for person, role in members if str(person) not in known]
