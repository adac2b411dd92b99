"""The budget's downloads in a real browser: the links are reached with Tab and named in the
reader's language, Enter downloads a workbook that opens with the budget's header, and the
paragraph leaves axe nothing to find and fits a phone."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    LAPTOP,
    PHONE,
    Person,
    Server,
    browser_fixture,
    needs_browser,
    overflow,
    shared_server_fixture,
    violations,
)

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(120)]
NAMES = {"sv": ("Excel-fil (.xlsx)", "Ändring nr"), "nb": ("Excel-fil (.xlsx)", "Endring nr"),
         "en": ("Excel file (.xlsx)", "Change no.")}


@pytest.mark.parametrize("lang", ["sv", "nb", "en"])
def test_the_workbook_is_downloaded_by_keyboard_in_the_readers_language(
        browser: Any, shared_server: Server, lang: str) -> None:
    link_name, change_word = NAMES[lang]
    reader = Person(browser, shared_server, "Gunnar Persson").sign_in()
    try:
        page = reader.open_budget(lang).page
        link = page.get_by_role("link", name=link_name)
        for _ in range(300):  # Tab through the page until the link has the focus
            page.keyboard.press("Tab")
            if link.evaluate("a => a === document.activeElement"):
                break
        else:
            raise AssertionError(f"Tab never reaches {link_name!r}")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        assert download.value.suggested_filename.endswith(".xlsx")
        book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
        head = {book.worksheets[0].cell(r, 1).value for r in range(1, 7)}
        assert change_word in head
        section = page.locator("p.exports")
        for size in (LAPTOP, PHONE):
            page.set_viewport_size(size)
            assert violations(page) == "", size
            assert overflow(page) <= 0, size
            assert section.is_visible()
        assert not reader.errors
    finally:
        reader.close()
