"""The undo and redo buttons know as much as the page does (web/static/js/undo.js, in
chromium): Undo is there until the server says nothing is left, Redo only after an undo and
until a new change; a refused undo says what it skipped and why, naming who changed it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    Person,
    Server,
    browser_fixture,
    needs_browser,
    shared_server_fixture,
)

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def page(browser: Any, shared_server: Server) -> Iterator[Any]:
    person = Person(browser, shared_server, "nobody")
    person.page.goto(shared_server.url + "/sign-in")  # any page of the site: the modules are public
    try:
        yield person.page
    finally:
        person.close()


def test_undo_and_redo_are_disabled_when_nothing_is_left_as_far_as_the_page_knows(page: Any) -> None:
    states = page.evaluate("""async () => {
        const { UndoControls } = await import('/static/js/undo.js');
        const strings = {"skipped_changed_by": "Skipped {what}: {who} changed it since.",
                         "undid_change": "Undid {what}.", "not_saved": "Not saved: {message}",
                         "cell_name": "{line}, {column}"};
        const t = (key, p = {}) => (strings[key] ?? key).replace(/\\{(\\w+)\\}/g, (_, n) => p[n] ?? "");
        const make = () => { const b = document.createElement("button"); document.body.append(b); return b; };
        const undo = make(), redo = make();
        const controls = new UndoControls({ undoButton: undo, redoButton: redo, t,
            describeCell: (id, field, label) => t("cell_name", { line: label, column: field }) });
        const seen = () => [undo.disabled, redo.disabled];
        const out = { start: seen() };
        const said = controls.replied("undo", { ok: true, skipped: [],
            undone: { type: "LineItemAmountChanged", line_id: "l", field: "2027", label: "Hyra" } });
        out.undone = [seen(), said.text];
        redo.focus();
        controls.replied("redo", { ok: true, redone: { type: "LineItemAmountChanged", label: "Hyra" } });
        out.redone = [seen(), document.activeElement === undo];
        const refused = controls.replied("undo", { ok: false, error: { error: "rule_violated",
            message: "Nothing left.", skipped: [{ reason_code: "changed_since", field: "2028",
            label: "Hyra", set_by: "p1", set_by_name: "Erik Lindqvist" }] } });
        out.refused = [seen(), refused.text, refused.details, refused.tone];
        controls.changed();
        out.changed = seen();
        return out;
    }""")
    assert states["start"] == [False, True]  # earlier visits' changes may still be undone
    assert states["undone"] == [[False, False], "Undid Hyra, 2027."]
    assert states["redone"] == [[False, True], True]  # the focus moves off the disabled button
    assert states["refused"] == [[True, True], "Not saved: Nothing left.",
                                 ["Skipped Hyra, 2028: Erik Lindqvist changed it since."], "warning"]
    assert states["changed"] == [False, True]
