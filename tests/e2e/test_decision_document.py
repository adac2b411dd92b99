"""The decision document, HTML and PDF: what was adopted, with the figures read back out of
the PDF, nothing printed over anything else, long tables across pages with their headings."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from adapters.pdf import PrintedDocument, PrintedTable, dejavu_fonts, render_pdf
from domain.budgets import Budget
from domain.context import acting_as
from projections import queries
from projections.decisions import decision_by_id
from tests.e2e.auth_helpers import DEMO_EMAILS, sign_in
from tests.e2e.pdf_reading import html_rows, overlapping_text, pdf_lines, pdf_pages, plain, text_boxes

SECTORS = {"public": "public", "private": "private", "academic": "academic",
           "voluntary": "voluntary"}


def kr(ore: int) -> str:
    """Öre as an English page prints a figure in a table: "1,295,000", "−1,200.50"."""
    kronor, rest = divmod(abs(ore), 100)
    text = f"{kronor:,}" + (f".{rest:02d}" if rest else "")
    return ("−" if ore < 0 else "") + text


def _person(demo: DemoPlan, name: str) -> str:
    return next(p.person_id for p in demo.people if p.name.startswith(name))


@pytest.fixture
def adopted(demo_system: System, demo: DemoPlan) -> dict[str, Any]:
    """The demo budget with an income line the municipality receives, proposed and adopted by
    a decision; afterwards a commitment is confirmed, an organisation renamed and an
    attendee erased (none of which changes what was adopted, only the names shown)."""
    app, anna = demo_system.app, _person(demo, "Anna")
    budget = app.load(Budget, demo.budget_id)
    actors = {a["name"]: a["actor_id"] for a in _actors(demo_system, demo)}
    with acting_as(anna):
        fees = app.add_line(demo.budget_id, "Paketavgifter", "Intäkter", kind="income").entity_id
        app.change_amount(demo.budget_id, fees, budget.years[0], 4_500_050)
        app.change_amount(demo.budget_id, fees, budget.years[1], 3_000_000)
        app.set_share(demo.budget_id, fees, actors["Ljusdals kommun"], 10_000)
        app.propose_budget(demo.budget_id)
        saved = app.record_decision(demo.plan_id, date.today(), "Budgeten för Ramsjö antas",
                                    "Mötet antar budgeten.\nKommunen tar emot paketavgifterna.",
                                    [anna, _person(demo, "Erik")], demo.budget_id)
    demo_system.projections.wait(saved.positions[-1], timeout=10)
    with demo_system.engine.connect() as conn:
        sheet = queries.budget_sheet(conn, demo.budget_id)  # the figures at the decision
        decision = decision_by_id(conn, str(saved.aggregate_id))
    with acting_as(anna):  # later: a new confirmed commitment does not change the decision
        pledge = app.pledge(demo.plan_id, actors["Ljusdals kommun"], "money", 7_700_000,
                            date.today(), "Extra", value_ore=7_700_000, budget_id=demo.budget_id,
                            line_id=budget.order[0])
        app.confirm_commitment(pledge.aggregate_id)
        renamed = app.change_actor(demo.plan_id, actors["Region Gävleborg"], "Region Gävleborg (RG)",
                                   "public")
    demo_system.projections.wait(renamed.positions[-1], timeout=10)
    demo_system.erase_person(_person(demo, "Erik"))
    return {"id": decision["decision_id"], "sheet": sheet, "decision": decision,
            "erik": _person(demo, "Erik")}


def _actors(system: System, demo: DemoPlan) -> list[dict[str, Any]]:
    with system.engine.connect() as conn:
        return queries.actors(conn, demo.plan_id)


@pytest.fixture
def anna(app: Flask) -> FlaskClient:
    client = app.test_client()
    sign_in(client, DEMO_EMAILS["Anna Berg"])
    return client


def _expected_rows(sheet: Any) -> list[list[str]]:
    """The rows the document must print: each organisation's net per year and in all, each
    sector's costs, income and net, the totals per year, the commitments and the gap."""
    years = sheet.years
    rows = []
    for actor in sheet.actors:
        entry = sheet.by_actor[actor["actor_id"]]
        if entry["costs"] or entry["income"]:
            name = "Region Gävleborg (RG)" if entry["name"] == "Region Gävleborg" else entry["name"]
            rows.append([name, SECTORS[entry["sector"]],
                         *(kr(entry["years"][y]["net"]) for y in years), kr(entry["net"])])
    for sector, f in sheet.sectors.items():
        rows.append([SECTORS[sector], kr(f["costs"]), kr(f["income"]), kr(f["net"])])
    for label, key, total in (("Costs", "costs", sheet.costs), ("Income", "income", sheet.income),
                              ("Net cost", "net", sheet.net),
                              ("Confirmed commitments", "committed", sheet.committed),
                              ("Funding gap", "gap", sheet.funding_gap)):
        rows.append([label, *(kr(sheet.by_year[y][key]) for y in years), kr(total)])
    return rows


def test_the_pdf_carries_each_organisations_kronor_per_year_the_totals_and_the_gap(
        anna: FlaskClient, adopted: dict[str, Any]) -> None:
    reply = anna.get(f"/decisions/{adopted['id']}.pdf?lang=en")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    lines = pdf_lines(reply.get_data())
    sheet = adopted["sheet"]
    assert sheet.income == 7_500_050 and sheet.committed > 0  # the figures are not trivial
    missing = [row for row in _expected_rows(sheet) if " ".join(row) not in lines]
    assert missing == []
    text = "\n".join(lines)
    assert "Paketavgifter 45,000.50 30,000 0 75,000.50" in text  # the income line, apart
    assert text.index("Income\nAmounts in SEK") > text.index("Total costs")
    assert "Budget 2026–2028, revision 1" in text or "revision 1 (change no." in text
    assert f"erased person #{adopted['erik'][:8]}" in text and "Erik Lindqvist" not in text


def test_the_pdf_carries_the_history_digest_at_the_decision(anna, adopted, demo_system) -> None:
    from projections.chain import checkpoint_at

    with demo_system.engine.connect() as conn:
        checkpoint = checkpoint_at(conn, adopted["decision"]["position"])
    assert checkpoint is not None
    body = anna.get(f"/decisions/{adopted['id']}.pdf?lang=en").get_data()
    squeezed = "".join("".join(pdf_pages(body)).split())
    assert f"#{checkpoint['position']}–SHA-256{checkpoint['link']}" in squeezed


def test_no_text_in_the_decision_pdf_is_printed_over_other_text(anna, adopted) -> None:
    for lang in ("sv", "nb", "en"):
        body = anna.get(f"/decisions/{adopted['id']}.pdf?lang={lang}").get_data()
        assert overlapping_text(body) == [], lang


def test_the_html_document_has_the_same_figures(anna: FlaskClient, adopted: dict[str, Any]) -> None:
    page = anna.get(f"/decisions/{adopted['id']}?lang=en").get_data(as_text=True)
    rows = html_rows(page)
    missing = [row for row in _expected_rows(adopted["sheet"]) if row not in rows]
    assert missing == []
    assert ["Paketavgifter", "45,000.50", "30,000", "0", "75,000.50"] in rows
    assert f"erased person #{adopted['erik'][:8]}" in page


def test_a_swedish_document_prints_kronor_the_swedish_way(anna, adopted) -> None:
    body = anna.get(f"/decisions/{adopted['id']}.pdf?lang=sv").get_data()
    text = "\n".join(pdf_lines(body))
    gap = adopted["sheet"].funding_gap
    kronor, rest = divmod(gap, 100)
    swedish = f"{kronor:,}".replace(",", " ") + (f",{rest:02d}" if rest else "")
    assert swedish in plain(text) and kr(gap) not in text


def test_a_decision_without_a_budget_has_no_budget_tables(anna, demo, demo_system) -> None:
    with acting_as(_person(demo, "Anna")):
        saved = demo_system.app.record_decision(demo.plan_id, date.today(), "Öppettider",
                                                "Öppet måndag–lördag.", [_person(demo, "Anna")])
    demo_system.projections.wait(saved.positions[-1], timeout=5)
    page = anna.get(f"/decisions/{saved.aggregate_id}?lang=en").get_data(as_text=True)
    assert "Amounts in SEK" not in page and html_rows(page) == []
    body = anna.get(f"/decisions/{saved.aggregate_id}.pdf?lang=en").get_data()
    assert "Amounts in SEK" not in "".join(pdf_pages(body)) and len(pdf_pages(body)) == 1


# ---- the layout itself ----------------------------------------------------------------------

def _long_document(rows: int = 120, years: int = 3) -> PrintedDocument:
    heads = [str(2027 + i) for i in range(years)]
    body = [[f"Rad {i} med ett långt namn som bryts över flera rader i kolumnen",
             *(kr(i * 123_456) for _ in heads), kr(i * 123_456 * years)] for i in range(rows)]
    return PrintedDocument(
        "Beslut", [("En mycket lång etikett som inte får skrivas över sitt värde", "Värdet " * 30),
                   ("Datum", "9 mars 2027")], [("Beslut", "Text. " * 200)], "Protokoll",
        tables=[PrintedTable("Kostnader", ["Post", *heads, "Summa"],
                             [*body, ["Summa", *("1" for _ in heads), "2"]],
                             [False, *([True] * (years + 1))], 1, "Belopp i kr")])


@pytest.mark.parametrize("fonts", [True, None], ids=["dejavu", "core font"])
def test_a_long_table_runs_over_pages_with_its_headings_on_each(fonts) -> None:
    pages = pdf_pages(render_pdf(_long_document(), fonts=fonts))
    assert len(pages) >= 3
    with_table = [p for p in pages if "Rad " in p]
    assert len(with_table) >= 3
    assert all("Post 2027 2028 2029 Summa" in p for p in with_table)


@pytest.mark.parametrize("fonts", [True, None], ids=["dejavu", "core font"])
def test_a_long_label_wraps_in_its_column_instead_of_running_over_its_value(fonts) -> None:
    body = render_pdf(_long_document(rows=10), fonts=fonts)
    assert overlapping_text(body) == []
    first = text_boxes(body)[0]
    label = next(b for b in first if b[0].startswith("En mycket lång"))
    value = next(b for b in first if b[0].startswith("Värdet"))
    assert label[2] < value[4] and label[3] < value[1]  # side by side, the label left of it


def test_figures_are_right_aligned_under_their_heading() -> None:
    number = re.compile(r"^[\d,.]+$")
    checked = 0
    for runs in text_boxes(render_pdf(_long_document(rows=30))):
        for heading in [r for r in runs if r[0] == "2028"]:
            left = max(r[3] for r in runs if abs(r[2] - heading[2]) < 1 and r[3] < heading[1])
            column = [r for r in runs if r[2] < heading[2] and number.match(r[0])
                      and left + 1 < r[3] <= heading[3] + 3]
            assert len(column) >= 10
            assert all(abs(r[3] - heading[3]) < 0.6 for r in column), column
            checked += 1
    assert checked >= 1


def test_ten_years_fit_on_a_landscape_page_without_overlap() -> None:
    body = render_pdf(_long_document(rows=20, years=10))
    assert overlapping_text(body) == []
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(body)).pages[0].mediabox
    assert box.width > box.height  # landscape


@pytest.mark.skipif(dejavu_fonts() is None, reason="DejaVu Sans is not installed here")
def test_dejavu_is_embedded_and_names_in_any_script_survive() -> None:
    doc = PrintedDocument("Beslut", [("Närvarande", "Łukasz Øygard, Åsa Ödegård, Çağla")])
    text = "".join(pdf_pages(render_pdf(doc)))
    assert "Łukasz Øygard, Åsa Ödegård, Çağla" in text
