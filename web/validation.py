"""Validation messages in the reader's language, whoever wrote them.

Our own schemas write their messages with gettext or `_l`; marshmallow's defaults ("Not a
valid integer.", "Longer than maximum length 320.") are English. They are listed here once,
as msgids, so extraction puts them in the catalogues; a refusal is translated on its way out
(web.errors) by matching each message against these templates, blanks included.
tests/unit/test_validation_messages.py fails when marshmallow brings a message not listed.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from functools import cache
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from web.vocabulary import field_name

#: marshmallow's own messages (fields, schemas and validators), as it words them.
MARSHMALLOW = (
    _l("Missing data for required field."), _l("Field may not be null."), _l("Invalid value."),
    _l("Invalid input type."), _l("Unknown field."), _l("Invalid type."), _l("Invalid input."),
    _l("Not a valid string."), _l("Not a valid utf-8 string."), _l("Not a valid integer."),
    _l("Not a valid number."), _l("Number too large."), _l("Not a valid boolean."),
    _l("Special numeric values (nan or infinity) are not permitted."),
    _l("Not a valid date."), _l("Not a valid datetime."), _l("Not a valid time."),
    _l("Not a valid aware datetime."), _l("Not a valid naive datetime."),
    _l("Not a valid period of time."), _l("Not a valid list."), _l("Not a valid tuple."),
    _l("Not a valid mapping type."), _l("Not a valid UUID."), _l("Not a valid email address."),
    _l("Not a valid URL."), _l("Not a valid IP address."), _l("Not a valid IPv4 address."),
    _l("Not a valid IPv6 address."), _l("Not a valid IP interface."),
    _l("Not a valid IPv4 interface."), _l("Not a valid IPv6 interface."),
    _l("String does not match expected pattern."), _l("Must be one of: {choices}."),
    _l("Must be equal to {other}."), _l("One or more of the choices you made was in: {values}."),
    _l("One or more of the choices you made was not in: {choices}."),
    _l("Shorter than minimum length {min}."), _l("Longer than maximum length {max}."),
    _l("Length must be between {min} and {max}."), _l("Length must be {equal}."),
    _l("Must be greater than or equal to {min}."), _l("Must be greater than {min}."),
    _l("Must be less than or equal to {max}."), _l("Must be less than {max}."),
    _l("Must be greater than or equal to {min} and less than or equal to {max}."),
    _l("Must be greater than or equal to {min} and less than {max}."),
    _l("Must be greater than {min} and less than or equal to {max}."),
    _l("Must be greater than {min} and less than {max}."),
)


def _template(message: Any) -> str:
    """The msgid behind a lazy string (its English text, whatever the reader's language)."""
    return str(message._args[0]) if isinstance(message, LazyString) else str(message)


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each template as a pattern that finds its blanks' values in the formatted message."""
    found = []
    for message in MARSHMALLOW:
        template = _template(message)
        pattern = "".join(re.escape(text) + (f"(?P<{name}>.+?)" if name else "")
                          for text, name, _, _ in string.Formatter().parse(template))
        found.append((re.compile(pattern + r"\Z", re.S), template))
    return tuple(found)


def translate_message(message: Any) -> str:
    """One message in the reader's language: marshmallow's own ones translated, ours (already
    translated when they were raised, or lazy) as they are."""
    if isinstance(message, LazyString):
        return str(message)
    text = str(message)
    for pattern, template in _patterns():
        matched = pattern.match(text)
        if matched:
            try:
                return gettext(template).format(**matched.groupdict())
            except (KeyError, IndexError, ValueError):  # a translation with a broken blank
                return text
    return text


def translate_messages(messages: Any) -> Any:
    """marshmallow's `error.messages` (a dict, list or string, nested) with every message
    translated; the keys (field names, list indexes) stay as they are for API clients."""
    if isinstance(messages, Mapping):
        return {key: _as_list(translate_messages(value)) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate_messages(m) for m in messages]
    return translate_message(messages)


def _as_list(value: Any) -> Any:
    """A field's one message as a list of one: marshmallow keeps a lazy message as it is, and
    a template joining a field's messages would then join its letters."""
    return [value] if isinstance(value, str) else value


def message_lines(messages: Any, field: str = "") -> list[str]:
    """The messages as lines a person reads: "from date: Not a valid date." (the field's name
    in the reader's language; a message about the whole form without one)."""
    if isinstance(messages, Mapping):
        return [line for key, value in messages.items()
                for line in message_lines(value, _joined(field, key))]
    if isinstance(messages, list | tuple):
        return [line for m in messages for line in message_lines(m, field)]
    text = translate_message(messages)
    return [f"{shown_field(field)}: {text}" if field and field != "_schema" else text]


def shown_field(field: str) -> str:
    """A field (or a path such as `attendees.0`) as the reader knows it."""
    head = field.split(".", 1)[0]
    return str(field_name(head))


def _joined(field: str, key: Any) -> str:
    if isinstance(key, int):  # a list's item: the list's field names it
        return field
    return f"{field}.{key}" if field and field != "_schema" else str(key)
