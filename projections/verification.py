"""What the hash chain's checks found, and when: read by the audit page of every process.

Full checks (`samverkan audit verify`, the check `samverkan serve` makes at start, and each
background pass of the follower's chain watch) append a row to `audit_verification`. The chain
watch also keeps `audit_watch`: the row "tail" says how far the newest chained events are
checked, the row "pass" how far the running background pass has got.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from projections.chain import audit_watch, latest_verification

TAIL, PASS = "tail", "pass"
_PROBLEM = re.compile(r"^#(\d+): (\w+) \((.*)\)$", re.DOTALL)


@dataclass(frozen=True)
class WatchRow:
    name: str
    position: int
    checked_at: datetime
    started_at: datetime | None = None
    problem: str | None = None
    problem_at: datetime | None = None


def watch_row(conn: Connection, name: str) -> WatchRow | None:
    row = conn.execute(select(audit_watch).where(audit_watch.c.name == name)).first()
    return WatchRow(**row._mapping) if row else None


def save_watch(conn: Connection, row: WatchRow) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    values: dict[str, Any] = {
        "name": row.name, "position": row.position, "checked_at": row.checked_at,
        "started_at": row.started_at, "problem": row.problem, "problem_at": row.problem_at}
    statement = dialect.insert(audit_watch).values(values)
    conn.execute(statement.on_conflict_do_update(
        index_elements=["name"], set_={k: v for k, v in values.items() if k != "name"}))


def clear_watch(conn: Connection, name: str) -> None:
    conn.execute(delete(audit_watch).where(audit_watch.c.name == name))


def parse_problem(text: str | None) -> tuple[int, str, str] | None:
    """(position, kind, detail) of a problem written as adapters.audit_verify.Problem writes it."""
    found = _PROBLEM.match(text or "")
    return (int(found[1]), found[2], found[3]) if found else None


@dataclass(frozen=True)
class Verified:
    """The state the audit page shows."""

    state: str  # "ok", "failed" or "none" (nothing checked yet)
    position: int = 0  # ok: checked up to here; failed: the first broken position
    at: datetime | None = None  # when that was checked (or found)
    kind: str | None = None  # failed: changed, reordered, missing, inserted, truncated, rewritten, chain
    detail: str | None = None
    whole_position: int | None = None  # the last check of the whole log that found it intact
    whole_at: datetime | None = None


def verification_status(conn: Connection) -> Verified:
    """A failure stays shown until a later check of the whole log finds the history intact."""
    full = latest_verification(conn)  # (ok, up_to, verified_at, problem)
    tail = watch_row(conn, TAIL)
    if full is not None and not full[0]:
        return _failed(full[3], full[1], full[2])
    if tail is not None and tail.problem and tail.problem_at and (
            full is None or _naive(tail.problem_at) >= _naive(full[2])):
        return _failed(tail.problem, tail.position, tail.problem_at)
    if full is None and tail is None:
        return Verified("none")
    checks = [(full[1], full[2])] if full else []
    checks += [(tail.position, tail.checked_at)] if tail else []
    position, at = max(checks, key=lambda c: (c[0], _naive(c[1])))
    return Verified("ok", position, at, whole_position=full[1] if full else None,
                    whole_at=full[2] if full else None)


def _failed(problem: str | None, position: int, at: datetime) -> Verified:
    parsed = parse_problem(problem)
    if parsed is None:
        return Verified("failed", position, at, detail=problem)
    return Verified("failed", parsed[0], at, kind=parsed[1], detail=parsed[2])


def _naive(moment: datetime) -> datetime:
    """SQLite gives times back without their zone (they are stored as UTC): compare alike."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
