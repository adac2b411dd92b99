"""Erasure (GDPR): after a person erases their data, no page, API answer, live message or store
names them; plans show "erased person #id"; the event log is byte for byte what it was."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from adapters.bootstrap import System
from adapters.demo import DemoPerson, DemoPlan
from adapters.settings import Settings
from domain.context import acting_as
from projections import queries
from tests.e2e.auth_helpers import DEMO_PASSWORD, post_form, sign_in
from tests.e2e.live_helpers import NS, Participant
from tests.stores import every_row, stored_events

ERIK_EMAIL = "erik.lindqvist@region.example.se"
#: "Erik" as a word: Sofia Eriksson keeps her name.
MENTIONS_ERIK = re.compile(r"\bErik\b|Lindqvist|" + re.escape(ERIK_EMAIL), re.IGNORECASE)
_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"


def _person(demo: DemoPlan, name: str) -> DemoPerson:
    return next(p for p in demo.people if p.name == name)


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    client.get("/account?lang=en")  # the messages below are read in English
    return client


def _text(reply: TestResponse) -> str:
    """What a reader could see in an answer: its text, or every file of a zip (xlsx) export."""
    data = reply.get_data()
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return data.decode("utf-8", "replace")


def _store_text(settings: Settings) -> str:
    """Every row of every table of the store (events, read models, people), as text."""
    return "\n".join(bytes(v).decode("utf-8", "replace") if isinstance(v, bytes | memoryview)
                     else str(v) for row in every_row(settings) for v in row)


def _event_log_digest(system: System) -> str:
    rows = stored_events(system.settings)
    assert len(rows) > 100
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _ids(system: System, demo: DemoPlan, erik: DemoPerson) -> dict[str, str]:
    """A value for every URL argument the app has, taken from the demo (Erik's where it can be)."""
    with system.engine.connect() as conn:
        overview = queries.plan_overview(conn, demo.plan_id)
        sheet = queries.budget_sheet(conn, demo.budget_id)
        commitments = queries.commitments_ledger(conn, demo.plan_id)
    service = overview["services"][0]
    org_id = next(m["org_id"] for m in overview["members"] if m["person_id"] == erik.person_id)
    return {
        "plan_id": demo.plan_id, "budget_id": demo.budget_id, "person_id": erik.person_id,
        "service_id": service["service_id"], "line_id": sheet.lines[0]["line_id"],
        "commitment_id": commitments[0]["commitment_id"], "actor_id": org_id, "org_id": org_id,
        "risk_id": service["risks"][0]["id"], "kpi_id": service["kpis"][0]["id"],
        "token_id": NO_SUCH_ID, "invitation_id": NO_SUCH_ID, "token": "no-such-invitation",
        "decision_id": _decision_attended_by(system, demo, erik), "table": "commitments",
    }


def _decision_attended_by(system: System, demo: DemoPlan, erik: DemoPerson) -> str:
    """A decision Erik attended (names are looked up when shown, so his must be gone)."""
    anna = _person(demo, "Anna Berg").person_id
    with acting_as(anna):
        saved = system.app.record_decision(demo.plan_id, date.today(), "Beslut", "Text.",
                                           [anna, erik.person_id])
    system.projections.wait(saved.positions[-1], timeout=5)
    return str(saved.aggregate_id)


def _every_get_url(app: Flask, ids: dict[str, str]) -> list[str]:
    urls, unknown = [], []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        missing = sorted(set(rule.arguments) - set(ids))
        if missing:
            unknown.append(f"{rule.rule} ({', '.join(missing)})")
            continue
        urls.append(_ARG.sub(lambda m: ids[m.group(1)], rule.rule))
    assert not unknown, f"add a demo value for these URL arguments to _ids(): {unknown}"
    return sorted(urls)


@pytest.fixture
def erik(demo: DemoPlan) -> DemoPerson:
    return _person(demo, "Erik Lindqvist")


def _erase_self(client: FlaskClient, email: str) -> TestResponse:
    return post_form(client, "/account/erase", {"confirm_email": email}, page="/account")


# ---- self-service ---------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["", "anna.berg@ljusdal.example.se", "erik.lindqvist@region"])
def test_erasing_oneself_needs_ones_own_email_address_typed(
        app: Flask, demo_system: System, erik: DemoPerson, typed: str) -> None:
    client = _signed_in(app, ERIK_EMAIL)
    reply = _erase_self(client, typed)
    assert reply.status_code == 400
    assert "Type your own e-mail address to confirm" in reply.get_data(as_text=True)
    assert client.post("/account/erase", data={"confirm_email": ERIK_EMAIL}).status_code == 400  # CSRF
    assert not demo_system.people.get(erik.person_id).erased  # type: ignore[union-attr]
    assert client.get("/account").status_code == 200


def test_erasing_oneself_ends_every_session_token_live_connection_and_sign_in(
        running: Flask, demo: DemoPlan, erik: DemoPerson) -> None:
    other_browser = _signed_in(running, ERIK_EMAIL)
    live = Participant(running, erik)
    assert live.call("join", {"plan_id": demo.plan_id})["ok"]
    client = live.http
    client.get("/account?lang=en")  # the messages below are read in English
    secret = re.search(r'value="(svk_[^"]+)"', post_form(  # type: ignore[union-attr]
        client, "/account/tokens", {"label": "script"}, page="/account").get_data(as_text=True)).group(1)
    assert running.test_client().get("/api/me", headers={"Authorization": f"Bearer {secret}"}).json

    reply = _erase_self(client, " Erik.Lindqvist@Region.Example.SE ")  # as typed, case and all
    assert reply.status_code == 302 and reply.location.startswith("/sign-in")
    signed_out = client.get(reply.location).get_data(as_text=True)
    assert "Your personal data is erased" in signed_out
    assert not MENTIONS_ERIK.search(signed_out)

    assert not live.socket.is_connected(NS)  # the server ended the live connection
    for browser in (client, other_browser):
        assert browser.get("/account").status_code == 302
        assert browser.get("/api/me").status_code == 401
    assert running.test_client().get(
        "/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert sign_in(running.test_client(), ERIK_EMAIL, DEMO_PASSWORD).status_code == 401


# ---- nothing names the erased person -----------------------------------------------------------

@pytest.fixture
def erased(running: Flask, demo_system: System, demo: DemoPlan, erik: DemoPerson
           ) -> Iterator[dict[str, Any]]:
    """Erik erases himself after Anna's live page has shown (and cached) his name."""
    anna = Participant(running, _person(demo, "Anna Berg"))
    before = anna.call("join", {"plan_id": demo.plan_id, "since": 0})
    assert MENTIONS_ERIK.search(json.dumps(before)), "the demo's changes should name Erik"
    anna.call("leave", {"plan_id": demo.plan_id})
    digest = _event_log_digest(demo_system)
    erik_client = _signed_in(running, ERIK_EMAIL)
    assert MENTIONS_ERIK.search(erik_client.get("/account").get_data(as_text=True))
    assert _erase_self(erik_client, ERIK_EMAIL).status_code == 302
    yield {"anna": anna, "digest": digest}


def test_after_erasure_no_page_or_api_answer_names_the_person(
        running: Flask, demo_system: System, demo: DemoPlan, erik: DemoPerson,
        erased: dict[str, Any]) -> None:
    anna = erased["anna"].http
    urls = _every_get_url(running, _ids(demo_system, demo, erik))
    assert {f"/plans/{demo.plan_id}", f"/budgets/{demo.budget_id}", "/api/me"} <= set(urls)
    for url in urls:
        for query in ("", "?lang=en"):
            reply = anna.get(url + query, follow_redirects=True)
            assert reply.status_code < 500, url
            found = MENTIONS_ERIK.search(_text(reply))
            assert not found, f"{url} still shows {found.group(0)!r}"
    members = anna.get(f"/plans/{demo.plan_id}?lang=en").get_data(as_text=True)
    assert f"erased person #{erik.person_id[:8]}" in members


def test_after_erasure_live_pages_show_an_erased_person(
        demo: DemoPlan, erik: DemoPerson, erased: dict[str, Any]) -> None:
    again = erased["anna"].call("join", {"plan_id": demo.plan_id, "since": 0})
    assert again["ok"] and again["changes"]
    assert not MENTIONS_ERIK.search(json.dumps(again))
    by_erik = [c["by"] for c in again["changes"] if c["by"]["person_id"] == erik.person_id]
    # One live frame reaches readers of several languages: the browser words the erased person.
    assert by_erik and all(b["name"] is None and b["erased"] for b in by_erik)
    others = [c["by"] for c in again["changes"] if c["by"]["person_id"] != erik.person_id]
    assert others and all(b["name"] and not b["erased"] for b in others)


def test_erasure_leaves_the_event_log_byte_for_byte_unchanged_and_no_store_keeps_the_name(
        demo_system: System, erased: dict[str, Any]) -> None:
    assert _event_log_digest(demo_system) == erased["digest"]
    found = MENTIONS_ERIK.search(_store_text(demo_system.settings))
    assert not found, f"the store still holds {found.group(0)!r}"
