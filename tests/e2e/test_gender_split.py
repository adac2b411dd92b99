"""A plan that requires the gender split for KPIs about people (Kolada's total/women/men), over
HTTP: the facilitator switches it on; a representative's KPI about people without the split is
refused in the reader's language, and so is a measurement without it, nothing stored."""

from __future__ import annotations

from datetime import date

from flask import Flask

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.plans import Plan
from domain.services import SharedService
from projections import queries
from tests.e2e.form_helpers import events_stored, post, signed_in_as, text_of


def _required(system: System, plan_id: str) -> bool:
    with system.engine.connect() as conn:
        return bool(queries.plan_overview(conn, plan_id)["gender_split_required"])


def test_the_demo_plan_requires_the_split_and_its_people_kpis_have_it(
        demo_system: System, demo: DemoPlan) -> None:
    assert demo_system.app.load(Plan, demo.plan_id).gender_split_required is True
    with demo_system.engine.connect() as conn:
        kpis = [k for s in queries.services_catalogue(conn, demo.plan_id) for k in s["kpis"]]
    people = [k for k in kpis if k["about_people"]]
    assert people and all(k["by_gender"] for k in people)
    assert all(m["split"] for k in people for m in k["measurements"])


def test_a_plan_requiring_the_split_refuses_people_kpis_and_measurements_without_it(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    anna, erik = signed_in_as(app, "Anna Berg", "sv"), signed_in_as(app, "Erik Lindqvist", "sv")
    settings = f"/plans/{demo.plan_id}/gender-split"
    with demo_system.engine.connect() as conn:
        service = queries.services_catalogue(conn, demo.plan_id)[0]["service_id"]
    path = f"/plans/{demo.plan_id}/services/{service}"

    # Off: a KPI about people may be defined without the split.
    assert post(anna, settings).status_code == 302
    assert _required(demo_system, demo.plan_id) is False
    assert "Följ upp indikatorer om personer efter kön" in text_of(
        anna.get(f"/plans/{demo.plan_id}/details"))
    assert post(erik, f"{path}/kpis", name="Deltagare i drop-in", unit="personer",
                 about_people="on").status_code == 302
    kpis = demo_system.app.load(SharedService, service).kpis
    earlier = next(k for k, v in kpis.items() if v["name"] == "Deltagare i drop-in")
    assert (kpis[earlier]["about_people"], kpis[earlier]["by_gender"]) == (True, False)

    # On (a facilitator's setting only): the details page shows it switched on.
    assert post(erik, settings, gender_split_required="on").status_code == 403
    assert _required(demo_system, demo.plan_id) is False
    assert post(anna, settings, gender_split_required="on").status_code == 302
    assert _required(demo_system, demo.plan_id) is True
    assert 'name="gender_split_required" value="on" checked' in text_of(
        anna.get(f"/plans/{demo.plan_id}/details"))
    demo_system.projections.wait(events_stored(demo_system), timeout=5)
    trail = text_of(anna.get(f"/plans/{demo.plan_id}/audit?kind=plan&lang=sv"))
    assert "krävde att varje indikator om personer i planen följs upp efter kön" in trail
    assert "slutade kräva att indikatorerna om personer följs upp efter kön" in trail

    before = events_stored(demo_system)
    refused = post(erik, f"{path}/kpis", name="Besökare på caféet", unit="personer",
                    about_people="on")
    assert refused.status_code == 422
    page = text_of(refused)
    assert "Den här planen följer upp varje nyckeltal om personer efter kön" in page
    assert 'id="kpi-by-gender-error"' in page
    unmeasured = post(erik, f"{path}/kpis/{earlier}/measurements",
                       on=date.today().isoformat(), value="12")
    assert unmeasured.status_code == 422
    assert "ange fördelningen (kvinnor, män)" in text_of(unmeasured)
    assert events_stored(demo_system) == before
    kpis = demo_system.app.load(SharedService, service).kpis
    assert kpis[earlier]["measurements"] == []
    assert not any(v["name"] == "Besökare på caféet" for v in kpis.values())

    # The KPI list says which KPI lacks the split, and the measurement form asks for it.
    shown = text_of(erik.get(path))
    assert f'id="kpi-{earlier[:8]}-lacks-split"' in shown
    assert f'id="kpi-{earlier[:8]}-women"' in shown
    assert post(erik, f"{path}/kpis/{earlier}/measurements", on=date.today().isoformat(),
                 value="12", women="7", men="5").status_code == 302
    assert post(erik, f"{path}/kpis", name="Besökare på caféet", unit="personer",
                 about_people="on", by_gender="on").status_code == 302
