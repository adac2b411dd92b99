"""Audit log projection: one row per event with who, for which organisation, and before → after.

Names at the time of the change (line labels, organisations and their sectors, services, KPIs,
risks) are tracked by the projection itself, so a row shows what people saw then. Person names
are never stored: rows hold person ids, looked up (or shown as erased) when displayed.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy.engine import Connection

from domain.budgets import Budget
from domain.plans import Plan
from domain.services import SharedService
from projections.base import ViewProjection
from projections.rows import RowCache, bulk_insert
from projections.tables import audit_log, audit_name

AGGREGATE_TYPES = {"Plan": "plan", "Budget": "budget", "SharedService": "service",
                   "Commitment": "commitment"}
METADATA = {"originator_id", "originator_version", "timestamp", "originator_topic", "plan_id",
            "acted_by", "acted_for", "command_id"}
SUBJECT_KEYS = ("line_id", "actor_id", "person_id", "risk_id", "kpi_id", "need_id", "delivery_id")


class AuditLogProjection(ViewProjection):
    name = "audit_log"
    tables = (audit_log, audit_name)

    def apply_batch(self, conn: Connection, events: list[tuple[Any, int]]) -> None:
        names = RowCache(conn, audit_name, "plan_id")
        rows = []
        for event, position in events:
            names.load(event.plan_id, known_empty=isinstance(event, Plan.Created))
            _remember_names(names, event)
            rows.append(self._row(names, event, position))
        names.flush()
        bulk_insert(conn, audit_log, rows)

    @staticmethod
    def _row(names: RowCache, e: Any, position: int) -> dict[str, Any]:
        aggregate, event_type = type(e).__qualname__.split(".", 1)
        fields = {k: v for k, v in vars(e).items() if k not in METADATA}
        subject_id = next((fields[k] for k in SUBJECT_KEYS if fields.get(k)), None)
        if "lines" in fields:
            fields["lines"] = len(fields["lines"])
        if "line" in fields:
            fields["line"] = {"label": fields["line"]["label"]["value"]}
        subject = names.get(e.plan_id, subject_id) if subject_id else None
        own = names.get(e.plan_id, str(e.originator_id))
        org = names.get(e.plan_id, e.acted_for) if e.acted_for else None
        return {
            "position": position, "recorded_at": e.timestamp, "plan_id": e.plan_id,
            "person_id": e.acted_by, "org_id": e.acted_for, "sector": org and org["sector"],
            "aggregate_type": AGGREGATE_TYPES[aggregate], "aggregate_id": str(e.originator_id),
            "aggregate_version": e.originator_version, "event_type": event_type,
            "subject_id": subject_id, "aggregate_name": own and own["name"],
            "subject_name": subject and subject["name"], "org_name": org and org["name"],
            "details": _to_json(fields),
        }


def _remember_names(names: RowCache, e: Any) -> None:
    """Keep the names that later rows of this plan refer to, as they are at this event."""
    plan_id = e.plan_id

    def name(subject_id: Any, kind: str, value: str, sector: str | None = None) -> None:
        names.put({"plan_id": plan_id, "subject_id": str(subject_id), "kind": kind,
                   "name": value, "sector": sector})

    if isinstance(e, Plan.Created | Plan.DetailsChanged):
        name(plan_id, "plan", e.name)
    elif isinstance(e, Plan.ActorAdded | Plan.ActorChanged):
        name(e.actor_id, "actor", e.name, e.sector)
    elif isinstance(e, Budget.Created):
        name(e.originator_id, "budget", e.title)
        for line in e.lines:
            name(line["id"], "line", line["state"]["label"]["value"])
    elif isinstance(e, Budget.LineItemAdded):
        name(e.line_id, "line", e.label)
    elif isinstance(e, Budget.LineItemChanged) and e.field == "label":
        name(e.line_id, "line", e.value)
    elif isinstance(e, Budget.LineItemRestored):
        name(e.line_id, "line", e.line["label"]["value"])
    elif isinstance(e, SharedService.Created | SharedService.DetailsChanged):
        name(e.originator_id, "service", e.name)
    elif isinstance(e, SharedService.KpiDefined):
        name(e.kpi_id, "kpi", e.name)
    elif isinstance(e, SharedService.RiskRecorded):
        name(e.risk_id, "risk", e.risk["title"])


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"cannot put {type(value).__name__} in the audit log")


_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                            default=_json_default).encode
