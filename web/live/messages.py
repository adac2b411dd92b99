"""Stored events as `change` messages for clients (see docs/realtime.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from web.live.names import NameBook

METADATA = {"originator_id", "originator_version", "timestamp", "originator_topic", "plan_id",
            "acted_by", "acted_for", "command_id", "compensates", "redoes"}


def change_message(event: Any, position: int, names: NameBook) -> dict[str, Any]:
    kind = type(event).__name__
    plan_id = event.plan_id
    return {
        "position": position, "plan_id": plan_id, "aggregate_id": str(event.originator_id),
        "aggregate_type": type(event).__qualname__.split(".")[0],
        "aggregate_version": event.originator_version, "type": kind,
        "at": event.timestamp.isoformat(), "command_id": getattr(event, "command_id", None),
        # An undo compensates a change; a redo compensates an undo (and says which change).
        "undo": event.compensates is not None and event.redoes is None,
        "redo": event.redoes is not None,
        "by": names.by(plan_id, event.acted_by, event.acted_for),
        "data": _data(kind, event),
    }


def _data(kind: str, event: Any) -> dict[str, Any]:
    fields = {k: _plain(v) for k, v in vars(event).items() if k not in METADATA}
    if kind == "LineItemRemoved":
        return {"line_id": fields["line_id"], "position": fields["position"]}
    if kind == "LineItemRestored":
        return {**fields, "line": sheet_line(fields["line_id"], fields["line"], fields["position"])}
    if kind == "Created" and "lines" in fields:
        fields["lines"] = [sheet_line(ln["id"], ln["state"], i)
                           for i, ln in enumerate(fields["lines"])]
    return fields


def sheet_line(line_id: str, state: dict[str, Any], position: int) -> dict[str, Any]:
    """An aggregate's line state in the shape the sheet JSON uses."""
    return {
        "line_id": line_id, "position": position,
        "label": state["label"]["value"], "label_version": state["label"]["version"],
        "category": state["category"]["value"], "category_version": state["category"]["version"],
        "service_id": state["service_id"]["value"],
        "service_version": state["service_id"]["version"],
        "kind": state["kind"]["value"], "kind_version": state["kind"]["version"],
        "amounts": {y: {"amount": f["value"], "version": f["version"]}
                    for y, f in state["amounts"].items()},
        "shares": {a: {"share": f["value"], "version": f["version"]}
                   for a, f in state["shares"].items()},
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value
