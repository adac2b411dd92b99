"""Text that may enter Samverkan at all, whatever the channel (form, JSON body, socket message).

JSON can carry what no store can keep: a lone UTF-16 surrogate (`"\\ud800"`) cannot be encoded
as UTF-8, and PostgreSQL refuses NUL in text. Either would pass validation and then fail on
save as an internal error. Every channel asks `first_unfit_text` at its edge and refuses the
message as `invalid`, naming the field, before anything runs.
"""

from __future__ import annotations

import re
from typing import Any

#: C0 control characters other than tab, line feed and carriage return, and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_DEPTH = 32


def unfit_text(text: str) -> bool:
    """True when `text` cannot be stored as it is (not UTF-8 encodable, or control characters)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return _CONTROL.search(text) is not None


def first_unfit_text(data: Any, path: str = "", depth: int = 0) -> str | None:
    """The path (`label`, `amounts.2027`, `attendees.0`) of the first unfit string in `data`
    (keys included), or None when every string may be stored. `_schema` names the whole message."""
    if depth > MAX_DEPTH:
        return None  # size and schema limits refuse anything this deep anyway
    if isinstance(data, str):
        return (path or "_schema") if unfit_text(data) else None
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and unfit_text(key):
                return path or "_schema"
            found = first_unfit_text(value, where, depth + 1)
            if found:
                return found
        return None
    if isinstance(data, list | tuple):
        for index, value in enumerate(data):
            found = first_unfit_text(value, f"{path}.{index}" if path else str(index), depth + 1)
            if found:
                return found
    return None
