"""The audit exports for analysis: every column, numbers as numbers in CSV (in the reader's
dialect) and xlsx, local times with their offset, and what a change is about."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.context import acting_as
from projections import queries
from tests.e2e.auth_helpers import sign_in
from tests.e2e.demo_years import Y1
from web.audit_export import EXPORT_COLUMNS, local_time

ANNA = "anna.berg@ljusdal.example.se"
COMMAND = "5f0c3c1e-2f4b-4c8e-9d7a-0b1e2c3d4e5f"
OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, ANNA).status_code == 302
    return client


@pytest.fixture
def changed(demo_system: System, demo: DemoPlan) -> dict[str, Any]:
    """Anna (for Ljusdals kommun) changes an amount from 40 000 to 48 000,50 kr and another organisation's
    share of the same line, each under a command id of its own."""
    system = demo_system
    anna = next(p for p in demo.people if p.email == ANNA)
    with system.engine.connect() as conn:
        line = queries.budget_sheet(conn, demo.budget_id).lines[0]
        actors = {a["name"]: a["actor_id"] for a in queries.actors(conn, demo.plan_id)}
    own = actors[anna.org_name]
    # the other organisation: one with a person of its own in the demo (Region Gävleborg)
    other = next(p for p in demo.people if p.org_name and p.org_name != anna.org_name)
    owner_name, owner = other.org_name, actors[other.org_name]
    with acting_as(anna.person_id, own):
        system.app.change_amount(demo.budget_id, line["line_id"], Y1, 4_000_000)
    with acting_as(anna.person_id, own, COMMAND):
        system.app.change_amount(demo.budget_id, line["line_id"], Y1, 4_800_050)
    with acting_as(anna.person_id, own, "share-" + COMMAND[6:]):
        system.app.set_share(demo.budget_id, line["line_id"], owner, 1_000)
    system.projections.wait(system.app.recorder.max_notification_id(), timeout=10)
    return {"line": line, "own": own, "own_name": anna.org_name, "owner": owner,
            "owner_name": owner_name, "plan": demo.plan_id, "person": anna.person_id,
            "owner_person": other.person_id}


def _csv(client: FlaskClient, plan_id: str, query: str) -> tuple[str, list[dict[str, str]]]:
    reply = client.get(f"/plans/{plan_id}/audit.csv?{query}")
    assert reply.status_code == 200
    raw = reply.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    text = raw.decode("utf-8-sig")
    delimiter = ";" if "lang=sv" in query or "lang=nb" in query else ","
    return text, list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def _newest(rows: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(r for r in rows if r["kind"] == kind)


def test_the_swedish_csv_has_semicolons_and_decimal_commas_that_read_back_as_numbers(
        client: FlaskClient, changed: dict[str, Any]) -> None:
    text, rows = _csv(client, changed["plan"], "lang=sv&heads=names")
    assert text.splitlines()[0].split(";") == [f'"{c}"' for c in EXPORT_COLUMNS]
    amount = _newest(rows, "LineItemAmountChanged")
    assert int(amount["after_ore"]) == 4_800_050 and int(amount["position"]) > 0
    assert Decimal(amount["after_kr"].replace(",", ".")) == Decimal("48000.50")
    assert int(amount["year"]) == Y1 and amount["field"] == "amount"
    assert amount["command_id"] == COMMAND
    # written bare, so that Excel set to Swedish or Norwegian reads them as numbers
    line = next(ln for ln in text.splitlines() if f'"{COMMAND}"' in ln)
    assert ";4800050;" in line and ";48000,50;" in line
    # the reader's words in the head row unless the machine names are asked for
    swedish_heads = text_heads(client, changed["plan"], "lang=sv")
    assert swedish_heads[:3] == ["Position", "Tid", "Person-id"] and "Efter (kr)" in swedish_heads
    assert text_heads(client, changed["plan"], "lang=nb")[1] == "Tid"


def text_heads(client: FlaskClient, plan_id: str, query: str) -> list[str]:
    return next(csv.reader(io.StringIO(_csv(client, plan_id, query)[0]), delimiter=";"))


def test_the_english_csv_has_commas_and_decimal_points(
        client: FlaskClient, changed: dict[str, Any]) -> None:
    text, rows = _csv(client, changed["plan"], "lang=en")
    heads = next(csv.reader(io.StringIO(text)))
    assert heads[:3] == ["Position", "Time", "Person id"]
    amount = dict(zip(EXPORT_COLUMNS, next(
        r for r in csv.reader(io.StringIO(text), quoting=csv.QUOTE_NONNUMERIC)
        if COMMAND in r), strict=True))
    # QUOTE_NONNUMERIC reads every bare cell as a number: these are numbers in the file
    assert amount["after_ore"] == 4_800_050 and amount["after_kr"] == 48000.5
    assert amount["year"] == Y1 and isinstance(amount["position"], float)
    assert len(rows) == len(text.splitlines()) - 1


def test_times_are_local_with_their_offset(
        client: FlaskClient, demo_system: System, changed: dict[str, Any]) -> None:
    _, rows = _csv(client, changed["plan"], "lang=en&heads=names")
    assert rows and all(OFFSET.match(r["time"]) for r in rows)
    with demo_system.engine.connect() as conn:
        stored = queries.audit_entries(conn, changed["plan"], limit=1)[0]
    newest = rows[0]
    assert int(newest["position"]) == stored["position"]
    expected = datetime.fromisoformat(stored["recorded_at"]).astimezone(ZoneInfo("Europe/Stockholm"))
    assert datetime.fromisoformat(newest["time"]) == expected.replace(microsecond=0)
    assert newest["time"].endswith(expected.isoformat()[-6:])  # the offset Stockholm had then


def test_a_summer_time_reads_with_the_summer_offset(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        assert local_time("2027-07-01T12:00:00.000000+00:00") == "2027-07-01T14:00:00+02:00"
        assert local_time("2027-01-01T12:00:00.000000+00:00") == "2027-01-01T13:00:00+01:00"


def test_a_share_change_names_its_line_and_the_organisation_it_is_about(
        client: FlaskClient, changed: dict[str, Any]) -> None:
    reply = client.get(f"/plans/{changed['plan']}/audit.json?kind=shares&lang=en")
    share = json.loads(reply.get_data(as_text=True))[0]
    assert share["kind"] == "CostShareChanged" and share["field"] == "share"
    assert (share["subject_type"], share["subject_id"], share["subject"]) == (
        "line", changed["line"]["line_id"], changed["line"]["label"])
    assert (share["about_org_id"], share["about_organisation"]) == (
        changed["owner"], changed["owner_name"])
    assert (share["org_id"], share["organisation"]) == (changed["own"], changed["own_name"])
    assert share["person_id"] == changed["person"] and share["person"] == "Anna Berg"
    assert share["before_ore"] is None and share["after"] == "10\u00a0%"
    assert share["command_id"] == "share-" + COMMAND[6:]
    amount = json.loads(client.get(f"/plans/{changed['plan']}/audit.json?kind=amounts")
                        .get_data(as_text=True))[0]
    assert (amount["before_ore"], amount["after_ore"]) == (4_000_000, 4_800_050)
    assert (amount["before_kr"], amount["after_kr"]) == (40000, 48000.5)  # numbers, not text
    assert amount["year"] == Y1


def test_the_xlsx_export_opens_with_numbers_in_number_cells(
        client: FlaskClient, changed: dict[str, Any]) -> None:
    reply = client.get(f"/plans/{changed['plan']}/audit.xlsx?lang=sv")
    assert reply.status_code == 200 and reply.is_streamed
    assert reply.headers["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(reply.get_data()))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Position", "Tid")
    index = {c: i for i, c in enumerate(EXPORT_COLUMNS)}
    amount = next(r for r in rows[1:] if r[index["command_id"]] == COMMAND)
    assert amount[index["after_ore"]] == 4_800_050 and amount[index["year"]] == Y1
    assert amount[index["after_kr"]] == pytest.approx(48000.5)
    assert isinstance(amount[index["position"]], int)
    kronor = sheet.cell(rows.index(amount) + 1, index["after_kr"] + 1)
    assert kronor.data_type == "n" and kronor.number_format == '#,##0.00 "kr"'
    assert all(OFFSET.match(r[index["time"]]) for r in rows[1:])


def test_a_commitments_changes_are_about_its_organisation_and_money_is_in_ore(
        client: FlaskClient, demo_system: System, changed: dict[str, Any]) -> None:
    app = demo_system.app
    with acting_as(changed["owner_person"], changed["owner"]):
        pledge = app.pledge(changed["plan"], changed["owner"], "money", 250_075, date.today(),
                            "=Kaffe till byafesten", budget_id=changed["line"]["budget_id"],
                            line_id=changed["line"]["line_id"])
        confirmed = app.confirm_commitment(pledge.aggregate_id)
    demo_system.projections.wait(confirmed.positions[-1], timeout=10)
    reply = client.get(f"/plans/{changed['plan']}/audit.json?kind=commitments&lang=en")
    confirm, create = json.loads(reply.get_data(as_text=True))[:2]
    for row in (confirm, create):
        assert (row["about_org_id"], row["about_organisation"]) == (
            changed["owner"], changed["owner_name"])
        assert (row["aggregate_type"], row["aggregate_id"]) == ("commitment", str(pledge.aggregate_id))
    # a pledge toward a line is about that line; its confirmation about the commitment itself
    assert (create["subject_type"], create["subject_id"]) == ("line", changed["line"]["line_id"])
    assert (confirm["subject_type"], confirm["subject_id"]) == ("commitment", str(pledge.aggregate_id))
    assert (create["before_ore"], create["after_ore"], create["after_kr"]) == (None, 250_075, 2500.75)
    assert confirm["kind"] == "Confirmed" and confirm["after_ore"] is None


def test_a_member_change_about_an_erased_person_shows_them_as_erased(
        client: FlaskClient, demo_system: System, demo: DemoPlan) -> None:
    erik = next(p for p in demo.people if p.email.startswith("erik"))
    demo_system.erase_person(erik.person_id)
    reply = client.get(f"/plans/{demo.plan_id}/audit.json?kind=members&lang=en")
    text = reply.get_data(as_text=True)
    about_erik = [r for r in json.loads(text) if r["subject_id"] == erik.person_id]
    assert about_erik and {r["subject"] for r in about_erik} == {
        f"erased person #{erik.person_id[:8]}"}
    assert {r["subject_type"] for r in about_erik} == {"person"}
    assert "Lindqvist" not in text
