"""SharedService: stages, providers, needs, risks and KPIs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.errors import NotFound, RuleViolated
from domain.plans import Plan
from domain.services import SharedService


@pytest.fixture
def service(plan: Plan) -> SharedService:
    return SharedService.create(plan.id, "Servicepunkt", "Byns lanthandel", "Paket och apotek")


def test_new_service_is_an_idea_of_the_plan(service: SharedService, plan: Plan):
    assert (service.stage, service.plan_id) == ("idea", str(plan.id))
    assert (service.providers, service.needs, service.risks, service.kpis) == ([], {}, {}, {})


def test_service_needs_a_name_and_place(plan: Plan):
    with pytest.raises(RuleViolated, match="place"):
        SharedService.create(plan.id, "Servicepunkt", " ")


def test_changing_service_details_records_the_values_before(service: SharedService):
    service.change_details("Servicepunkt Byn", "Byns lanthandel", "")
    event = service.pending_events[-1]
    assert event.before == {"name": "Servicepunkt", "place": "Byns lanthandel",
                            "description": "Paket och apotek"}
    assert service.description == ""


# ---- lifecycle ------------------------------------------------------------------------------


def test_service_moves_forward_one_stage_at_a_time(service: SharedService):
    for stage in ("proposed", "pilot", "running", "ended"):
        before = service.stage
        service.move_to(stage)
        assert (service.stage, service.pending_events[-1].before) == (stage, before)


@pytest.mark.parametrize(("path", "target"), [
    ([], "pilot"), ([], "running"), ([], "idea"), (["proposed"], "proposed"),
    (["proposed", "pilot"], "proposed"), (["proposed"], "running"),
])
def test_service_cannot_skip_or_go_back_a_stage(service: SharedService, path, target):
    for stage in path:
        service.move_to(stage)
    with pytest.raises(RuleViolated, match="can move on to"):
        service.move_to(target)


@pytest.mark.parametrize("path", [[], ["proposed"], ["proposed", "pilot"],
                                  ["proposed", "pilot", "running"]])
def test_service_can_be_ended_from_any_stage(service: SharedService, path):
    for stage in path:
        service.move_to(stage)
    service.move_to("ended")
    assert service.stage == "ended"


@pytest.mark.parametrize("stage", ["idea", "proposed", "pilot", "running", "ended"])
def test_nothing_follows_the_end_of_a_service(service: SharedService, stage):
    service.move_to("ended")
    with pytest.raises(RuleViolated, match="has ended"):
        service.move_to(stage)


def test_unknown_stage_is_refused(service: SharedService):
    with pytest.raises(RuleViolated, match="stage must be one of"):
        service.move_to("closed")


# ---- providers and needs --------------------------------------------------------------------


def test_providers_are_added_once_and_removed(service: SharedService, actors):
    service.add_provider(actors["shop"])
    service.add_provider(actors["kommun"])
    with pytest.raises(RuleViolated, match="already provides"):
        service.add_provider(actors["shop"])
    service.remove_provider(actors["shop"])
    assert service.providers == [actors["kommun"]]


def test_removing_an_organisation_that_is_not_a_provider_is_not_found(service: SharedService):
    with pytest.raises(NotFound):
        service.remove_provider(uuid4())


def test_need_is_recorded_under_a_new_id(service: SharedService):
    need = service.add_need("  Hämta paket utan att åka 30 km  ")
    assert service.needs == {need: "Hämta paket utan att åka 30 km"}


def test_need_must_have_text(service: SharedService):
    with pytest.raises(RuleViolated):
        service.add_need("")


# ---- risks ----------------------------------------------------------------------------------


def test_risk_is_recorded_with_likelihood_impact_and_owner(service: SharedService, actors):
    risk = service.record_risk("Butiken läggs ned", 2, 5, "Avtal på 3 år", actors["shop"])
    assert service.risks[risk] == {"title": "Butiken läggs ned", "likelihood": 2, "impact": 5,
                                   "mitigation": "Avtal på 3 år", "owner_id": actors["shop"],
                                   "status": "open"}
    assert service.pending_events[-1].before is None


def test_a_risk_is_open_mitigated_or_closed(service: SharedService):
    risk = service.record_risk("Butiken läggs ned", 2, 5)
    service.record_risk("Butiken läggs ned", 2, 3, "Treårsavtal", risk_id=risk, status="mitigated")
    assert (service.risks[risk]["status"], service.pending_events[-1].before["status"]) == (
        "mitigated", "open")
    with pytest.raises(RuleViolated, match="status"):
        service.record_risk("Butiken läggs ned", 2, 3, risk_id=risk, status="forgotten")


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 3), (6, 3), (3, 0), (3, 6), (2.5, 3),
                                                     (3, True), ("3", 3)])
def test_risk_likelihood_and_impact_are_whole_numbers_from_1_to_5(
        service: SharedService, likelihood, impact):
    with pytest.raises(RuleViolated):
        service.record_risk("Risk", likelihood, impact)
    assert service.risks == {}


def test_reassessing_a_risk_records_the_assessment_before(service: SharedService):
    risk = service.record_risk("Brand", 1, 5)
    assert service.record_risk("Brand", 2, 5, risk_id=risk) == risk
    event = service.pending_events[-1]
    assert event.before["likelihood"] == 1
    assert service.risks[risk]["likelihood"] == 2
    assert len(service.risks) == 1


def test_reassessing_a_risk_without_change_records_no_event(service: SharedService):
    risk = service.record_risk("Brand", 1, 5)
    version = service.version
    service.record_risk("Brand", 1, 5, risk_id=risk)
    assert service.version == version


def test_reassessing_an_unknown_risk_is_not_found(service: SharedService):
    with pytest.raises(NotFound):
        service.record_risk("Brand", 1, 5, risk_id=uuid4())


def test_removed_risk_is_kept_in_the_event(service: SharedService):
    risk = service.record_risk("Brand", 1, 5)
    service.remove_risk(risk)
    assert service.risks == {}
    assert service.pending_events[-1].before["title"] == "Brand"
    with pytest.raises(NotFound):
        service.remove_risk(risk)


# ---- KPIs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "stored"), [
    (Decimal("12.5"), "12.5"), (40, "40"), ("0.75", "0.75"), (None, None)])
def test_kpi_target_is_an_exact_decimal(service: SharedService, target, stored):
    kpi = service.define_kpi("Besök per vecka", "besök", target)
    assert service.kpis[kpi] == {"name": "Besök per vecka", "unit": "besök", "target": stored,
                                 "baseline": None, "direction": "higher", "by_gender": False,
                                 "about_people": False, "measurements": []}


def test_a_kpi_has_a_baseline_and_a_direction_that_is_higher_or_lower(service: SharedService):
    kpi = service.define_kpi("Väntetid", "dagar", 7, baseline="21", direction="lower")
    assert (service.kpis[kpi]["baseline"], service.kpis[kpi]["direction"]) == ("21", "lower")
    with pytest.raises(RuleViolated, match="direction"):
        service.define_kpi("Väntetid", "dagar", 7, direction="sideways")
    with pytest.raises(RuleViolated, match="baseline"):
        service.define_kpi("Väntetid", "dagar", 7, baseline=2.5)


def test_a_measurement_cannot_be_dated_in_the_future(service: SharedService):
    kpi = service.define_kpi("Besök", "besök")
    today = date(2026, 12, 4)
    service.measure_kpi(kpi, date(2026, 12, 5), 3, today=today)  # tomorrow somewhere already
    with pytest.raises(RuleViolated, match="future"):
        service.measure_kpi(kpi, date(2026, 12, 6), 3, today=today)
    assert len(service.kpis[kpi]["measurements"]) == 1


@pytest.mark.parametrize("target", [12.5, True, "tolv", "NaN", "Infinity"])
def test_kpi_target_refuses_floats_and_non_numbers(service: SharedService, target):
    with pytest.raises(RuleViolated, match="target"):
        service.define_kpi("Besök", "besök", target)


def test_measurement_is_recorded_with_its_date(service: SharedService):
    kpi = service.define_kpi("Paket", "st")
    service.measure_kpi(kpi, date(2025, 6, 30), 120)
    assert service.kpis[kpi]["measurements"] == [{"on": "2025-06-30", "value": "120",
                                                  "split": None}]


def test_measurement_split_by_gender_must_add_up_to_the_value(service: SharedService):
    kpi = service.define_kpi("Besökare", "personer", by_gender=True)
    service.measure_kpi(kpi, date(2025, 6, 30), "30", {"women": 18, "men": "11", "other": 1})
    assert service.kpis[kpi]["measurements"][0]["split"] == {
        "women": "18", "men": "11", "other": "1"}
    with pytest.raises(RuleViolated, match="add up to"):
        service.measure_kpi(kpi, date(2025, 7, 31), 30, {"women": 18, "men": 11})
    assert len(service.kpis[kpi]["measurements"]) == 1


def test_kpi_followed_up_by_gender_requires_the_split(service: SharedService):
    kpi = service.define_kpi("Besökare", "personer", by_gender=True)
    for split in (None, {}):
        with pytest.raises(RuleViolated, match="by gender"):
            service.measure_kpi(kpi, date(2025, 6, 30), 30, split)


def test_a_kpi_followed_up_by_gender_is_about_people(service: SharedService):
    split = service.define_kpi("Besökare", "personer", by_gender=True)
    people = service.define_kpi("Användare av datorn", "personer", about_people=True)
    parcels = service.define_kpi("Paket", "st")
    assert [(service.kpis[k]["about_people"], service.kpis[k]["by_gender"])
            for k in (split, people, parcels)] == [(True, True), (True, False), (False, False)]


def test_a_plan_requiring_the_split_refuses_a_kpi_about_people_without_it(
        service: SharedService):
    version = service.version
    with pytest.raises(RuleViolated, match="by gender") as refused:
        service.define_kpi("Besökare", "personer", about_people=True, split_required=True)
    assert refused.value.details["field"] == "by_gender"
    assert service.version == version and service.kpis == {}
    service.define_kpi("Besökare", "personer", about_people=True, by_gender=True,
                       split_required=True)
    service.define_kpi("Paket", "st", split_required=True)  # not about people: no split
    assert len(service.kpis) == 2


def test_a_plan_requiring_the_split_refuses_measuring_a_kpi_about_people_without_it(
        service: SharedService):
    """Also a KPI defined before the plan asked for the split (and so defined without it)."""
    people = service.define_kpi("Användare av datorn", "personer", about_people=True)
    parcels = service.define_kpi("Paket", "st")
    service.measure_kpi(people, date(2025, 6, 30), 12)  # not required yet
    with pytest.raises(RuleViolated, match="give the split") as refused:
        service.measure_kpi(people, date(2025, 7, 31), 12, split_required=True)
    assert refused.value.details["field"] == "split"
    service.measure_kpi(people, date(2025, 7, 31), 12, {"women": 7, "men": 5},
                        split_required=True)
    service.measure_kpi(parcels, date(2025, 7, 31), 40, split_required=True)
    assert [len(service.kpis[k]["measurements"]) for k in (people, parcels)] == [2, 1]


def test_split_genders_must_be_known(service: SharedService):
    kpi = service.define_kpi("Besökare", "personer")
    with pytest.raises(RuleViolated, match="gender must be one of"):
        service.measure_kpi(kpi, date(2025, 6, 30), 30, {"female": 30})


@pytest.mark.parametrize(("on", "value"), [("2025-06-30", 1), (date(2025, 6, 30), 1.0)])
def test_measurement_needs_a_date_and_an_exact_value(service: SharedService, on, value):
    kpi = service.define_kpi("Paket", "st")
    with pytest.raises(RuleViolated):
        service.measure_kpi(kpi, on, value)


def test_measuring_an_unknown_kpi_is_not_found(service: SharedService):
    with pytest.raises(NotFound):
        service.measure_kpi(uuid4(), date(2025, 6, 30), 1)
