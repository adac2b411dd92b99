"""The audit page's tamper-evidence banner, in the reader's words (projections/verification.py
decides what it says; the follower's chain watch keeps it current)."""

from __future__ import annotations

from typing import Any

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import Connection

from projections.verification import verification_status

#: What each kind of break means, for a reader who is not a developer (docs/audit.md has the table).
KINDS = {
    "changed": _l("A stored event differs from what was chained at its position."),
    "reordered": _l("A stored event was chained at another position."),
    "missing": _l("An event the chain vouches for is no longer in the store."),
    "inserted": _l("The store holds an event the chain never saw."),
    "truncated": _l("The log ends before the events the chain vouches for."),
    "rewritten": _l("The events no longer hash to a digest taken earlier."),
    "chain": _l("The chain's own records were edited."),
}


def banner(conn: Connection) -> dict[str, Any]:
    """state ("ok", "failed", "none"), position and time, and for a failure what broke."""
    found = verification_status(conn)
    if found.state == "none":
        return {"state": "none"}
    shown = {"state": found.state, "position": found.position, "at": _when(found.at)}
    if found.state == "failed":
        shown["problem"] = KINDS.get(found.kind or "", found.detail or "")
        shown["kind"] = found.kind
    elif found.whole_at is not None:
        shown["whole_position"], shown["whole_at"] = found.whole_position, _when(found.whole_at)
    return shown


def _when(moment: Any) -> str:
    return format_datetime(moment, "short") if moment is not None else ""
