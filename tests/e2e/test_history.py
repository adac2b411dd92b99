"""Time travel over HTTP: a budget as it stood, the difference between two versions, and the
JSON the meeting replay steps through."""

from __future__ import annotations

from urllib.parse import quote
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.budgets import Budget
from domain.context import acting_as
from domain.plans import Plan
from tests.e2e.auth_helpers import DEMO_EMAILS, sign_in


def _client(app: Flask, name: str = "Gunnar Persson") -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, DEMO_EMAILS[name]).status_code == 302
    return client


def _person(demo: DemoPlan, name: str) -> str:
    return next(p.person_id for p in demo.people if p.name == name)


@pytest.fixture
def edited(demo_system: System, demo: DemoPlan) -> dict[str, int | str]:
    """Erik changes the first line's 2028 amount; the versions before and after."""
    app = demo_system.app
    budget = app.load(Budget, demo.budget_id)
    line = budget.order[0]
    with acting_as(_person(demo, "Erik Lindqvist")):
        saved = app.change_amount(demo.budget_id, line, 2028, 4_242_00)
    return {"before": budget.version, "after": saved.version, "line": line,
            "label": budget.lines[line]["label"]["value"]}


def test_the_history_page_shows_the_budget_as_it_stood_with_who_made_that_version(
        app: Flask, demo: DemoPlan, edited: dict[str, int | str]) -> None:
    client = _client(app)
    page = client.get(f"/budgets/{demo.budget_id}/history?version={edited['after']}&lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"As it stood at version {edited['after']} of {edited['after']}" in text
    assert "Erik Lindqvist (Region Gävleborg) changed" in text
    assert "4,242" in text
    earlier = client.get(f"/budgets/{demo.budget_id}/history?version={edited['before']}&lang=en")
    assert "4,242" not in earlier.get_data(as_text=True)
    assert f'href="/budgets/{demo.budget_id}"' in earlier.get_data(as_text=True)


def test_a_moment_shows_the_last_version_at_or_before_it(
        app: Flask, demo_system: System, demo: DemoPlan, edited: dict[str, int | str]) -> None:
    events = list(demo_system.app.events.get(UUID(demo.budget_id), gt=edited["before"] - 1))
    moment = quote(events[0].timestamp.isoformat())
    reply = _client(app).get(f"/api/budgets/{demo.budget_id}/at?at={moment}")
    assert reply.status_code == 200
    assert reply.json["version"] == edited["before"]


def test_the_diff_page_lists_each_difference_and_change_with_who(
        app: Flask, demo: DemoPlan, edited: dict[str, int | str]) -> None:
    page = _client(app).get(f"/budgets/{demo.budget_id}/diff?from={edited['before']}"
                            f"&to={edited['after']}&lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-diff="amount"' in text and "4,242\u00a0SEK" in text
    assert text.count('data-diff=') == 1
    assert f"Erik Lindqvist (Region Gävleborg) changed {edited['label']} 2028" in text


def test_the_replay_api_gives_the_sheet_and_the_change_at_each_version(
        app: Flask, demo: DemoPlan, edited: dict[str, int | str]) -> None:
    client = _client(app)
    reply = client.get(f"/api/budgets/{demo.budget_id}/at?version={edited['after']}&lang=en")
    assert reply.status_code == 200
    body = reply.json
    assert (body["version"], body["latest"]) == (edited["after"], edited["after"])
    line = next(ln for ln in body["lines"] if ln["line_id"] == edited["line"])
    assert line["amounts"]["2028"]["amount"] == 4_242_00
    assert body["change"]["text"].startswith("Erik Lindqvist (Region Gävleborg) changed")
    first = client.get(f"/api/budgets/{demo.budget_id}/at?version=1").json
    assert (first["version"], first["lines"], first["change"]["kind"]) == (1, [], "created")


def test_services_and_commitments_at_a_version(app: Flask, demo_system: System,
                                               demo: DemoPlan) -> None:
    client = _client(app)
    plan = demo_system.app.load(Plan, demo.plan_id)
    from projections import queries

    with demo_system.engine.connect() as conn:
        service = queries.services_catalogue(conn, demo.plan_id)[0]["service_id"]
        commitment = queries.commitments_ledger(conn, demo.plan_id)[0]["commitment_id"]
    reply = client.get(f"/api/services/{service}/at?version=1")
    assert reply.status_code == 200
    assert reply.json["state"]["version"] == 1 and reply.json["state"]["plan_id"] == plan.plan_id
    reply = client.get(f"/api/commitments/{commitment}/at?version=1")
    assert reply.status_code == 200 and reply.json["state"]["status"] == "pledged"


@pytest.mark.parametrize("query", [
    "version=abc", "version=0", "version=-3", "at=yesterday", "at=5", "version=2&at=2027-01-01T10:00",
])
def test_bad_parameters_are_refused_with_a_message(app: Flask, demo: DemoPlan, query: str) -> None:
    client = _client(app)
    for path in (f"/api/budgets/{demo.budget_id}/at", f"/budgets/{demo.budget_id}/history"):
        reply = client.get(f"{path}?{query}")
        assert reply.status_code == 400, (path, query)
        assert reply.json["error"] == "invalid" and reply.json["message"]


@pytest.mark.parametrize("query", ["", "from=x", "from=1&to=never"])
def test_a_diff_needs_a_valid_from(app: Flask, demo: DemoPlan, query: str) -> None:
    reply = _client(app).get(f"/budgets/{demo.budget_id}/diff?{query}")
    assert reply.status_code == 400


def test_a_version_that_does_not_exist_is_not_found(app: Flask, demo: DemoPlan) -> None:
    client = _client(app)
    assert client.get(f"/api/budgets/{demo.budget_id}/at?version=999999").status_code == 404
    assert client.get(f"/budgets/{demo.budget_id}/history?at=1990-01-01T00:00").status_code == 404


def test_people_outside_the_plan_see_no_history(app: Flask, demo_system: System,
                                                demo: DemoPlan) -> None:
    demo_system.accounts.register("Olle Utomstående", "olle@example.org", "olle-password-1")
    client = app.test_client()
    assert sign_in(client, "olle@example.org", "olle-password-1").status_code == 302
    for path in (f"/budgets/{demo.budget_id}/history?version=1",
                 f"/budgets/{demo.budget_id}/diff?from=1",
                 f"/api/budgets/{demo.budget_id}/at?version=1"):
        assert client.get(path).status_code == 403, path
    assert app.test_client().get(f"/api/budgets/{demo.budget_id}/at?version=1").status_code == 401
