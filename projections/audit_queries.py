"""The audit trail read side: filtered, keyset-paged pages and constant-memory streams.

Every page is "newest first, `position < before`, LIMIT n" over one of the composite
indexes `(plan_id, <filter column>, position)` on audit_log_view, so a page costs the same on
the first screen and a million rows deep. A filter on several kinds of change runs one such
query per kind and merges them, rather than asking the database to sort an IN (...) list.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import Connection, Engine

from projections.tables import audit_log, audit_name, commitment

PAGE_SIZE = 50
SKEW = timedelta(hours=1)  # far more than a command is ever in flight between timestamp and commit
EXPORT_BATCH = 1_000

_BUDGET_LINES = ("LineItemAdded", "LineItemChanged", "LineItemMoved", "LineItemRemoved",
                 "LineItemRestored")
_SERVICE = ("Created", "DetailsChanged", "ProviderAdded", "ProviderRemoved", "NeedAdded",
            "RiskRecorded", "RiskRemoved", "KpiDefined", "KpiMeasured", "StageChanged")
_COMMITMENT = ("Created", "Confirmed", "DeliveryRecorded", "Verified", "Withdrawn")

#: Kinds of change a reader picks from: (aggregate type, event type) pairs.
KINDS: dict[str, tuple[tuple[str, str], ...]] = {
    "amounts": (("budget", "LineItemAmountChanged"),),
    "shares": (("budget", "CostShareChanged"),),
    "lines": tuple(("budget", t) for t in _BUDGET_LINES),
    "budget_status": (("budget", "Created"), ("budget", "StatusChanged")),
    "budget_years": (("budget", "YearAdded"), ("budget", "YearRemoved")),
    "members": tuple(("plan", t) for t in ("MemberAdded", "MemberChanged", "MemberJoined",
                                           "MemberRemoved")),
    "organisations": (("plan", "ActorAdded"), ("plan", "ActorChanged"), ("plan", "ActorRemoved"),
                      ("plan", "ActorLeft")),
    "plan": (("plan", "Created"), ("plan", "DetailsChanged"),
             ("plan", "GenderSplitRequirementChanged"), ("plan", "Archived")),
    "services": tuple(("service", t) for t in _SERVICE),
    "commitments": tuple(("commitment", t) for t in _COMMITMENT),
}

#: Exact-match filters and the audit_log_view column each one narrows.
EQUALS = ("aggregate_id", "subject_id", "person_id", "org_id", "sector")


@dataclass(frozen=True)
class AuditFilter:
    """What a reader narrows the trail of one plan to (None: no narrowing)."""

    plan_id: str
    aggregate_id: str | None = None
    subject_id: str | None = None  # a line item, actor, risk … the change was about
    person_id: str | None = None
    org_id: str | None = None
    sector: str | None = None
    kinds: tuple[str, ...] = ()  # names in KINDS
    event_types: tuple[str, ...] = ()  # exact event types ("LineItemAmountChanged")
    since: str | None = None  # recorded_at >= since (ISO 8601 UTC, as stored)
    until: str | None = None  # recorded_at < until

    def pairs(self) -> list[tuple[str | None, str]]:
        """(aggregate type, event type) alternatives; empty when every kind is wanted."""
        chosen: list[tuple[str | None, str]] = [p for k in self.kinds for p in KINDS[k]]
        chosen += [(None, t) for t in self.event_types]
        return list(dict.fromkeys(chosen))


def _position_bounds(conn: Connection, f: AuditFilter) -> tuple[int | None, int | None]:
    """Positions that surely lie outside the date range, so a page never scans past it.

    Positions follow recorded times except for the moments commands spend in flight, so a row
    recorded an hour after the range ends comes after every row in it (and likewise before).
    The exact recorded_at conditions still apply; these only stop the scan early.
    """
    c, lower, upper = audit_log.c, None, None
    if f.since is not None:
        lower = conn.execute(
            select(c.position).where(c.plan_id == f.plan_id, c.recorded_at < _shift(f.since, -SKEW))
            .order_by(c.recorded_at.desc()).limit(1)).scalar()
    if f.until is not None:
        upper = conn.execute(
            select(c.position).where(c.plan_id == f.plan_id, c.recorded_at >= _shift(f.until, SKEW))
            .order_by(c.recorded_at).limit(1)).scalar()
    return lower, upper


def _shift(moment: str, by: timedelta) -> str:
    return (datetime.fromisoformat(moment) + by).isoformat(timespec="microseconds")


def _base(f: AuditFilter, before: int | None, bounds: tuple[int | None, int | None]) -> Select:
    c = audit_log.c
    query = select(audit_log).where(c.plan_id == f.plan_id)
    for name in EQUALS:
        value = getattr(f, name)
        if value is not None:
            query = query.where(c[name] == value)
    # `recorded_at || ''`: the exact date conditions must not lure the planner onto the
    # recorded_at index (then it sorts the whole range); the position bounds narrow instead.
    recorded = c.recorded_at + ""
    if f.since is not None:
        query = query.where(recorded >= f.since)
    if f.until is not None:
        query = query.where(recorded < f.until)
    lower, upper = bounds
    if lower is not None:
        query = query.where(c.position > lower)
    if upper is not None and (before is None or upper < before):
        before = upper
    if before is not None:
        query = query.where(c.position < before)
    return query.order_by(c.position.desc())


def _queries(f: AuditFilter, before: int | None, limit: int,
             bounds: tuple[int | None, int | None] = (None, None)) -> list[Select]:
    base, c = _base(f, before, bounds), audit_log.c
    pairs = f.pairs()
    if not pairs:
        return [base.limit(limit)]
    queries = []
    for aggregate_type, event_type in pairs:
        query = base.where(c.event_type == event_type)
        if aggregate_type is not None:
            query = query.where(c.aggregate_type == aggregate_type)
        queries.append(query.limit(limit))
    return queries


def audit_rows(conn: Connection, f: AuditFilter, before: int | None = None,
               limit: int = PAGE_SIZE) -> list[dict[str, Any]]:
    """Up to `limit` rows older than `before`, newest first."""
    bounds = _position_bounds(conn, f)
    results = [[dict(r) for r in conn.execute(q).mappings()]
               for q in _queries(f, before, limit, bounds)]
    if len(results) == 1:
        return results[0]
    merged = heapq.merge(*results, key=lambda r: r["position"], reverse=True)
    # A row two chosen kinds both match (an event type named twice) is still one change.
    once = (next(same) for _, same in itertools.groupby(merged, key=lambda r: r["position"]))
    return list(itertools.islice(once, limit))


def audit_page(conn: Connection, f: AuditFilter, before: int | None = None,
               limit: int = PAGE_SIZE) -> tuple[list[dict[str, Any]], int | None]:
    """One page and the cursor of the next (older) one, or None when this is the last."""
    rows = audit_rows(conn, f, before, limit + 1)
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1]["position"]
    return rows, None


def iter_audit(engine: Engine, f: AuditFilter, batch: int = EXPORT_BATCH) -> Iterator[dict[str, Any]]:
    """Every matching row, newest first, a batch at a time (memory stays flat for any size).

    Each batch has its own short connection, so a slow download never holds a read
    transaction open on the views while the projections write.
    """
    before: int | None = None
    while True:
        with engine.connect() as conn:
            rows = audit_rows(conn, f, before, batch)
        yield from rows
        if len(rows) < batch:
            return
        before = rows[-1]["position"]


def named_subjects(conn: Connection, plan_id: str) -> dict[str, list[dict[str, Any]]]:
    """The plan's budgets, services, lines … by kind, with their latest names (for filter choices)."""
    rows = conn.execute(select(audit_name.c.subject_id, audit_name.c.kind, audit_name.c.name)
                        .where(audit_name.c.plan_id == plan_id).order_by(audit_name.c.name))
    found: dict[str, list[dict[str, Any]]] = {}
    for subject_id, kind, name in rows:
        found.setdefault(kind, []).append({"id": subject_id, "name": name})
    return found


def commitment_owners(conn: Connection, plan_id: str) -> dict[str, str]:
    """Each of the plan's commitments' organisation id, by commitment id (for the exports)."""
    rows = conn.execute(select(commitment.c.commitment_id, commitment.c.actor_id)
                        .where(commitment.c.plan_id == plan_id))
    return {commitment_id: actor_id for commitment_id, actor_id in rows}
