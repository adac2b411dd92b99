"""The risk register over HTTP: every service's risks on the 5 × 5 matrix and in the list,
highest score first; recording and reassessing a risk (scores, mitigation, owner, status) by
facilitators and representatives, refused for observers and for spoilt forms, storing nothing."""

from __future__ import annotations

import re

from flask import Flask

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.plans import Plan
from domain.services import SharedService
from projections import queries
from tests.e2e.form_helpers import events_stored, post, signed_in_as, text_of


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
    page = text_of(signed_in_as(app, "Gunnar Persson").get(f"/plans/{demo.plan_id}/risks"))
    assert _cell(page, 3, 5) == ["Butikens lönsamhet sviktar och butiken stänger"]
    assert _cell(page, 2, 4) == ["Apoteksombudet dras in vid för låg volym",
                                 "Hemsändningsbidraget sänks i kommunens budget"]
    scores = [int(s) for s in re.findall(r'data-score="(\d+)"', page)]
    assert scores == sorted(scores, reverse=True) and len(scores) == 6
    assert "Reassess" not in page and "Record a risk" not in page  # an observer reads


def test_a_representative_records_and_reassesses_a_risk_and_a_closed_one_leaves_the_matrix(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    erik = signed_in_as(app, "Erik Lindqvist")
    region = next(a for a, v in demo_system.app.load(Plan, demo.plan_id).actors.items()
                  if v["name"] == "Region Gävleborg")
    service, _ = _risk(demo_system, demo, "Butikens lönsamhet sviktar och butiken stänger")
    recorded = post(erik, f"/plans/{demo.plan_id}/risks", service_id=service,
                     title="Regionens stöd upphör", likelihood="2", impact="4",
                     mitigation="Flerårigt avtal", owner_id=region)
    assert recorded.status_code == 302
    _, risk = _risk(demo_system, demo, "Regionens stöd upphör")
    assert demo_system.app.load(SharedService, service).risks[risk] == {
        "title": "Regionens stöd upphör", "likelihood": 2, "impact": 4,
        "mitigation": "Flerårigt avtal", "owner_id": region, "status": "open"}
    mitigated = post(erik, f"/plans/{demo.plan_id}/risks/{service}/{risk}",
                      title="Regionens stöd upphör", likelihood="1", impact="4",
                      mitigation="Avtal undertecknat", owner_id=region, status="mitigated")
    assert mitigated.status_code == 302
    page = text_of(erik.get(f"/plans/{demo.plan_id}/risks"))
    assert "Regionens stöd upphör" in _cell(page, 1, 4)
    assert post(erik, f"/plans/{demo.plan_id}/risks/{service}/{risk}", title="Regionens stöd upphör",
                 likelihood="1", impact="4", status="closed").status_code == 302
    page = text_of(erik.get(f"/plans/{demo.plan_id}/risks"))
    assert all("Regionens stöd upphör" not in _cell(page, li, im)
               for li in range(1, 6) for im in range(1, 6))
    closed = text_of(erik.get(f"/plans/{demo.plan_id}/risks?status=closed"))
    assert re.findall(r"<h3 id=\"risk-\w+-heading\">([^<]+)</h3>", closed) == ["Regionens stöd upphör"]


def test_spoilt_or_unallowed_risk_forms_are_refused_and_store_nothing(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    erik, gunnar = signed_in_as(app, "Erik Lindqvist"), signed_in_as(app, "Gunnar Persson")
    service, risk = _risk(demo_system, demo, "Butikens lönsamhet sviktar och butiken stänger")
    path = f"/plans/{demo.plan_id}/risks/{service}/{risk}"
    before = events_stored(demo_system)
    six = post(erik, path, title="X", likelihood="6", impact="3")
    assert six.status_code == 400 and f'id="risk-{risk[:8]}-likelihood-error"' in text_of(six)
    bad_status = post(erik, path, title="X", likelihood="2", impact="3", status="forgotten")
    assert bad_status.status_code == 400
    assert post(gunnar, path, title="X", likelihood="2", impact="3").status_code == 403
    assert events_stored(demo_system) == before
    other = post(signed_in_as(app, "Anna Berg"), "/plans", name="Annan", place="Annanstans",
                  start_year="2027", end_year="2028").headers["Location"].rsplit("/", 1)[-1]
    before = events_stored(demo_system)
    assert post(erik, f"/plans/{other}/risks/{service}/{risk}", title="X", likelihood="2",
                 impact="3").status_code in (403, 404)
    assert signed_in_as(app, "Erik Lindqvist").get(f"/plans/{demo.plan_id}/risks?status=x").status_code == 400
    assert events_stored(demo_system) == before
