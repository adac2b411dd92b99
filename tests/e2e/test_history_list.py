"""The budget's history as a person follows it: changes newest first, by day (in the reader's
time zone) and person, each in words with its change number and a link to the budget after it,
a from/to picker that opens the diff, and pages that cost the same deep in a long history."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text

from adapters.bootstrap import System, bootstrap
from adapters.demo import DemoPlan
from domain.budgets import Budget
from domain.context import acting_as
from tests.e2e.auth_helpers import DEMO_EMAILS, sign_in
from tests.stores import store_settings
from web.app import create_app
from web.history_list import group

ROOT = Path(__file__).resolve().parents[2]
ENTRY = re.compile(r'<li data-change="(\d+)">')


def _client(app: Flask, name: str = "Gunnar Persson") -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, DEMO_EMAILS[name]).status_code == 302
    return client


def _person(demo: DemoPlan, name: str) -> str:
    return next(p.person_id for p in demo.people if p.name == name)


def _numbers(page: str) -> list[int]:
    return [int(n) for n in ENTRY.findall(page)]


@pytest.fixture
def edited(demo_system: System, demo: DemoPlan) -> dict[str, Any]:
    """Erik changes an amount, then Anna renames a line: the two newest changes."""
    app = demo_system.app
    budget = app.load(Budget, demo.budget_id)
    line = budget.order[0]
    with acting_as(_person(demo, "Erik Lindqvist")):
        erik = app.change_amount(demo.budget_id, line, budget.years[1], 4_242_00).version
    with acting_as(_person(demo, "Anna Berg")):
        anna = app.rename_line(demo.budget_id, line, "Inredning av servicepunkten").version
    demo_system.projections.wait(app.recorder.max_notification_id(), timeout=10)
    return {"erik": erik, "anna": anna, "line": line, "year": budget.years[1]}


def test_changes_are_listed_newest_first_by_day_and_person_in_words(
        app: Flask, demo: DemoPlan, edited: dict[str, Any]) -> None:
    page = _client(app).get(f"/budgets/{demo.budget_id}/changes?lang=en")
    assert page.status_code == 200
    text = page.text
    numbers = _numbers(text)
    assert len(numbers) == 50 and len(set(numbers)) == 50
    assert set(numbers) == set(range(edited["anna"] - 49, edited["anna"] + 1))  # the 50 newest
    assert re.search(r'<h2 id="day-1"><time datetime="\d{4}-\d\d-\d\d">\w+day, ', text)
    people = re.findall(r'<h3 id="day-1-person-\d+">([^<]+)</h3>', text)
    assert people[:2] == ["Anna Berg (Ljusdals kommun, public)",
                          "Erik Lindqvist (Region Gävleborg, public)"]
    assert len(people) == len(set(people))  # one group per person and organisation a day
    erik = text[text.index(f'<li data-change="{edited["erik"]}">'):]
    erik = erik[:erik.index("</li>")]
    assert f"Change no. {edited['erik']}" in erik
    assert re.search(rf'history-what">changed [^<]+ {edited["year"]} from [^<]+ to 4,242\u00a0SEK<', erik)
    assert "Erik Lindqvist" not in erik  # said once, in the group's heading
    assert f'href="/budgets/{demo.budget_id}/history?version={edited["erik"]}"' in erik
    anna = text[text.index(f'<li data-change="{edited["anna"]}">'):]
    assert "renamed the line" in anna[:anna.index("</li>")]


def test_the_picker_has_a_labelled_from_and_to_choice_per_change_and_opens_the_diff(
        app: Flask, demo: DemoPlan, edited: dict[str, Any]) -> None:
    client = _client(app)
    text = client.get(f"/budgets/{demo.budget_id}/changes?lang=en").text
    form = re.search(r'<form method="get" action="([^"]+)" class="history-list"', text)
    assert form and form.group(1) == f"/budgets/{demo.budget_id}/diff"
    for side in ("from", "to"):
        radios = re.findall(rf'<label><input type="radio" name="{side}" value="(\d+)"( checked)?> '
                            rf'{side}<span class="visually-hidden"> change no. (\d+)</span></label>', text)
        assert len(radios) == 50 and all(value == named for value, _, named in radios)
        checked = [int(value) for value, mark, _ in radios if mark]
        assert checked == [edited["erik"] if side == "from" else edited["anna"]]
    diff = client.get(f"/budgets/{demo.budget_id}/diff?from={edited['erik']}&to={edited['anna']}"
                      "&lang=en")
    assert diff.status_code == 200 and 'data-diff="renamed"' in diff.text


def test_older_changes_are_paged_by_a_cursor_until_the_first(
        app: Flask, demo_system: System, demo: DemoPlan, edited: dict[str, Any]) -> None:
    client, seen, path = _client(app), [], f"/budgets/{demo.budget_id}/changes?lang=en"
    while path:
        page = client.get(path)
        assert page.status_code == 200
        numbers = _numbers(page.text)
        assert 0 < len(numbers) <= 50
        seen += numbers
        older = re.search(r'<a rel="next" data-part="older" href="([^"]+)"', page.text)
        path = older and older.group(1).replace("&amp;", "&")
    assert sorted(seen) == list(range(1, edited["anna"] + 1))
    assert "Newest changes" in page.text  # the way back from a later page


def test_days_follow_the_readers_time_zone(app: Flask) -> None:
    """23:59 and 00:01 in Stockholm are two days, though both are 2026-12-02 in UTC."""
    def row(position: int, at: str, person: str) -> dict[str, Any]:
        return {"position": position, "recorded_at": at, "person_id": person, "org_id": None,
                "org_name": None, "sector": None, "aggregate_type": "budget",
                "aggregate_version": position, "event_type": "LineItemAmountChanged",
                "subject_name": "Lokalhyra", "aggregate_name": "Budget",
                "details": '{"year": 2027, "amount": 100, "before": 0}'}

    rows = [row(3, "2026-12-02T23:01:00.000000+00:00", "b"),
            row(2, "2026-12-02T22:59:00.000000+00:00", "a"),
            row(1, "2026-12-02T22:58:00.000000+00:00", "b")]
    with app.test_request_context("/?lang=en"):
        from flask_babel import get_timezone

        days = group(rows, {"a": "Anna", "b": "Bo"}, {}, get_timezone())
    assert [str(d.day) for d in days] == ["2026-12-03", "2026-12-02"]
    assert [[p.who for p in d.people] for d in days] == [["Bo"], ["Anna", "Bo"]]
    assert days[0].people[0].entries[0].what == "changed Lokalhyra 2027 from 0\u00a0SEK to 1\u00a0SEK"


# ---- a long history -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def long_history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A budget of 10 000 changes, made by the benchmarks' own filler, read by a member."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from bench_core import long_budget
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    data = tmp_path_factory.mktemp("long") / "var"
    facilitator, plan_id, budget_id = long_budget(data, 10_000, store_settings(data))
    system = bootstrap(store_settings(data))
    system.start()
    reader = system.accounts.register("Rut Läsare", "rut@example.org", "rut-password-1")
    with acting_as(facilitator):
        system.app.add_member(plan_id, reader, "observer")
    system.projections.wait(system.app.recorder.max_notification_id(), timeout=120)
    app = create_app({"SYSTEM": system, "TESTING": True, "SECRET_KEY": "test"})
    client = app.test_client()
    assert sign_in(client, "rut@example.org", "rut-password-1").status_code == 302
    try:
        yield {"system": system, "client": client, "budget_id": str(budget_id)}
    finally:
        system.close()


def _position_of(system: System, budget_id: str, version: int) -> int:
    with system.engine.connect() as conn:
        return conn.execute(text("SELECT position FROM audit_log_view WHERE aggregate_id = :a "
                                 "AND aggregate_version = :v"), {"a": budget_id, "v": version}).scalar()


def _audit_query_plans(system: System, client: FlaskClient, path: str) -> tuple[Any, list[str]]:
    """The page, and the store's plan for every query it made on the audit view."""
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "audit_log_view" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(system.engine, "before_cursor_execute", seen)
    try:
        page = client.get(path)
    finally:
        event.remove(system.engine, "before_cursor_execute", seen)
    plans = []
    explain = "EXPLAIN QUERY PLAN" if system.engine.dialect.name == "sqlite" else "EXPLAIN"
    with system.engine.connect() as conn:
        for statement, parameters in statements:
            rows = conn.exec_driver_sql(f"{explain} {statement}", parameters).all()
            plans.append(" | ".join(str(r[-1]) for r in rows))
    return page, plans


def _reads_along_the_index(plan: str) -> bool:
    """An index search along the position, never a scan of the table or a sort (in SQLite's
    words or PostgreSQL's)."""
    if "Index Scan" in plan or "Index Only Scan" in plan:  # PostgreSQL
        return "ix_audit_plan_aggregate_id" in plan and "Seq Scan" not in plan and "Sort" not in plan
    return (("USING INDEX ix_audit_plan_aggregate_id" in plan or "USING COVERING INDEX" in plan)
            and "SCAN" not in plan and "TEMP B-TREE" not in plan)


@pytest.mark.slow
def test_a_page_deep_in_a_ten_thousand_change_history_reads_only_its_own_rows(
        long_history: dict[str, Any]) -> None:
    system, client, budget_id = (long_history[k] for k in ("system", "client", "budget_id"))
    first, first_plans = _audit_query_plans(system, client, f"/budgets/{budget_id}/changes?lang=en")
    assert first.status_code == 200
    assert _numbers(first.text)[0] == 10_000 and len(_numbers(first.text)) == 50
    deep = _position_of(system, budget_id, 61)
    page, plans = _audit_query_plans(system, client,
                                     f"/budgets/{budget_id}/changes?before={deep}&lang=en")
    assert page.status_code == 200
    assert sorted(_numbers(page.text)) == list(range(11, 61))
    assert plans and first_plans
    for plan in plans + first_plans:
        assert _reads_along_the_index(plan), plan
