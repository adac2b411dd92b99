"""Decisions in the browser's terms: the form, its refusals, the printable page and the PDF."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from adapters.pdf import PrintedDocument, dejavu_fonts, render_pdf
from domain.budgets import Budget
from domain.context import acting_as
from domain.decisions import Decision
from domain.plans import Plan
from tests.e2e.auth_helpers import DEMO_EMAILS, post_form, sign_in
from tests.e2e.form_helpers import events_stored

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def _person(demo: DemoPlan, name: str) -> str:
    return next(p.person_id for p in demo.people if p.name.startswith(name))


@pytest.fixture
def anna(app: Flask) -> FlaskClient:
    client = app.test_client()
    sign_in(client, DEMO_EMAILS["Anna Berg"])
    return client


def _propose(system: System, demo: DemoPlan) -> None:
    with acting_as(_person(demo, "Anna")):
        saved = system.app.propose_budget(demo.budget_id)
    system.projections.wait(saved.positions[-1], timeout=5)


def _form(demo: DemoPlan, **changes: Any) -> dict[str, Any]:
    data = {"decided_on": YESTERDAY, "title": "Budget för servicepunkten i Ramsjö antas",
            "text": "Mötet antar budgeten.\nKommunen står för lokalhyran 2027–2029.",
            "attendees": [_person(demo, "Anna"), _person(demo, "Erik")], "budget_id": ""}
    data.update(changes)
    return data


def _new(demo: DemoPlan) -> str:
    return f"/plans/{demo.plan_id}/decisions/new"


def test_the_form_offers_members_as_attendees_and_only_decidable_budgets(anna, demo, demo_system):
    page = anna.get(_new(demo)).get_data(as_text=True)
    assert 'name="csrf_token"' in page
    members = demo_system.app.load(Plan, demo.plan_id).members
    assert page.count('type="checkbox" name="attendees"') == len(members) >= 4
    assert "Anna Berg" in page and "Maria" in page
    assert demo.budget_id not in page  # the demo budget is a draft
    _propose(demo_system, demo)
    assert demo.budget_id in anna.get(_new(demo)).get_data(as_text=True)


def test_a_facilitator_records_a_decision_that_adopts_the_proposed_budget(anna, demo, demo_system):
    _propose(demo_system, demo)
    before = events_stored(demo_system)
    asked = post_form(anna, _new(demo) + "?lang=en", _form(demo, budget_id=demo.budget_id),
                      page=_new(demo))
    assert asked.status_code == 200 and events_stored(demo_system) == before  # first: what happens
    assert "The budget can then no longer be edited" in asked.get_data(as_text=True)
    reply = post_form(anna, _new(demo), _form(demo, budget_id=demo.budget_id, confirmed="yes"),
                      page=_new(demo))
    assert reply.status_code == 302
    decision_id = reply.headers["Location"].rsplit("/", 1)[1]
    budget = demo_system.app.load(Budget, demo.budget_id)
    assert budget.status == "adopted"
    assert demo_system.app.load(Decision, decision_id).budget_version == budget.adopted_version

    page = anna.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert "Budget för servicepunkten i Ramsjö antas" in page
    assert "Kommunen står för lokalhyran 2027–2029." in page
    assert "Anna Berg" in page and "Erik Lindqvist" in page
    assert f'href="/budgets/{demo.budget_id}/history?version={budget.adopted_version}"' in page
    assert re.search(r"#\d+ – (SHA-256 <code>[0-9a-f]{64}</code>|.+)", page)
    listed = anna.get(f"/plans/{demo.plan_id}/decisions").get_data(as_text=True)
    assert f"/decisions/{decision_id}" in listed and f"/decisions/{decision_id}.pdf" in listed
    assert f"/plans/{demo.plan_id}/decisions" in anna.get(f"/plans/{demo.plan_id}").get_data(as_text=True)


@pytest.mark.parametrize("changes, field", [
    ({"title": "   "}, "decision-title-error"),
    ({"text": ""}, "decision-text-error"),
    ({"decided_on": "9 mars"}, "decision-date-error"),
    ({"attendees": []}, "decision-attendees-error"),
    ({"attendees": [str(uuid4())]}, "decision-attendees-error"),
    ({"budget_id": str(uuid4())}, "decision-budget-error"),
])
def test_an_invalid_form_is_refused_with_its_field_named_and_nothing_stored(
        anna, demo, demo_system, changes, field):
    before = events_stored(demo_system)
    reply = post_form(anna, _new(demo), _form(demo, **changes), page=_new(demo))
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert f'id="{field}"' in page and 'role="alert"' in page
    assert events_stored(demo_system) == before


def test_the_draft_budget_is_not_offered_and_is_refused(anna, demo, demo_system):
    before = events_stored(demo_system)
    reply = post_form(anna, _new(demo), _form(demo, budget_id=demo.budget_id), page=_new(demo))
    assert reply.status_code == 400
    assert events_stored(demo_system) == before
    assert demo_system.app.load(Budget, demo.budget_id).status == "draft"


def test_a_rule_of_the_domain_answers_422_with_its_message_and_keeps_the_form(anna, demo, demo_system):
    before = events_stored(demo_system)
    future = (date.today() + timedelta(days=30)).isoformat()
    reply = post_form(anna, _new(demo), _form(demo, decided_on=future, title="Senare"), page=_new(demo))
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert 'id="decision-alert"' in page and 'value="Senare"' in page
    assert events_stored(demo_system) == before


def test_the_form_needs_its_csrf_token(anna, demo, demo_system):
    before = events_stored(demo_system)
    reply = anna.post(_new(demo), data=_form(demo))
    assert reply.status_code == 400
    assert events_stored(demo_system) == before


def _recorded(system: System, demo: DemoPlan, title: str = "Beslut om öppettider") -> str:
    with acting_as(_person(demo, "Anna")):
        saved = system.app.record_decision(
            demo.plan_id, date.today(), title, "Öppet måndag–lördag.",
            [_person(demo, "Anna"), _person(demo, "Maria")])
    system.projections.wait(saved.positions[-1], timeout=5)
    return str(saved.aggregate_id)


def test_an_erased_attendee_shows_as_erased(anna, demo, demo_system):
    decision_id = _recorded(demo_system, demo)
    maria = _person(demo, "Maria")
    demo_system.erase_person(maria)
    page = anna.get(f"/decisions/{decision_id}?lang=en").get_data(as_text=True)
    assert f"erased person #{maria[:8]}" in page
    assert "Maria" not in page.split('class="attendees"')[1].split("</ul>")[0]
    # in the reader's language, not English on a Swedish page
    swedish = anna.get(f"/decisions/{decision_id}?lang=sv").get_data(as_text=True)
    assert f"raderad person #{maria[:8]}" in swedish and "erased person" not in swedish


def test_the_page_carries_the_chains_checkpoint_at_the_decisions_position(anna, demo, demo_system):
    from projections.chain import checkpoint_at
    from projections.decisions import decision_by_id

    decision_id = _recorded(demo_system, demo)
    with demo_system.engine.connect() as conn:
        position = decision_by_id(conn, decision_id)["position"]
        checkpoint = checkpoint_at(conn, position)
    assert checkpoint is not None and checkpoint["reason"] == f"decision:{decision_id}"
    page = anna.get(f"/decisions/{decision_id}").get_data(as_text=True)
    assert f"#{position} – SHA-256 <code>{checkpoint['link']}</code>" in page


def test_the_digest_shows_as_pending_while_the_chain_has_no_checkpoint_there(
        anna, demo, demo_system, monkeypatch):
    import projections.chain

    decision_id = _recorded(demo_system, demo)
    monkeypatch.setattr(projections.chain, "checkpoint_at", lambda conn, position: None)
    page = anna.get(f"/decisions/{decision_id}?lang=en").get_data(as_text=True)
    assert "digest pending" in page and not re.search(r"[0-9a-f]{64}", page)
    assert anna.get(f"/decisions/{decision_id}.pdf").status_code == 200


def test_the_pdf_carries_the_decision(anna, demo, demo_system):
    decision_id = _recorded(demo_system, demo, "Beslut om öppettider i Ramsjö")
    reply = anna.get(f"/decisions/{decision_id}.pdf")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    body = reply.get_data()
    assert body.startswith(b"%PDF")
    # The title is in the document's metadata, as UTF-16 (the page text is compressed).
    title = "Beslut om öppettider i Ramsjö".encode("utf-16-be").hex()
    assert title.encode() in body.lower()
    assert b"/Type /Page\n" in body and b"/Count 1" in body


def test_observers_and_other_members_read_decisions_but_cannot_record(app, demo, demo_system):
    decision_id = _recorded(demo_system, demo)
    client = app.test_client()
    sign_in(client, DEMO_EMAILS["Gunnar Persson"])
    assert client.get(f"/decisions/{decision_id}").status_code == 200
    listed = client.get(f"/plans/{demo.plan_id}/decisions").get_data(as_text=True)
    assert _new(demo) not in listed
    before = events_stored(demo_system)
    assert post_form(client, _new(demo), _form(demo), page="/account").status_code == 403
    assert events_stored(demo_system) == before


# ---- the PDF itself ---------------------------------------------------------------------------

DOC = PrintedDocument("Beslut: budget antas för Ramsjö", [("Datum", "9 mars 2027"), ("Budget", "v3")],
                      [("Beslut", "Kommunen, föreningen och Ramsjö Lanthandel – alla med.")],
                      "Protokollförare: Anna Berg", links={"Budget": "https://example.se/b"})


def test_the_core_font_fallback_keeps_swedish_and_norwegian_letters():
    body = render_pdf(DOC, compress=False, fonts=None)
    assert body.startswith(b"%PDF")
    # Windows-1252 bytes in the uncompressed page stream: å ä ö ø survive, – too.
    assert "Ramsjö Lanthandel – alla".encode("cp1252") in body
    assert b"/Helvetica" in body


def test_characters_outside_the_core_font_are_transliterated():
    from adapters.pdf import transliterate

    assert transliterate("Łukasz → Øystein ÅÄÖ æ ş 北") == "Lukasz -> Øystein ÅÄÖ æ s ?"


@pytest.mark.skipif(dejavu_fonts() is None, reason="DejaVu Sans is not installed here")
def test_dejavu_is_embedded_where_the_machine_has_it():
    body = render_pdf(DOC, compress=False)
    assert b"DejaVu" in body and b"/FontFile2" in body
