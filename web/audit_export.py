"""The audit trail as rows for analysis (CSV, xlsx, JSON): ids, names, numbers and the sentence.

docs/audit.md ("Exports") lists the columns. Money comes as numbers twice, integer öre and
kronor (öre / 100, a Decimal so that 0.1 kr stays exact); times in the app's time zone with
their offset; "about" is the organisation a change concerns (a share's owner, a provider, a
commitment's organisation, the organisation added or renamed), beside the one that made it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import get_timezone, gettext
from flask_babel import lazy_gettext as _l

from web.audit_text import Row, details, record

#: The export's columns in order: machine name → the head a reader sees.
COLUMN_HEADS = {
    "position": _l("Position"), "time": _l("Time"), "person_id": _l("Person id"),
    "person": _l("Person"), "org_id": _l("Organisation id"),
    "organisation": _l("Organisation (made the change)"), "sector": _l("Sector"),
    "about_org_id": _l("Organisation id (the change is about)"),
    "about_organisation": _l("Organisation (the change is about)"),
    "kind": _l("Event type"), "aggregate_type": _l("Item type"), "aggregate_id": _l("Item id"),
    "aggregate": _l("Item"), "subject_type": _l("Subject type"), "subject_id": _l("Subject id"),
    "subject": _l("Subject"), "year": _l("Year"), "field": _l("Field"),
    "before_ore": _l("Before (öre)"), "after_ore": _l("After (öre)"),
    "before_kr": _l("Before (kr)"), "after_kr": _l("After (kr)"), "before": _l("Before"),
    "after": _l("After"), "command_id": _l("Command id"), "sentence": _l("Change"),
}
EXPORT_COLUMNS = tuple(COLUMN_HEADS)
#: The columns holding kronor (an xlsx gives them the money format).
KRONOR_COLUMNS = ("before_kr", "after_kr")

#: Which detail names a row's subject, and what kind of thing it is.
SUBJECT_TYPES = {"line_id": "line", "actor_id": "organisation", "person_id": "person",
                 "risk_id": "risk", "kpi_id": "kpi", "need_id": "need",
                 "delivery_id": "delivery"}
#: What a change changed, for events that change one thing (LineItemChanged names its own).
FIELDS = {"LineItemAmountChanged": "amount", "CostShareChanged": "share",
          "LineItemMoved": "position", "StatusChanged": "status", "StageChanged": "stage",
          "MemberChanged": "role", "ActorChanged": "name", "DetailsChanged": "name",
          "KpiMeasured": "value", "Withdrawn": "status"}


def heads(machine_names: bool = False) -> list[str]:
    """The head row: the reader's words, or the machine names (`?heads=names`)."""
    return list(EXPORT_COLUMNS) if machine_names else [str(h) for h in COLUMN_HEADS.values()]


def local_time(recorded_at: str) -> str:
    """A stored UTC time in the app's time zone with its offset: 2026-12-06T14:03:00+01:00."""
    return datetime.fromisoformat(recorded_at).astimezone(get_timezone()).isoformat(
        timespec="seconds")


def kronor(ore: int | None) -> Decimal | None:
    return None if ore is None else Decimal(ore).scaleb(-2)


def _money(kind: str, d: dict[str, Any]) -> tuple[Any, Any]:
    """Before and after in öre, for changes of an amount (None where there is none)."""
    if kind == "LineItemAmountChanged":
        return d.get("before"), d.get("amount")
    if kind == "Created" and d.get("value_ore") is not None:  # a commitment's pledged value
        return None, d.get("value_ore")
    return None, None


def _subject(row: Row, d: dict[str, Any], names: Mapping[str, str]) -> tuple[str, Any, str]:
    """(type, id, name) of what the change is about within its item; the item itself if none."""
    subject_id = row.get("subject_id")
    if not subject_id:
        return row["aggregate_type"], row["aggregate_id"], row.get("aggregate_name") or ""
    kind = next((t for k, t in SUBJECT_TYPES.items() if d.get(k) == subject_id), "")
    name = row.get("subject_name") or ""
    if kind == "person":  # as the page shows them: erased people read "erased person #…"
        name = record_person(subject_id, names)
    return kind, subject_id, name


def record_person(person_id: str, names: Mapping[str, str]) -> str:
    return names.get(person_id) or gettext("erased person #%(id)s", id=person_id[:8])


def _about(row: Row, d: dict[str, Any], owners: Mapping[str, str]) -> str | None:
    """The organisation the change concerns: named in the event, or the commitment's."""
    if d.get("actor_id"):
        return str(d["actor_id"])
    if row["aggregate_type"] == "commitment":
        return owners.get(row["aggregate_id"])
    return None


def export_record(row: Row, names: Mapping[str, str], actors: Mapping[str, str],
                  owners: Mapping[str, str]) -> dict[str, Any]:
    """One audit row with every export column. `actors`: organisation names by id (removed
    ones too); `owners`: each commitment's organisation id."""
    d = details(row)
    shown = record(row, names, actors)
    kind = row["event_type"]
    before_ore, after_ore = _money(kind, d)
    subject_type, subject_id, subject = _subject(row, d, names)
    about = _about(row, d, owners)
    person = row.get("person_id")
    year = d.get("year")
    return {
        **shown, "time": local_time(row["recorded_at"]),
        "person": record_person(person, names) if person else "",
        "about_org_id": about, "about_organisation": actors.get(about, "") if about else "",
        "subject_type": subject_type, "subject_id": subject_id, "subject": subject,
        "year": year if isinstance(year, int) else None,
        "field": d.get("field") or FIELDS.get(kind, ""),
        "before_ore": before_ore, "after_ore": after_ore,
        "before_kr": kronor(before_ore), "after_kr": kronor(after_ore),
        "command_id": d.get("command_id"),
    }


def export_values(r: Mapping[str, Any]) -> list[Any]:
    return [r[c] for c in EXPORT_COLUMNS]

