"""Time travel over HTTP: a budget as it stood after a change number or at a moment, the
difference between two, the JSON the meeting replay steps through, and bad parameters refused
with a page that says what is wrong."""

from __future__ import annotations

import re
from typing import Any
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
    """Erik changes the first line's second-year amount; the change numbers before and after."""
    app = demo_system.app
    budget = app.load(Budget, demo.budget_id)
    line = budget.order[0]
    with acting_as(_person(demo, "Erik Lindqvist")):
        saved = app.change_amount(demo.budget_id, line, budget.years[1], 4_242_00)
    return {"before": budget.version, "after": saved.version, "line": line,
            "year": budget.years[1], "label": budget.lines[line]["label"]["value"]}


def test_the_history_page_shows_the_budget_after_a_change_with_who_made_it_and_the_cell_marked(
        app: Flask, demo: DemoPlan, edited: dict[str, Any]) -> None:
    client = _client(app)
    page = client.get(f"/budgets/{demo.budget_id}/history?version={edited['after']}&lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"As it stood after change no. {edited['after']} of {edited['after']}" in text
    assert f"Erik Lindqvist (Region Gävleborg, public) changed {edited['label']} {edited['year']}" in text
    marked = re.findall(r'<td class="changed num" data-changed="cell">([^<]*)<', text)
    assert [m.strip() for m in marked] == ["4,242"]
    assert "(changed by this change)" in text
    earlier = client.get(f"/budgets/{demo.budget_id}/history?version={edited['before']}&lang=en")
    assert "4,242" not in earlier.get_data(as_text=True)
    assert f'href="/budgets/{demo.budget_id}"' in earlier.get_data(as_text=True)
    assert f'href="/budgets/{demo.budget_id}/changes"' in earlier.get_data(as_text=True)


def test_a_moment_shows_the_last_change_at_or_before_it(
        app: Flask, demo_system: System, demo: DemoPlan, edited: dict[str, Any]) -> None:
    events = list(demo_system.app.events.get(UUID(demo.budget_id), gt=edited["before"] - 1))
    moment = quote(events[0].timestamp.isoformat())
    reply = _client(app).get(f"/api/budgets/{demo.budget_id}/at?at={moment}")
    assert reply.status_code == 200
    assert reply.json["version"] == edited["before"]


def test_the_diff_page_lists_each_difference_and_change_with_who(
        app: Flask, demo: DemoPlan, edited: dict[str, Any]) -> None:
    page = _client(app).get(f"/budgets/{demo.budget_id}/diff?from={edited['before']}"
                            f"&to={edited['after']}&lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-diff="amount"' in text and "4,242\u00a0SEK" in text
    assert text.count('data-diff=') == 1
    assert (f"What differs between the budget after change no. {edited['before']} and after "
            f"change no. {edited['after']}") in text
    assert f"Erik Lindqvist (Region Gävleborg, public) changed {edited['label']} {edited['year']}" in text
    assert 'id="diff-from" name="from" type="number"' in text  # the range can be changed here


def test_the_replay_api_gives_the_sheet_the_change_and_the_cell_it_touched(
        app: Flask, demo: DemoPlan, edited: dict[str, Any]) -> None:
    client = _client(app)
    reply = client.get(f"/api/budgets/{demo.budget_id}/at?version={edited['after']}&lang=en")
    assert reply.status_code == 200
    body = reply.json
    assert (body["version"], body["latest"]) == (edited["after"], edited["after"])
    line = next(ln for ln in body["lines"] if ln["line_id"] == edited["line"])
    assert line["amounts"][str(edited["year"])]["amount"] == 4_242_00
    assert body["change"]["text"].startswith("Erik Lindqvist (Region Gävleborg, public) changed")
    assert body["change"]["touched"] == {"line_id": edited["line"], "state": "changed",
                                         "field": f"amount:{edited['year']}"}
    assert body["change"]["removed_line"] is None
    first = client.get(f"/api/budgets/{demo.budget_id}/at?version=1").json
    assert (first["version"], first["lines"], first["change"]["kind"]) == (1, [], "created")
    assert first["change"]["touched"] is None


def test_the_replay_api_says_which_line_was_added_and_keeps_a_removed_line_to_show(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    app_ = demo_system.app
    with acting_as(_person(demo, "Anna Berg")):
        line = app_.add_line(demo.budget_id, "Kaffehörna", "Drift").entity_id
        added = app_.load(Budget, demo.budget_id).version
        budget = app_.load(Budget, demo.budget_id)
        app_.change_amount(demo.budget_id, line, budget.years[0], 1_500_00)
        at = budget.order.index(line)
        removed = app_.remove_line(demo.budget_id, line).version
    client = _client(app)
    after_adding = client.get(f"/api/budgets/{demo.budget_id}/at?version={added}").json
    assert after_adding["change"]["touched"] == {"line_id": line, "field": None, "state": "added"}
    after_removing = client.get(f"/api/budgets/{demo.budget_id}/at?version={removed}").json
    assert after_removing["change"]["touched"] == {"line_id": line, "field": None,
                                                   "state": "removed"}
    gone = after_removing["change"]["removed_line"]
    assert (gone["line_id"], gone["label"], gone["position"]) == (line, "Kaffehörna", at)
    assert gone["amounts"][str(budget.years[0])]["amount"] == 1_500_00
    assert line not in {ln["line_id"] for ln in after_removing["lines"]}
    page = client.get(f"/budgets/{demo.budget_id}/history?version={removed}&lang=en").text
    assert "This change removed the line Kaffehörna" in page
    page = client.get(f"/budgets/{demo.budget_id}/history?version={added}&lang=en").text
    assert page.count('data-changed="added"') == 1 and "(added by this change)" in page


def test_services_and_commitments_at_a_change_number(app: Flask, demo_system: System,
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


# ---- bad parameters: a page with the message, never raw JSON ------------------------------

BAD_QUERIES = {
    "changes": ["before=abc", "before=0", "before=-1", f"before={2**64}", "before=1&before=2"],
    "history": ["version=abc", "version=0", "version=-3", "at=yesterday", "at=5",
                "version=2&at=2027-01-01T10:00", "version=1&version=2", "at=0001-01-01T00:00"],
    "diff": ["", "from=x", "from=1&to=never", "from=-1", "to=3", f"from={2**64}",
             "from=1&from=2", "from=9999-12-31T23:59"],
}


def _refused_as_a_page(reply: Any, budget_id: str) -> str:
    assert reply.mimetype == "text/html"  # a page, not raw JSON
    text = reply.get_data(as_text=True)
    assert "<h1>" in text and '"error"' not in text
    assert f'href="/budgets/{budget_id}/changes"' in text  # and a way on
    return text


@pytest.mark.parametrize(("page", "query"), [(p, q) for p, qs in BAD_QUERIES.items() for q in qs])
def test_bad_parameters_give_a_page_with_the_message(app: Flask, demo: DemoPlan, page: str,
                                                     query: str) -> None:
    reply = _client(app).get(f"/budgets/{demo.budget_id}/{page}?{query}&lang=en")
    assert reply.status_code == 400, (page, query)
    text = _refused_as_a_page(reply, demo.budget_id)
    assert "Some values are missing or invalid." in text and 'class="error-lines"' in text


@pytest.mark.parametrize("query", [
    "version=abc", "version=0", "version=-3", "at=yesterday", "at=5", "version=2&at=2027-01-01T10:00",
])
def test_the_replay_api_refuses_bad_parameters_as_json(app: Flask, demo: DemoPlan, query: str) -> None:
    api = _client(app).get(f"/api/budgets/{demo.budget_id}/at?{query}&lang=en")
    assert api.status_code == 400, query
    assert api.json["error"] == "invalid" and api.json["message"] and api.json["fields"]


def test_a_refusal_names_each_parameter_as_the_reader_knows_it(app: Flask, demo: DemoPlan) -> None:
    client = _client(app)
    page = client.get(f"/budgets/{demo.budget_id}/history?version=abc&lang=en").text
    assert "<li>change number: Not a valid integer.</li>" in page
    page = client.get(f"/budgets/{demo.budget_id}/diff?from=1&to=x&lang=en").text
    assert "<li>compare to: Give a change number or a date and time" in page


@pytest.mark.parametrize("page", ["history?version={n}", "diff?from={n}", "diff?from=1&to={n}"])
def test_a_change_number_beyond_the_latest_is_a_page_that_names_the_latest(
        app: Flask, demo_system: System, demo: DemoPlan, page: str) -> None:
    latest = demo_system.app.load(Budget, demo.budget_id).version
    beyond = latest + 1
    reply = _client(app).get(f"/budgets/{demo.budget_id}/{page.format(n=beyond)}&lang=en")
    assert reply.status_code == 404
    text = _refused_as_a_page(reply, demo.budget_id)
    assert f"There is no change no. {beyond}; the latest is change no. {latest}." in text
    api = _client(app).get(f"/api/budgets/{demo.budget_id}/at?version={beyond}")
    assert api.status_code == 404 and api.json["error"] == "not_found"


@pytest.mark.parametrize("page", ["history?at={at}", "diff?from={at}", "diff?from=1&to={at}"])
def test_a_moment_before_the_budget_existed_is_a_page_that_says_when_it_began(
        app: Flask, demo: DemoPlan, page: str) -> None:
    reply = _client(app).get(f"/budgets/{demo.budget_id}/{page.format(at='1990-01-01T00:00')}"
                             "&lang=en")
    assert reply.status_code == 404
    text = _refused_as_a_page(reply, demo.budget_id)
    assert "It did not exist yet at that moment." in text
    assert "The budget was created on" in text and "(change no. 1)" in text


def test_an_unknown_budget_is_a_page_without_links_to_it(app: Flask) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    for path in (f"/budgets/{missing}/history?version=1", f"/budgets/{missing}/changes",
                 f"/budgets/{missing}/diff?from=1", "/budgets/not-an-id/changes"):
        reply = _client(app).get(path + "&lang=en" if "?" in path else path + "?lang=en")
        assert reply.status_code == 404, path
        assert reply.mimetype == "text/html" and "No such budget." in reply.text
        assert f"/budgets/{missing}/changes" not in reply.text


def test_people_outside_the_plan_see_no_history(app: Flask, demo_system: System,
                                                demo: DemoPlan) -> None:
    demo_system.accounts.register("Olle Utomstående", "olle@example.org", "olle-password-1")
    client = app.test_client()
    assert sign_in(client, "olle@example.org", "olle-password-1").status_code == 302
    for path in (f"/budgets/{demo.budget_id}/history?version=1",
                 f"/budgets/{demo.budget_id}/diff?from=1",
                 f"/budgets/{demo.budget_id}/changes",
                 f"/api/budgets/{demo.budget_id}/at?version=1"):
        assert client.get(path).status_code == 403, path
    for path in (f"/budgets/{demo.budget_id}/history?version=999999",  # no oracle either
                 f"/budgets/{demo.budget_id}/history?at=1990-01-01T00:00"):
        assert client.get(path).status_code == 403, path
    assert app.test_client().get(f"/api/budgets/{demo.budget_id}/at?version=1").status_code == 401
