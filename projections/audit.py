"""Audit log projection: one row per event with who, for which organisation, and before → after.

Names at the time of the change (line labels, organisations and their sectors, services, KPIs,
risks) are tracked by the projection itself, so a row shows what people saw then. Person names
are never stored: rows hold person ids, looked up (or shown as erased) when displayed.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy.engine import Connection

from domain.budgets import Budget
from domain.commitments import Commitment
from domain.plans import Plan
from domain.services import SharedService
from projections.base import ViewProjection
from projections.rows import RowCache, id_text, insert_values
from projections.tables import audit_log, audit_name

AGGREGATE_TYPES = {"Plan": "plan", "Budget": "budget", "SharedService": "service",
                   "Commitment": "commitment", "Decision": "decision"}
#: Event fields the row holds in columns of its own. The command id stays in the details: it
#: is read only by the exports, so it costs no column (rows written before it was kept lack it
#: until the views are rebuilt).
METADATA = {"originator_id", "originator_version", "timestamp", "originator_topic", "plan_id",
            "acted_by", "acted_for"}
SUBJECT_KEYS = ("line_id", "actor_id", "person_id", "risk_id", "kpi_id", "need_id", "delivery_id")


def json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"cannot put {type(value).__name__} in the audit log")


standard_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                              default=json_default).encode


class AuditLogProjection(ViewProjection):
    name = "audit_log"
    tables = (audit_log, audit_name)

    _names: RowCache | None = None
    #: Writes an event's details as JSON text. The composition root may give a faster one
    #: that writes exactly the same text (adapters/transcoder.py: orjson).
    details_json: Any = staticmethod(standard_json)

    def forget(self) -> None:
        self._names = None

    def apply_batch(self, conn: Connection, events: list[tuple[Any, int]]) -> None:
        if self._names is None:
            self._names = RowCache(audit_name, "plan_id")
        names = self._names
        names.bind(conn)
        rows, row, remember, created = [], self._row, _remember_names, Plan.Created
        encode = self.details_json
        for event, position in events:
            names.load(event.plan_id, known_empty=type(event) is created)
            remember(names, event)
            rows.append(row(names, event, position, encode))
        names.flush()
        insert_values(conn, audit_log, rows)

    @staticmethod
    def _row(names: RowCache, e: Any, position: int, encode: Any = standard_json) -> tuple[Any, ...]:
        """The event's audit row: its values in the order of audit_log's columns."""
        aggregate_type, event_type, field_names, subject_key = _shape(type(e))
        state = e.__dict__
        fields = {k: state[k] for k in field_names if k in state}
        subject_id = fields.get(subject_key) if subject_key else None
        if "lines" in fields:
            fields["lines"] = len(fields["lines"])
        if "line" in fields:
            fields["line"] = {"label": fields["line"]["label"]["value"]}
        plan_id, org_id = e.plan_id, e.acted_for
        aggregate_id = id_text(e.originator_id)
        known = names.rows
        subject = known.get((plan_id, subject_id)) if subject_id else None
        own = known.get((plan_id, aggregate_id))
        org = known.get((plan_id, org_id)) if org_id else None
        stamp = e.timestamp
        # Plain isoformat() is a third cheaper and the same text unless the microseconds are 0.
        recorded_at = stamp.isoformat() if stamp.microsecond else stamp.isoformat(
            timespec="microseconds")
        return (position, recorded_at, plan_id, e.acted_by,
                org_id, org and org["sector"], aggregate_type, aggregate_id,
                e.originator_version, event_type, subject_id, own and own["name"],
                subject and subject["name"], org and org["name"], encode(fields))


@functools.cache
def _shape(event_class: type) -> tuple[str, str, tuple[str, ...], str | None]:
    """What the audit needs to know about an event class, worked out once per class."""
    aggregate, event_type = event_class.__qualname__.split(".", 1)
    fields = tuple(f.name for f in dataclasses.fields(event_class) if f.name not in METADATA)
    subject_key = next((k for k in SUBJECT_KEYS if k in fields), None)
    return AGGREGATE_TYPES[aggregate], event_type, fields, subject_key


# What each kind of event names: (subject id, kind, name, sector) for the names table.
_NAMING: dict[type, Any] = {
    Plan.Created: lambda e: [(e.plan_id, "plan", e.name, None)],
    Plan.DetailsChanged: lambda e: [(e.plan_id, "plan", e.name, None)],
    Plan.ActorAdded: lambda e: [(e.actor_id, "actor", e.name, e.sector)],
    Plan.ActorChanged: lambda e: [(e.actor_id, "actor", e.name, e.sector)],
    Budget.Created: lambda e: [(e.originator_id, "budget", e.title, None)] + [
        (line["id"], "line", line["state"]["label"]["value"], None) for line in e.lines],
    Budget.LineItemAdded: lambda e: [(e.line_id, "line", e.label, None)],
    Budget.LineItemChanged: lambda e: [(e.line_id, "line", e.value, None)]
    if e.field == "label" else [],
    Budget.LineItemRestored: lambda e: [(e.line_id, "line", e.line["label"]["value"], None)],
    SharedService.Created: lambda e: [(e.originator_id, "service", e.name, None)],
    SharedService.DetailsChanged: lambda e: [(e.originator_id, "service", e.name, None)],
    SharedService.KpiDefined: lambda e: [(e.kpi_id, "kpi", e.name, None)],
    SharedService.RiskRecorded: lambda e: [(e.risk_id, "risk", e.risk["title"], None)],
    # A commitment is known by what it says it is (its description, shortened for a sentence).
    Commitment.Created: lambda e: [(e.originator_id, "commitment", _short(e.description), None)],
}


def _short(text: str, most: int = 80) -> str:
    return text if len(text) <= most else text[:most - 1].rstrip() + "…"


def _remember_names(names: RowCache, e: Any) -> None:
    """Keep the names that later rows of this plan refer to, as they are at this event."""
    naming = _NAMING.get(type(e))
    if naming is None:
        return
    for subject_id, kind, value, sector in naming(e):
        names.put({"plan_id": e.plan_id, "subject_id": str(subject_id), "kind": kind,
                   "name": value, "sector": sector})
