"""The risk register over HTTP: every service's risks on the 5 × 5 matrix and in the list,
highest score first; recording and reassessing a risk (scores, mitigation, owner, status) by
facilitators and representatives, refused for observers and for spoilt forms, storing nothing."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.plans import Plan
from domain.services import SharedService
from projections import queries
from tests.e2e.auth_helpers import DEMO_EMAILS, post_form, sign_in


def _client(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    client.get("/sign-in?lang=en")
    assert sign_in(client, DEMO_EMAILS[name]).status_code == 302
    return client


def _post(client: FlaskClient, path: str, **form: Any) -> Any:
    return post_form(client, path, form, page="/account")


def _text(reply: Any) -> str:
    return html.unescape(reply.get_data(as_text=True))


def _stored(system: System) -> int:
    return system.app.recorder.max_notification_id() or 0


def _cell(page: str, likelihood: int, impact: int) -> list[str]:
    cell = page.split(f'data-likelihood="{likelihood}" data-impact="{impact}">', 1)[1]
    return re.findall(r'class="risk-chip"[^>]*>([^<]+) \(\d+\)</a>', cell.split("</td>", 1)[0])


def _risk(system: System, demo: DemoPlan, title: str) -> tuple[str, str]:
    with system.engine.connect() as conn:
        for s in queries.services_catalogue(conn, demo.plan_id):
            for r in s["risks"]:
                if r["title"] == title:
                    return s["service_id"], r["id"]
    raise AssertionError(title)


def test_the_matrix_and_the_list_show_every_risk_at_its_scores(app: Flask, demo: DemoPlan) -> None:
    page = _text(_client(app, "Gunnar Persson").get(f"/plans/{demo.plan_id}/risks"))
    assert _cell(page, 3, 5) == ["Butikens lönsamhet sviktar och butiken stänger"]
    assert _cell(page, 2, 4) == ["Apoteksombudet dras in vid för låg volym",
                                 "Hemsändningsbidraget sänks i kommunens budget"]
    scores = [int(s) for s in re.findall(r'data-score="(\d+)"', page)]
    assert scores == sorted(scores, reverse=True) and len(scores) == 6
    assert "Reassess" not in page and "Record a risk" not in page  # an observer reads


def test_a_representative_records_and_reassesses_a_risk_and_a_closed_one_leaves_the_matrix(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    erik = _client(app, "Erik Lindqvist")
    region = next(a for a, v in demo_system.app.load(Plan, demo.plan_id).actors.items()
                  if v["name"] == "Region Gävleborg")
    service, _ = _risk(demo_system, demo, "Butikens lönsamhet sviktar och butiken stänger")
    recorded = _post(erik, f"/plans/{demo.plan_id}/risks", service_id=service,
                     title="Regionens stöd upphör", likelihood="2", impact="4",
                     mitigation="Flerårigt avtal", owner_id=region)
    assert recorded.status_code == 302
    _, risk = _risk(demo_system, demo, "Regionens stöd upphör")
    assert demo_system.app.load(SharedService, service).risks[risk] == {
        "title": "Regionens stöd upphör", "likelihood": 2, "impact": 4,
        "mitigation": "Flerårigt avtal", "owner_id": region, "status": "open"}
    mitigated = _post(erik, f"/plans/{demo.plan_id}/risks/{service}/{risk}",
                      title="Regionens stöd upphör", likelihood="1", impact="4",
                      mitigation="Avtal undertecknat", owner_id=region, status="mitigated")
    assert mitigated.status_code == 302
    page = _text(erik.get(f"/plans/{demo.plan_id}/risks"))
    assert "Regionens stöd upphör" in _cell(page, 1, 4)
    assert _post(erik, f"/plans/{demo.plan_id}/risks/{service}/{risk}", title="Regionens stöd upphör",
                 likelihood="1", impact="4", status="closed").status_code == 302
    page = _text(erik.get(f"/plans/{demo.plan_id}/risks"))
    assert all("Regionens stöd upphör" not in _cell(page, li, im)
               for li in range(1, 6) for im in range(1, 6))
    closed = _text(erik.get(f"/plans/{demo.plan_id}/risks?status=closed"))
    assert re.findall(r"<h3 id=\"risk-\w+-heading\">([^<]+)</h3>", closed) == ["Regionens stöd upphör"]


def test_spoilt_or_unallowed_risk_forms_are_refused_and_store_nothing(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    erik, gunnar = _client(app, "Erik Lindqvist"), _client(app, "Gunnar Persson")
    service, risk = _risk(demo_system, demo, "Butikens lönsamhet sviktar och butiken stänger")
    path = f"/plans/{demo.plan_id}/risks/{service}/{risk}"
    before = _stored(demo_system)
    six = _post(erik, path, title="X", likelihood="6", impact="3")
    assert six.status_code == 400 and f'id="risk-{risk[:8]}-likelihood-error"' in _text(six)
    bad_status = _post(erik, path, title="X", likelihood="2", impact="3", status="forgotten")
    assert bad_status.status_code == 400
    assert _post(gunnar, path, title="X", likelihood="2", impact="3").status_code == 403
    assert _stored(demo_system) == before
    other = _post(_client(app, "Anna Berg"), "/plans", name="Annan", place="Annanstans",
                  start_year="2027", end_year="2028").headers["Location"].rsplit("/", 1)[-1]
    before = _stored(demo_system)
    assert _post(erik, f"/plans/{other}/risks/{service}/{risk}", title="X", likelihood="2",
                 impact="3").status_code in (403, 404)
    assert _client(app, "Erik Lindqvist").get(f"/plans/{demo.plan_id}/risks?status=x").status_code == 400
    assert _stored(demo_system) == before
