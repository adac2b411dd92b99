"""marshmallow's own messages are catalogued and translated on the way out, blanks and all."""

from __future__ import annotations

import inspect
import string

import pytest
from flask import Flask
from marshmallow import Schema, fields, validate

from web import validation
from web.validation import MARSHMALLOW, message_lines, translate_message, translate_messages

#: Messages marshmallow only gives when it writes (dumps) data, never when it reads a request.
DUMP_ONLY = {'"{input}" cannot be formatted as a date.', "{input!r} cannot be formatted as a timedelta.",
             '"{input}" cannot be formatted as a {obj_type}.'}
LISTED = {validation._template(m) for m in MARSHMALLOW}


def _field_messages() -> set[str]:
    found: set[str] = set()
    for _, cls in inspect.getmembers(fields, inspect.isclass):
        if issubclass(cls, fields.Field):
            found |= set(cls.__dict__.get("default_error_messages", {}).values())
    found -= DUMP_ONLY
    temporal = {m for m in found if "{obj_type}" in m}
    found -= temporal
    for cls in (fields.DateTime, fields.Date, fields.Time, fields.NaiveDateTime, fields.AwareDateTime):
        awareness = getattr(cls, "AWARENESS", None) or ("naive" if cls is fields.NaiveDateTime else "")
        for message in temporal:
            if "{awareness}" in message and not awareness:
                continue
            found.add(message.format(obj_type=cls.OBJ_TYPE, awareness=awareness))
    return found


def _validator_messages() -> set[str]:
    found = {getattr(cls, "default_message", None)
             for _, cls in inspect.getmembers(validate, inspect.isclass)} - {None}
    length = validate.Length
    found |= {length.message_min, length.message_max, length.message_all, length.message_equal}
    for low in (True, False):
        for high in (True, False):
            bounds = validate.Range(min=0, max=1, min_inclusive=low, max_inclusive=high)
            found |= {bounds.message_min, bounds.message_max, bounds.message_all}
    return found


def test_every_message_marshmallow_can_give_a_reader_is_listed_for_translation() -> None:
    given = _field_messages() | _validator_messages() | set(Schema._default_error_messages.values())
    missing = sorted(given - LISTED - DUMP_ONLY)
    assert not missing, f"list these in web/validation.py MARSHMALLOW: {missing}"


def test_the_list_names_only_messages_marshmallow_gives() -> None:
    given = _field_messages() | _validator_messages() | set(Schema._default_error_messages.values())
    assert LISTED - given == set()


@pytest.fixture
def marked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 'translation' that marks every catalogued message, keeping its blanks."""
    monkeypatch.setattr(validation, "gettext", lambda text: "«" + text + "»")


@pytest.mark.parametrize(("shown", "expected"), [
    ("Not a valid integer.", "«Not a valid integer.»"),
    ("Missing data for required field.", "«Missing data for required field.»"),
    ("Longer than maximum length 320.", "«Longer than maximum length 320.»"),
    ("Length must be between 1 and 80.", "«Length must be between 1 and 80.»"),
    ("Must be greater than or equal to 1 and less than or equal to 9223372036854775807.",
     "«Must be greater than or equal to 1 and less than or equal to 9223372036854775807.»"),
    ("Must be one of: public, private.", "«Must be one of: public, private.»"),
])
def test_marshmallow_messages_are_translated_with_their_blanks_filled(
        marked: None, shown: str, expected: str) -> None:
    assert translate_message(shown) == expected


def test_our_own_messages_pass_as_they_are(marked: None) -> None:
    assert translate_message("Skriv datumet som ÅÅÅÅ-MM-DD.") == "Skriv datumet som ÅÅÅÅ-MM-DD."


def test_nested_messages_keep_their_keys(marked: None) -> None:
    messages = {"amounts": {"2027": ["Not a valid integer."]}, "_schema": ["Unknown field."]}
    assert translate_messages(messages) == {"amounts": {"2027": ["«Not a valid integer.»"]},
                                            "_schema": ["«Unknown field.»"]}


def test_lines_name_the_field_in_the_readers_words() -> None:
    app = Flask(__name__)
    from flask_babel import Babel

    Babel(app, locale_selector=lambda: "en")
    with app.test_request_context():
        lines = message_lines({"from": ["Not a valid date."], "_schema": ["Give a version."],
                               "attendees": {0: ["Not a valid string."]}})
    assert lines == ["from date: Not a valid date.", "Give a version.",
                     "attendees: Not a valid string."]


def test_every_listed_template_has_only_named_blanks() -> None:
    for template in LISTED:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
        assert all(names), template
