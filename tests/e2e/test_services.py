"""Shared services over HTTP: the board by stage with its filters, a service's page with who
provides it, the needs it answers, the lines that pay for it and who pays, and the commitments
toward it; setting a service up, moving it on with a reason (audited), recording needs and
providers — each by the people allowed, refused for the others with nothing stored."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.plans import Plan
from domain.services import SharedService
from projections import queries
from tests.e2e.form_helpers import events_stored, post, signed_in_as, text_of


def _actor(system: System, plan_id: str, name: str) -> str:
    return next(a for a, v in system.app.load(Plan, plan_id).actors.items() if v["name"] == name)


def _services(system: System, plan_id: str) -> dict[str, str]:
    with system.engine.connect() as conn:
        return {s["name"]: s["service_id"] for s in queries.services_catalogue(conn, plan_id)}


def _column(page: str, stage: str) -> list[str]:
    part = page.split(f'data-stage="{stage}">', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<h3 id="s-\w+-name"><a href="[^"]+">([^<]+)</a>', part)


def test_the_board_shows_each_service_at_its_stage_and_filters_by_provider_and_sector(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    gunnar = signed_in_as(app, "Gunnar Persson")
    board = f"/plans/{demo.plan_id}/services"
    page = text_of(gunnar.get(board))
    assert _column(page, "pilot") == ["Servicepunkt Ramsjö Lanthandel"]
    assert _column(page, "proposed") == ["Hemsändning av dagligvaror"]
    assert _column(page, "idea") == _column(page, "running") == _column(page, "ended") == []
    assert "Move to another stage" not in page and "Set up a service" not in page  # an observer
    bensin = _actor(demo_system, demo.plan_id, "Ramsjö Bensin & Service")
    only_bensin = text_of(gunnar.get(f"{board}?organisation={bensin}"))
    assert _column(only_bensin, "pilot") == [] and _column(only_bensin, "proposed") == [
        "Hemsändning av dagligvaror"]
    voluntary = text_of(gunnar.get(f"{board}?sector=voluntary"))  # the village association
    assert _column(voluntary, "pilot") == ["Servicepunkt Ramsjö Lanthandel"]
    assert _column(voluntary, "proposed") == []
    assert gunnar.get(f"{board}?sector=pirates").status_code == 400
    assert gunnar.get(f"{board}?organisation=nobody").status_code == 404


def test_a_facilitator_sets_up_a_service_and_moves_it_on_with_a_reason_the_audit_keeps(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    anna = signed_in_as(app, "Anna Berg")
    created = post(anna, f"/plans/{demo.plan_id}/services", name="Paketskåp vid skolan",
                    place="Ramsjö skola", description="Paketskåp med dygnet-runt-öppet.")
    assert created.status_code == 302
    service_id = created.headers["Location"].rsplit("/", 1)[-1]
    page = text_of(anna.get(created.headers["Location"]))
    assert "The service is set up as an idea." in page and 'data-stage="idea"' in page
    moved = post(anna, f"/plans/{demo.plan_id}/services/{service_id}/stage", stage="proposed",
                  reason="Byalaget har samlat in 40 namn.")
    assert moved.status_code == 302
    assert demo_system.app.load(SharedService, service_id).stage == "proposed"
    trail = anna.get(f"/api/plans/{demo.plan_id}/audit").get_json()["entries"]
    said = "moved Paketskåp vid skolan from stage idea to proposed: Byalaget har samlat in 40 namn."
    assert any(e["sentence"].endswith(said) for e in trail), [e["sentence"] for e in trail[:5]]
    before = events_stored(demo_system)
    no_reason = post(anna, f"/plans/{demo.plan_id}/services/{service_id}/stage", stage="pilot",
                      reason="")
    assert no_reason.status_code == 400 and 'id="service-reason-error"' in text_of(no_reason)
    skipping = post(anna, f"/plans/{demo.plan_id}/services/{service_id}/stage", stage="running",
                     reason="Vi hoppar över piloten.")
    assert skipping.status_code == 422 and "can move on to" in text_of(skipping)
    erik = signed_in_as(app, "Erik Lindqvist")
    by_representative = post(erik, f"/plans/{demo.plan_id}/services/{service_id}/stage",
                              stage="pilot", reason="Nu kör vi.")
    assert by_representative.status_code == 403
    assert post(erik, f"/plans/{demo.plan_id}/services", name="X", place="Y").status_code == 403
    assert events_stored(demo_system) == before


def test_a_move_refused_on_the_board_is_said_on_the_board_card(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    anna = signed_in_as(app, "Anna Berg")
    punkt = _services(demo_system, demo.plan_id)["Servicepunkt Ramsjö Lanthandel"]
    reply = post(anna, f"/plans/{demo.plan_id}/services/{punkt}/stage", stage="running",
                  reason="", **{"from": "board"})
    page = text_of(reply)
    assert reply.status_code == 400
    assert f'id="s-{punkt[:8]}-reason-error"' in page and "<h1>Shared services in" in page


def test_the_service_page_shows_providers_needs_who_pays_and_the_commitments_toward_it(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    erik = signed_in_as(app, "Erik Lindqvist")
    punkt = _services(demo_system, demo.plan_id)["Servicepunkt Ramsjö Lanthandel"]
    page = text_of(erik.get(f"/plans/{demo.plan_id}/services/{punkt}"))
    for name in ("Ramsjö Lanthandel AB", "Ljusdals kommun", "Ramsjö Byalag"):
        assert name in page.split('id="providers-heading"')[1].split("</section>")[0]
    assert "Närmaste apotek och paketombud ligger i Ljusdal, fyra mil bort." in page
    assert "Etablering av servicepunkt (inredning, disk, kassa)" in page
    with demo_system.engine.connect() as conn:
        sheet = queries.budget_sheet(conn, demo.budget_id)
    region = _actor(demo_system, demo.plan_id, "Region Gävleborg")
    year = sheet.years[0]
    expected = sum(  # the region's parts of the service's lines in the first year
        line["amounts"][year]["amount"] * line["shares"].get(region, {}).get("share", 0) // 10_000
        for line in sheet.lines if line["service_id"] == punkt and year in line["amounts"])
    row = page.split(f'<tr data-actor="{region}">', 1)[1].split("</tr>", 1)[0]
    cells = [c.replace("\u00a0", " ") for c in re.findall(r'<td class="num">([^<]*)</td>', row)]
    assert abs(int(re.sub(r"\D", "", cells[0])) * 100 - expected) < 100 * 2  # rounding per line
    assert "Regionens medfinansiering av etableringen" in page  # a commitment toward it
    assert "Hemsändningsbidrag" not in page.split('id="toward-heading"')[1]  # another service's


def test_needs_and_providers_are_recorded_by_the_people_allowed(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    erik, anna = signed_in_as(app, "Erik Lindqvist"), signed_in_as(app, "Anna Berg")
    gunnar = signed_in_as(app, "Gunnar Persson")
    hem = _services(demo_system, demo.plan_id)["Hemsändning av dagligvaror"]
    path = f"/plans/{demo.plan_id}/services/{hem}"
    assert post(erik, f"{path}/needs", text="Hushåll utan bil vid Svedjan.").status_code == 302
    assert "Hushåll utan bil vid Svedjan." in demo_system.app.load(SharedService, hem).needs.values()
    region = _actor(demo_system, demo.plan_id, "Region Gävleborg")
    before = events_stored(demo_system)
    assert post(gunnar, f"{path}/needs", text="Något").status_code == 403
    assert post(erik, f"{path}/providers", actor_id=region).status_code == 403
    empty = post(erik, f"{path}/needs", text="")
    assert empty.status_code == 400 and 'id="need-text-error"' in text_of(empty)
    assert events_stored(demo_system) == before
    assert post(anna, f"{path}/providers", actor_id=region).status_code == 302
    assert region in demo_system.app.load(SharedService, hem).providers
    assert post(anna, f"{path}/providers/{region}/remove").status_code == 302
    assert region not in demo_system.app.load(SharedService, hem).providers
    other_plan = post(anna, "/plans", name="Annan", place="Annanstans", start_year="2027",
                       end_year="2028").headers["Location"].rsplit("/", 1)[-1]
    assert anna.get(f"/plans/{other_plan}/services/{hem}").status_code == 404
    assert post(anna, f"/plans/{other_plan}/services/{hem}/needs", text="X").status_code == 404


def test_indicators_are_defined_and_measured_with_the_gender_split_never_in_the_future(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    erik, gunnar = signed_in_as(app, "Erik Lindqvist"), signed_in_as(app, "Gunnar Persson")
    hem = _services(demo_system, demo.plan_id)["Hemsändning av dagligvaror"]
    path = f"/plans/{demo.plan_id}/services/{hem}"
    defined = post(erik, f"{path}/kpis", name="Hushåll med hemsändning", unit="hushåll",
                    baseline="12", target="40", direction="higher", by_gender="on")
    assert defined.status_code == 302
    kpis = demo_system.app.load(SharedService, hem).kpis
    kpi_id, kpi = next((k, v) for k, v in kpis.items() if v["name"] == "Hushåll med hemsändning")
    assert (kpi["baseline"], kpi["target"], kpi["direction"], kpi["by_gender"]) == (
        "12", "40", "higher", True)
    today = date.today()
    measured = post(erik, f"{path}/kpis/{kpi_id}/measurements", on=today.isoformat(),
                     value="19", women="11", men="8")
    assert measured.status_code == 302
    assert demo_system.app.load(SharedService, hem).kpis[kpi_id]["measurements"] == [
        {"on": today.isoformat(), "value": "19", "split": {"women": "11", "men": "8"}}]
    before = events_stored(demo_system)
    future = post(erik, f"{path}/kpis/{kpi_id}/measurements",
                   on=(today + timedelta(days=5)).isoformat(), value="3", women="2", men="1")
    assert future.status_code == 422
    assert f'id="kpi-{kpi_id[:8]}-on-error"' in text_of(future)
    assert "cannot be dated in the future" in text_of(future)
    uneven = post(erik, f"{path}/kpis/{kpi_id}/measurements", on=today.isoformat(), value="20",
                   women="11", men="8")
    assert uneven.status_code == 422 and "must add up to the measured value" in text_of(uneven)
    no_split = post(erik, f"{path}/kpis/{kpi_id}/measurements", on=today.isoformat(), value="20")
    assert no_split.status_code == 422 and "give the split" in text_of(no_split)
    not_a_number = post(erik, f"{path}/kpis/{kpi_id}/measurements", on=today.isoformat(),
                         value="tjugo")
    assert not_a_number.status_code == 400 and "Write a number" in text_of(not_a_number)
    by_observer = post(gunnar, f"{path}/kpis/{kpi_id}/measurements", on=today.isoformat(),
                        value="20", women="12", men="8")
    assert by_observer.status_code == 403
    sideways = post(erik, f"{path}/kpis", name="X", unit="st", direction="sideways")
    assert sideways.status_code == 400
    assert events_stored(demo_system) == before
