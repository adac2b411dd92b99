"""One vocabulary for a budget's past: its *revision* (1, 2, …) and a *change number* (its place
in the budget's history), never "version", in sv, nb and en, on every page that speaks of them:
the budget page (with the strings its scripts show), the history, a past state, the diff, the
replay's JSON, decisions (list, form, document and PDF), the audit trail and its exports, and
the refusals of bad parameters."""

from __future__ import annotations

import datetime
import io
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.budgets import Budget
from domain.context import acting_as
from tests.e2e.auth_helpers import DEMO_EMAILS, sign_in

LANGUAGES = ("en", "sv", "nb")
#: "version" (en, sv), "versjon" (nb), in any case and inside compounds ("budgetversion").
FORBIDDEN = re.compile(r"\w*(?<!con)(?<!di)(?<!in)vers(?:i|j)on\w*", re.IGNORECASE)
#: Attributes whose values people read or hear (the rest are ids, addresses and hooks).
SPOKEN = {"aria-label", "title", "alt", "placeholder", "aria-valuetext", "aria-roledescription"}


class VisibleText(HTMLParser):
    """The text a person sees or hears: text outside script and style, the spoken attributes,
    a button's or submit input's value, and the strings a page hands its scripts (data-i18n*)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if name in SPOKEN:
                self.parts.append(value)
            elif name.startswith("data-i18n"):
                self.parts.extend(str(v) for v in json.loads(value).values())
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def _person(demo: DemoPlan, name: str) -> str:
    return next(p.person_id for p in demo.people if p.name == name)


@pytest.fixture
def world(app: Flask, demo_system: System, demo: DemoPlan) -> dict[str, Any]:
    """A removed line, an undone change, a proposed budget adopted by a recorded decision."""
    system = demo_system.app
    anna = _person(demo, "Anna Berg")
    with acting_as(anna):
        budget = system.load(Budget, demo.budget_id)
        line = system.add_line(demo.budget_id, "Kaffehörna", "Drift").entity_id
        system.change_amount(demo.budget_id, budget.order[0], budget.years[0], 1_000_00)
        system.undo_last_change(demo.budget_id)
        system.remove_line(demo.budget_id, line)
        system.propose_budget(demo.budget_id)
        saved = system.record_decision(demo.plan_id, datetime.date.today(), "Budgeten antas",
                                       "Mötet antar budgeten.", [anna], demo.budget_id)
    demo_system.projections.wait(system.recorder.max_notification_id(), timeout=10)
    latest = system.load(Budget, demo.budget_id).version
    client = app.test_client()
    assert sign_in(client, DEMO_EMAILS["Anna Berg"]).status_code == 302
    return {"client": client, "latest": latest, "decision": str(saved.aggregate_id),
            "plan": demo.plan_id, "budget": demo.budget_id}


def _pages(w: dict[str, Any]) -> dict[str, str]:
    b, p, n = w["budget"], w["plan"], w["latest"]
    return {
        "budget page": f"/budgets/{b}", "plan": f"/plans/{p}", "history": f"/budgets/{b}/changes",
        "past state": f"/budgets/{b}/history?version={n - 1}",
        "state after removal": f"/budgets/{b}/history?version={n - 2}",
        "diff": f"/budgets/{b}/diff?from=1&to={n}", "no difference": f"/budgets/{b}/diff?from=2&to=2",
        "decisions": f"/plans/{p}/decisions", "decision form": f"/plans/{p}/decisions/new",
        "decision": f"/decisions/{w['decision']}", "audit trail": f"/plans/{p}/audit",
        "bad change number": f"/budgets/{b}/history?version=abc",
        "change number beyond the latest": f"/budgets/{b}/history?version={n + 1}",
        "moment before the budget": f"/budgets/{b}/history?at=1990-01-01T00:00",
        "bad diff": f"/budgets/{b}/diff?from=x&to=y", "bad page": f"/budgets/{b}/changes?before=x",
        "both a change number and a moment": f"/budgets/{b}/history?version=1&at=2027-01-01T10:00",
    }


def _said(client: FlaskClient, path: str, lang: str) -> str:
    reply = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
    assert reply.status_code < 500, path
    if reply.mimetype == "application/pdf":
        return pdf_text(reply.get_data())
    if reply.mimetype == "text/html":
        return visible(reply.get_data(as_text=True))
    return reply.get_data(as_text=True)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_page_about_a_budgets_past_says_version(world: dict[str, Any], lang: str) -> None:
    client, b, n = world["client"], world["budget"], world["latest"]
    said = {name: _said(client, path, lang) for name, path in _pages(world).items()}
    said["decision PDF"] = _said(client, f"/decisions/{world['decision']}.pdf", lang)
    said["audit CSV"] = _said(client, f"/plans/{world['plan']}/audit.csv", lang)
    said["audit JSON"] = _said(client, f"/plans/{world['plan']}/audit.json", lang)
    said["replay"] = " ".join(
        client.get(f"/api/budgets/{b}/at?version={v}&lang={lang}").json["change"]["text"]
        for v in range(1, n + 1))
    found = {name: sorted(set(FORBIDDEN.findall(text))) for name, text in said.items()}
    assert {name: words for name, words in found.items() if words} == {}
    assert said["decision PDF"].strip() and said["replay"].strip()  # something was read


@pytest.mark.parametrize(("lang", "revision", "change"), [
    ("en", "Revision", "Change no."), ("sv", "Revision", "Ändring nr"), ("nb", "Revisjon", "Endring nr"),
])
def test_the_revision_and_the_change_number_have_the_same_words_everywhere(
        world: dict[str, Any], lang: str, revision: str, change: str) -> None:
    client, b, n = world["client"], world["budget"], world["latest"]
    for path in (f"/budgets/{b}", f"/budgets/{b}/changes", f"/budgets/{b}/history?version={n}"):
        text = _said(client, path, lang)
        assert f"{revision} 1" in text, (lang, path)
    assert f"{change} {n}" in _said(client, f"/budgets/{b}/changes", lang)
    assert f"{change} {n}" in _said(client, f"/budgets/{b}/history?version={n}", lang)
    document = _said(client, f"/decisions/{world['decision']}", lang)
    assert re.search(rf"{revision.lower()} 1 \({change.lower()} \d+\)", document), document
    assert re.search(rf"{revision.lower()} 1 \({change.lower()} \d+\)",
                     _said(client, f"/decisions/{world['decision']}.pdf", lang))


def test_the_words_are_found_where_they_hide() -> None:
    """The checker itself: compounds, other cases and the scripts' strings are caught."""
    page = ('<p>Tidigare budgetversioner</p><span aria-label="Versjon 3"></span>'
            '<div data-i18n="{&quot;of&quot;: &quot;Version {n}&quot;}"></div>'
            '<script>const version = 1;</script><p>conversion</p>')
    assert FORBIDDEN.findall(visible(page)) == ["budgetversioner", "Versjon", "Version"]
