"""Text every channel refuses at its edge: lone surrogates and control characters."""

from __future__ import annotations

import pytest

from web.text_input import first_unfit_text, unfit_text


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "nul\x00", "bell\x07", "del\x7f", "\x1b[31m"])
def test_unstorable_text_is_unfit(text: str) -> None:
    assert unfit_text(text)


@pytest.mark.parametrize("text", ["", "Lokalhyra", "två\trader\r\nhär", "😀 emoji", "–×−"])
def test_ordinary_text_is_fit(text: str) -> None:
    assert not unfit_text(text)


def test_the_path_names_the_first_unfit_field_in_nested_data() -> None:
    message = {"label": "ok", "amounts": {"2027": 5}, "attendees": ["a", "b\ud800"]}
    assert first_unfit_text(message) == "attendees.1"
    assert first_unfit_text({"x": {"y": "\x00"}}) == "x.y"
    assert first_unfit_text("\ud800") == "_schema"
    assert first_unfit_text({"\ud800": 1}) == "_schema"


def test_numbers_none_and_fit_text_pass() -> None:
    assert first_unfit_text({"a": 1, "b": None, "c": [1.5, True, "fine"]}) is None
