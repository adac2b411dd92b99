"""Events and snapshots stored before plans had descriptions, lines had kinds, organisations could
leave, adoption named its decision and redo existed still load: each changed class upcasts its
old shape (class_version, upcast_v1_v2), and the read models rebuild from them."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import StoredEvent
from sqlalchemy import text

from adapters.bootstrap import PROJECTIONS
from domain.budgets import Budget
from domain.context import acting_as
from domain.plans import Plan
from domain.services import SharedService
from domain.usecases import Samverkan
from projections import queries
from projections.runner import ProjectionRunner
from tests.stores import app_env, views_engine

#: What each event class did not have before (top-level keys; nested ones are handled below).
ADDED = {"Plan.Created": ("description",), "Plan.DetailsChanged": ("description",),
         "Budget.Created": ("source",),
         "Budget.LineItemAdded": ("kind",),
         "Budget.StatusChanged": ("revision", "decision", "superseded_by"),
         "SharedService.StageChanged": ("reason",),
         "SharedService.KpiDefined": ("baseline", "direction", "about_people")}



def _in_the_old_shape(app: Samverkan, stored: StoredEvent) -> StoredEvent:
    """The stored event as the previous version wrote it: no class_version, none of the
    fields added since, no `redoes`."""
    state: dict[str, Any] = app.mapper.transcoder.decode(stored.state)
    name = stored.topic.split(":")[1]
    for key in ("class_version", "redoes", *ADDED.get(name, ())):
        state.pop(key, None)
    if name == "Plan.DetailsChanged":
        state["before"].pop("description")
    for line in state.get("lines", []) if name == "Budget.Created" else []:
        line["state"].pop("kind")
    if "line" in state and name in ("Budget.LineItemRemoved", "Budget.LineItemRestored"):
        state["line"].pop("kind")
    if name == "SharedService.RiskRecorded":  # a risk had no status
        for risk in (state["risk"], state["before"]):
            if risk is not None:
                risk.pop("status")
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                       app.mapper.transcoder.encode(state))


def _history(app: Samverkan) -> dict[str, Any]:
    person = str(uuid4())
    with acting_as(person):
        plan = app.start_plan("Serviceplan", "Ramsjö", 2027, 2028).aggregate_id
        org = app.add_actor(plan, "Ljusdals kommun", "public").entity_id
        app.change_plan_details(plan, "Serviceplan Ramsjö", "Ramsjö")
        budget = app.create_budget(plan, "Budget").aggregate_id
        line = app.add_line(budget, "Lokalhyra", amounts={2027: 100}).entity_id
        app.set_share(budget, line, org, 5000)
        app.remove_line(budget, line)
        app.undo_last_change(budget)  # restores the line
        app.propose_budget(budget)
        app.record_decision(plan, date(2026, 3, 1), "Antas", "Budgeten antas.", [person], budget)
        revision = app.start_revision(budget).aggregate_id
        service = app.create_service(plan, "Servicepunkt", "Ramsjö").aggregate_id
        app.move_service_to(service, "proposed", "Byalaget vill.")
        app.define_kpi(service, "Besök", "besök", 600)
        app.define_kpi(service, "Besökare", "personer", by_gender=True)
        risk = app.record_risk(service, "Butiken stänger", 3, 5).entity_id
        app.record_risk(service, "Butiken stänger", 2, 5, risk_id=risk)
    return {"plan": plan, "budget": budget, "revision": revision, "line": line, "org": org,
            "service": service, "risk": risk}


def test_events_stored_in_the_old_shape_load_with_the_values_they_had_then(
        request: pytest.FixtureRequest) -> None:
    new = Samverkan(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    ids = _history(new)
    old = Samverkan(env=app_env())  # the store they are read back from
    request.addfinalizer(old.close)
    stored = new.recorder.select_notifications(start=1, limit=1000)
    old.recorder.insert_events([_in_the_old_shape(new, n) for n in stored])

    plan = old.load(Plan, ids["plan"])
    assert (plan.name, plan.description, plan.archived) == ("Serviceplan Ramsjö", "", False)
    assert plan.actors[ids["org"]]["left"] is False
    budget, revision = old.load(Budget, ids["budget"]), old.load(Budget, ids["revision"])
    assert budget.lines[ids["line"]]["kind"]["value"] == "cost"
    assert revision.lines[ids["line"]]["kind"]["value"] == "cost"
    events = list(old.events.get(budget.id))
    assert all(e.redoes is None for e in events)
    adopted = next(e for e in events if type(e).__name__ == "StatusChanged"
                   and e.status == "adopted")
    assert (adopted.decision, adopted.revision, adopted.superseded_by) == (None, None, None)
    restored = next(e for e in events if type(e).__name__ == "LineItemRestored")
    assert restored.line["kind"]["value"] == "cost"
    service = old.load(SharedService, ids["service"])
    assert service.risks[ids["risk"]]["status"] == "open"
    kpi, people = service.kpis.values()
    assert (kpi["baseline"], kpi["direction"]) == (None, "higher")
    # Before KPIs said so, only those followed up by gender were known to be about people.
    assert (kpi["about_people"], people["about_people"]) == (False, True)
    moved = next(e for e in old.events.get(service.id) if type(e).__name__ == "StageChanged")
    assert moved.reason == ""  # moves made before reasons were asked for

    runner = ProjectionRunner(old, views_engine(), PROJECTIONS)
    request.addfinalizer(runner.engine.dispose)
    runner.create_tables()
    runner.rebuild()
    with runner.engine.connect() as conn:
        sheet = queries.budget_sheet(conn, str(ids["revision"]))
        overview = queries.plan_overview(conn, str(ids["plan"]))
    assert [(ln["kind"], ln["kind_version"]) for ln in sheet.lines] == [("cost", 1)]
    assert (overview["description"], overview["actors"][0]["left"]) == ("", False)
    assert overview["gender_split_required"] is False
    assert sorted(k["about_people"] for k in overview["services"][0]["kpis"]) == [False, True]


def test_kpis_defined_in_the_second_shape_are_about_people_when_split_by_gender(
        request: pytest.FixtureRequest) -> None:
    """KpiDefined v2 (baseline and direction, but not yet `about_people`) upcasts to v3."""
    new = Samverkan(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    ids = _history(new)
    old = Samverkan(env=app_env())
    request.addfinalizer(old.close)
    stored = new.recorder.select_notifications(start=1, limit=1000)
    old.recorder.insert_events([_in_the_second_kpi_shape(new, n) for n in stored])
    kpis = old.load(SharedService, ids["service"]).kpis.values()
    assert sorted((k["by_gender"], k["about_people"]) for k in kpis) == [
        (False, False), (True, True)]


def _in_the_second_kpi_shape(app: Samverkan, stored: StoredEvent) -> StoredEvent:
    if not stored.topic.endswith("SharedService.KpiDefined"):
        return stored
    state: dict[str, Any] = app.mapper.transcoder.decode(stored.state)
    assert state.pop("class_version") == 3
    state["class_version"] = 2
    state.pop("about_people")
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                       app.mapper.transcoder.encode(state))


def test_snapshots_taken_in_the_old_shape_upcast_too() -> None:
    app = Samverkan(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    ids = _history(app)
    for cls, strip, key in ((Plan, _old_plan_state, "plan"), (Budget, _old_budget_state, "budget"),
                            (SharedService, _old_service_state, "service")):
        snapshot = Snapshot.take(app.load(cls, ids[key]))
        state = dict(snapshot.state)
        state.pop("class_version")
        strip(state)
        old = Snapshot(originator_id=snapshot.originator_id,
                       originator_version=snapshot.originator_version,
                       timestamp=snapshot.timestamp, topic=snapshot.topic, state=state)
        loaded = old.mutate(None)
        if cls is Plan:
            assert (loaded.description, loaded.archived) == ("", False)
            assert loaded.actors[ids["org"]]["left"] is False
            assert loaded.gender_split_required is False
        elif cls is SharedService:
            assert sorted((k["by_gender"], k["about_people"]) for k in loaded.kpis.values()) \
                == [(False, False), (True, True)]
            assert loaded.risks[ids["risk"]]["status"] == "open"
        else:
            assert loaded.lines[ids["line"]]["kind"]["value"] == "cost"


def _old_plan_state(state: dict[str, Any]) -> None:
    state.pop("gender_split_required")
    state.pop("description")
    state.pop("archived")
    state["actors"] = {k: {"name": v["name"], "sector": v["sector"]}
                       for k, v in state["actors"].items()}


def _old_service_state(state: dict[str, Any]) -> None:
    for kpi in state["kpis"].values():
        kpi.pop("about_people")
    for risk in state["risks"].values():
        risk.pop("status")


def _old_budget_state(state: dict[str, Any]) -> None:
    state["lines"] = {k: {f: v for f, v in line.items() if f != "kind"}
                      for k, line in state["lines"].items()}


def test_views_whose_tables_changed_shape_are_rebuilt_when_the_process_starts(
        request: pytest.FixtureRequest) -> None:
    app = Samverkan(env=app_env())
    request.addfinalizer(app.close)
    ids = _history(app)
    engine = views_engine()
    request.addfinalizer(engine.dispose)
    first = ProjectionRunner(app, engine, PROJECTIONS)
    first.create_tables()
    first.catch_up()
    with engine.begin() as conn:  # the budget sheet's lines as a version before kinds had them
        conn.execute(text("ALTER TABLE budget_line_view DROP COLUMN kind_version"))
        conn.execute(text("ALTER TABLE budget_line_view DROP COLUMN kind"))
    again = ProjectionRunner(app, engine, PROJECTIONS)
    again.create_tables()
    again.catch_up()
    with engine.connect() as conn:
        sheet = queries.budget_sheet(conn, str(ids["budget"]))
        plan = queries.plan_overview(conn, str(ids["plan"]))  # the others were left as they were
    assert [ln["kind"] for ln in sheet.lines] == ["cost"]
    assert plan["name"] == "Serviceplan Ramsjö"
