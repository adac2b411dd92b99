"""A budget's past in the audit trail's words, and which cell each change touched.

Time travel, the diff and the meeting replay read events straight from the aggregate (a past
state never waits for the projections), yet they say each change with the same sentences as
the audit trail and the history list (web.audit_text): an event becomes an audit-shaped row,
with the line's label as it was then and the organisation's current name and sector.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from web.audit_text import sentence, who
from web.people import display_names

#: Event fields that say who, when and where, not what changed (as the audit projection).
METADATA = {"originator_id", "originator_version", "timestamp", "originator_topic", "plan_id",
            "acted_by", "acted_for", "command_id"}


class Speaker:
    """Sentences and names for one budget's changes, in the reader's language."""

    def __init__(self, actors: list[dict[str, Any]], title: str) -> None:
        self.actors = {a["actor_id"]: a for a in actors}
        self.org_names = {a["actor_id"]: a["name"] for a in actors}
        self.title = title
        self.names: dict[str, str] = {}

    def know(self, person_ids: Iterable[str | None]) -> None:
        """Look the people up once (an erased person reads "erased person #…")."""
        wanted = {p for p in person_ids if p and p not in self.names}
        if wanted:
            self.names.update(display_names(wanted))

    def _org(self, org_id: str | None) -> dict[str, Any]:
        actor = self.actors.get(org_id or "")
        return {"org_id": org_id, "org_name": actor and actor["name"],
                "sector": actor and actor["sector"]}

    def who(self, person_id: str | None, org_id: str | None) -> str:
        """"Anna Berg (Ljusdals kommun, public)"."""
        self.know([person_id])
        return who({"person_id": person_id, **self._org(org_id)}, self.names)

    def org(self, actor_id: str | None) -> str:
        return self.org_names.get(actor_id or "") or "?"

    def describe(self, event: Any, change: Mapping[str, Any]) -> str:
        """One event in words; `change` is its entry from projections.history.changes (which
        knows the line's label at the time)."""
        self.know([event.acted_by])
        row = {"aggregate_type": "budget", "event_type": type(event).__name__,
               "person_id": event.acted_by, **self._org(event.acted_for),
               "aggregate_name": self.title, "subject_name": change.get("label")}
        return sentence(row, self.names, self.org_names, d=event_fields(event))


def event_fields(event: Any) -> dict[str, Any]:
    """What an event says changed: its own fields, as the audit row's details hold them."""
    return {f.name: getattr(event, f.name) for f in dataclasses.fields(event)
            if f.name not in METADATA and hasattr(event, f.name)}


def touched(event: Any, change: Mapping[str, Any]) -> dict[str, Any] | None:
    """The cell or line a change touched, as the grid names it: {"line_id", "field", "state"}.

    `field` is "label", "category", "service_id", "amount:<year>" or "share:<actor id>" for a
    cell, None when the change concerns the whole line; `state` is "changed", "added",
    "removed", "restored" or "moved". None for changes of the budget as a whole.
    """
    line_id = change.get("line_id")
    if not line_id:
        return None
    name = type(event).__name__
    states = {"LineItemAdded": "added", "LineItemRemoved": "removed",
              "LineItemRestored": "restored", "LineItemMoved": "moved"}
    if name in states:
        return {"line_id": line_id, "field": None, "state": states[name]}
    if change.get("field") == "amount":
        return {"line_id": line_id, "field": f"amount:{change['year']}", "state": "changed"}
    if change.get("field") == "share":
        return {"line_id": line_id, "field": f"share:{change['actor_id']}", "state": "changed"}
    return {"line_id": line_id, "field": change.get("field"), "state": "changed"}


def removed_line(event: Any) -> dict[str, Any] | None:
    """A removed line as it stood just before (label, category, amounts, shares, position),
    so that a replay can show it crossed out where it was."""
    if type(event).__name__ != "LineItemRemoved":
        return None
    line = event.line
    return {"line_id": event.line_id, "position": event.position,
            "label": line["label"]["value"], "category": line["category"]["value"],
            "amounts": {str(y): {"amount": f["value"]} for y, f in line["amounts"].items()},
            "shares": {a: {"share": f["value"]} for a, f in line["shares"].items() if f["value"]}}
