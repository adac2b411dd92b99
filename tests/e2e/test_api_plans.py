"""The JSON a client without a browser starts from: one's plans, and a plan's budgets."""

from __future__ import annotations

import uuid

from flask import Flask

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from tests.e2e.auth_helpers import DEMO_PASSWORD, sign_in
from tests.e2e.live_helpers import person_named


def test_a_person_lists_their_plans_with_their_role(app: Flask, demo: DemoPlan) -> None:
    http = app.test_client()
    sign_in(http, person_named(demo, "Gunnar Persson").email)
    reply = http.get("/api/plans")
    assert reply.status_code == 200
    [plan] = reply.get_json()["plans"]
    assert plan["plan_id"] == demo.plan_id and plan["role"] == "observer"
    assert plan["budgets"] >= 1 and plan["start_year"] <= plan["end_year"]
    assert set(plan) == {"plan_id", "name", "place", "start_year", "end_year", "role", "budgets"}


def test_a_member_reads_a_plans_organisations_and_budgets(app: Flask, demo: DemoPlan) -> None:
    http = app.test_client()
    sign_in(http, person_named(demo, "Erik Lindqvist").email)
    body = http.get(f"/api/plans/{demo.plan_id}").get_json()
    assert body["plan"]["plan_id"] == demo.plan_id
    assert body["plan"]["gender_split_required"] is True  # the demo requires the split
    assert body["you"]["role"] == "representative" and body["you"]["org_id"]
    assert {o["name"] for o in body["organisations"]} >= {"Ljusdals kommun", "Region Gävleborg"}
    budget = next(b for b in body["budgets"] if b["budget_id"] == demo.budget_id)
    assert budget["status"] == "draft" and budget["revision"] >= 1 and budget["version"] > 0
    assert http.get(f"/api/budgets/{budget['budget_id']}/sheet").status_code == 200


def test_a_plan_is_refused_to_a_non_member_and_unknown_plans_are_not_found(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    demo_system.accounts.register("Olle", "olle@example.org", DEMO_PASSWORD)
    http = app.test_client()
    sign_in(http, "olle@example.org")
    assert http.get("/api/plans").get_json() == {"plans": []}
    refused = http.get(f"/api/plans/{demo.plan_id}")
    assert refused.status_code == 403 and refused.get_json()["error"] == "not_allowed"
    assert http.get(f"/api/plans/{uuid.uuid4()}").status_code == 404
    assert app.test_client().get("/api/plans").status_code == 401


def test_an_api_token_lists_plans_too(app: Flask, demo: DemoPlan, demo_system: System) -> None:
    _, secret = demo_system.tokens.issue(person_named(demo, "Anna Berg").person_id, "script")
    reply = app.test_client().get("/api/plans", headers={"Authorization": f"Bearer {secret}"})
    assert reply.status_code == 200 and reply.get_json()["plans"][0]["role"] == "facilitator"
