"""Decisions read model: one row per recorded decision, with the log position it was stored at.

The position is what ties a printed decision to the hash chain: the history digest shown with
it is the chain's link at that position.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Date, DateTime, Index, Integer, String, Table, Text, select
from sqlalchemy.engine import Connection

from domain.decisions import Decision
from domain.errors import NotFound
from projections.base import Positioned, ViewProjection
from projections.tables import Id, metadata

decision = Table(
    "decision_view", metadata,
    Column("decision_id", Id, primary_key=True),
    Column("plan_id", Id, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("title", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("attendees", JSON, nullable=False),  # person ids, in the order recorded
    Column("budget_id", Id),
    Column("budget_version", Integer),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", Id, nullable=False),
    Index("ix_decision_plan", "plan_id", "decided_on", "position"),
)


class DecisionProjection(ViewProjection):
    name = "decisions"
    tables = (decision,)

    def apply_batch(self, conn: Connection, events: Sequence[Positioned]) -> None:
        rows = [_row(e, position) for e, position in events if type(e) is Decision.Recorded]
        if rows:  # decisions are few: a plain executemany is plenty
            conn.execute(decision.insert(), rows)


def _row(e: Decision.Recorded, position: int) -> dict[str, Any]:
    return {"decision_id": str(e.originator_id), "plan_id": e.plan_id, "position": position,
            "decided_on": e.decided_on, "title": e.title, "text": e.text,
            "attendees": list(e.attendees), "budget_id": e.budget_id,
            "budget_version": e.budget_version, "recorded_at": e.timestamp,
            "recorded_by": e.acted_by}


# ---- queries ---------------------------------------------------------------------------------

def plan_decisions(conn: Connection, plan_id: str) -> list[dict[str, Any]]:
    """A plan's decisions, newest first."""
    rows = conn.execute(select(decision).where(decision.c.plan_id == plan_id)
                        .order_by(decision.c.decided_on.desc(), decision.c.position.desc()))
    return [dict(r._mapping) for r in rows]


def decision_by_id(conn: Connection, decision_id: str) -> dict[str, Any]:
    row = conn.execute(select(decision).where(decision.c.decision_id == decision_id)).first()
    if row is None:
        raise NotFound("No such decision.", id=decision_id[:80])
    return dict(row._mapping)
