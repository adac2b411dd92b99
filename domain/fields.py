"""Versioned fields: each editable value remembers its version and who set it.

A field is a plain dict (so snapshots stay JSON): value, version, by (person), for (organisation).
Live editing compares the version an edit was made on with the current one to tell a stale edit
of that field from an edit of another field.
"""

from __future__ import annotations

from typing import Any

from domain.errors import StaleEdit

Field = dict[str, Any]


def new_field(value: Any, by: str | None, for_org: str | None) -> Field:
    return {"value": value, "version": 1, "by": by, "for": for_org}


def unset_field() -> Field:
    return {"value": None, "version": 0, "by": None, "for": None}


def set_field(field: Field, value: Any, version: int, by: str | None, for_org: str | None) -> None:
    field.update(value=value, version=version, by=by, **{"for": for_org})


def check_version(current: Field, expected: int | None, message: str, **where: Any) -> None:
    """Refuse an edit made on a version of this field that is no longer current."""
    if expected is not None and expected != current["version"]:
        raise StaleEdit(
            message,
            current_value=current["value"], current_version=current["version"],
            your_version=expected, set_by=current["by"], set_for=current["for"], **where,
        )
