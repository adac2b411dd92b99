"""Pages, error pages and socket errors reach each reader in their language (sv, nb or en)."""

from __future__ import annotations

import html
import json
import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext

from adapters.demo import DemoPlan
from domain import plans
from domain.base import require_choice
from domain.errors import RuleViolated
from tests.e2e.auth_helpers import DEMO_EMAILS, sign_in
from tests.e2e.demo_years import SPAN, Y3
from web.errors import translated
from web.extensions import socketio

#: The years heading ("Years: …") is new in this branch: sv and nb read it once the catalogues
#: have it ("År").
BUDGET_PAGE = {
    "sv": {"caption": "Budgetposter: belopp per år och kostnadsandelar per organisation",
           "headings": [f"År: {SPAN}", "I mötet", "Historik", "Finansiering", "Per sektor",
                        "Någon annan ändrade värdet medan du redigerade"],
           "status": "utkast", "connected": "Ansluten"},
    "nb": {"caption": "Budsjettposter: beløp per år og kostnadsandeler per organisasjon",
           "headings": [f"År: {SPAN}", "I møtet", "Historikk", "Finansiering", "Per sektor",
                        "Noen andre endret verdien mens du redigerte"],
           "status": "utkast", "connected": "Tilkoblet"},
    "en": {"caption": "Budget lines: amounts per year and cost shares per organisation",
           "headings": [f"Years: {SPAN}", "In the meeting", "History", "Funding", "Per sector",
                        "Someone else changed this value while you were editing"],
           "status": "draft", "connected": "Connected"},
}
NO_SUCH_BUDGET = {"sv": "Budgeten finns inte.", "nb": "Budsjettet finnes ikke.",
                  "en": "No such budget."}


def _anna(app: Flask) -> FlaskClient:
    """Anna Berg, signed in (the plan's pages are for its members)."""
    client = app.test_client()
    assert sign_in(client, DEMO_EMAILS["Anna Berg"]).status_code == 302
    return client


def _one(pattern: str, text: str) -> str:
    found = re.search(pattern, text, re.S)
    assert found, pattern
    return html.unescape(found.group(1)).strip()


@pytest.mark.parametrize("lang", BUDGET_PAGE)
def test_the_budget_page_speaks_the_readers_language(app: Flask, demo: DemoPlan, lang: str) -> None:
    page = _anna(app).get(f"/budgets/{demo.budget_id}?lang={lang}")
    assert page.status_code == 200
    expected = BUDGET_PAGE[lang]
    assert f'<html lang="{lang}">' in page.text
    assert _one(r'<caption id="grid-caption">(.*?)</caption>', page.text) == expected["caption"]
    headings = [html.unescape(h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page.text)]
    with app.test_request_context(), force_locale(lang):  # (a heading newer than the catalogues)
        others = gettext("Changes by others to lines you pay part of")
    assert others != "Changes by others to lines you pay part of" or lang == "en"
    assert headings == [*expected["headings"][:2], others, *expected["headings"][2:]]
    assert _one(r'data-part="budget-status">(.*?)<', page.text) == expected["status"]
    # The live grid's strings come translated in data-i18n, with their blanks kept.
    strings = json.loads(_one(r'data-i18n="(.*?)"', page.text))
    assert strings["status_connected"] == expected["connected"]
    assert all(isinstance(text, str) and text for text in strings.values())
    assert "{org}" in strings["share_of"] and "{n}" in strings["pending_other"]


def test_the_sector_names_on_the_plan_page_are_translated(app: Flask, demo: DemoPlan) -> None:
    client = _anna(app)
    swedish = client.get(f"/plans/{demo.plan_id}?lang=sv").text
    norwegian = client.get(f"/plans/{demo.plan_id}?lang=nb").text
    english = client.get(f"/plans/{demo.plan_id}?lang=en").text
    assert "offentlig sektor" in swedish and "processledare" in swedish
    assert "frivillig sektor" in norwegian and "prosessleder" in norwegian
    assert "voluntary" in english and "facilitator" in english


@pytest.mark.parametrize("lang", NO_SUCH_BUDGET)
def test_a_domain_error_reaches_the_reader_in_their_language(app: Flask, lang: str) -> None:
    client = _anna(app)
    page = client.get(f"/budgets/not-an-id?lang={lang}")
    assert page.status_code == 404
    assert _one(r"<main[^>]*>.*?<p>(.*?)</p>", page.text) == NO_SUCH_BUDGET[lang]
    reply = client.get("/api/budgets/not-an-id/sheet", headers={"Accept": "application/json"})
    assert reply.status_code == 404
    assert reply.json["error"] == "not_found" and reply.json["message"] == NO_SUCH_BUDGET[lang]


def test_the_blanks_of_a_domain_message_are_filled_with_words_in_the_readers_language(
        app: Flask) -> None:
    with pytest.raises(RuleViolated) as refused:
        require_choice("boss", "role", plans.ROLES)
    expected = {
        "sv": "Fältet ”roll” måste vara något av: processledare, representant, observatör.",
        "nb": "Feltet «rolle» må være ett av: prosessleder, representant, observatør.",
        "en": "Role must be one of: facilitator, representative, observer.",
    }
    for lang, message in expected.items():
        with app.test_request_context(f"/?lang={lang}"):
            assert translated(refused.value) == message
    assert refused.value.details["field"] == "role"  # the machine-readable details stay as stored


def _in_meeting_in(app: Flask, demo: DemoPlan, lang: str):
    anna = next(p for p in demo.people if p.name == "Anna Berg")
    http = app.test_client()
    http.get(f"/sign-in?lang={lang}")  # the language is kept in the session the socket shares
    assert sign_in(http, anna.email).status_code == 302  # keeps the language chosen
    socket = socketio.test_client(app, namespace="/live", flask_test_client=http)
    joined = socket.emit("join", {"plan_id": demo.plan_id, "budget_id": demo.budget_id},
                         namespace="/live", callback=True)
    assert joined["ok"], joined
    return socket


OUTSIDE = Y3 + 2  # a year the demo's budget does not cover


@pytest.mark.parametrize(("lang", "message"), [
    ("sv", f"Budgeten gäller {SPAN}; {OUTSIDE} ligger utanför."),
    ("nb", f"Budsjettet gjelder {SPAN}; {OUTSIDE} er utenfor."),
    ("en", f"The budget covers {SPAN}; {OUTSIDE} is outside it."),
])
def test_a_refused_command_over_the_socket_is_explained_in_the_readers_language(
        running: Flask, demo: DemoPlan, lang: str, message: str) -> None:
    from projections import queries

    system = running.extensions["samverkan"]
    with system.engine.connect() as conn:
        line = queries.budget_sheet(conn, demo.budget_id).lines[0]["line_id"]
    socket = _in_meeting_in(running, demo, lang)
    reply = socket.emit("command", {"command_id": str(uuid.uuid4()),
                                    "type": "change_amount", "budget_id": demo.budget_id,
                                    "line_id": line, "year": OUTSIDE, "amount": 1},
                        namespace="/live", callback=True)
    assert reply["ok"] is False
    assert reply["error"]["error"] == "rule_violated"
    assert reply["error"]["message"] == message
    socket.disconnect(namespace="/live")
