"""A decision in words for its page and its PDF: the same facts and tables, in the reader's
language (web/decision_document.py gathers them; adapters/pdf.py lays the PDF out)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import format_date, format_datetime, get_locale, gettext

from adapters.pdf import PrintedDocument, PrintedTable
from web.formatting import CURRENCY_SUFFIX, money


def adopted_budget(budget: dict[str, Any] | None, change: int) -> str:
    """"Budget 2027–2029, revision 2 (change no. 41)": the budget's revision and the change
    number it was adopted at (the decision names exactly that state)."""
    if budget is None:
        return gettext("Change no. %(n)d", n=change)
    return gettext("%(title)s, revision %(revision)d (change no. %(n)d)", title=budget["title"],
                   revision=budget["revision"], n=change)


def superseded_revision(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The budget row this decision superseded (the revision its budget revises), if any."""
    budget = doc["budget"]
    if not (doc["adopting"] and budget and budget["revision_of"]):
        return None
    return next((b for b in doc["plan"]["budgets"] if b["budget_id"] == budget["revision_of"]), None)


def budget_label(doc: dict[str, Any]) -> str:
    return gettext("Adopted budget") if doc["adopting"] else gettext("Budget decided on")


def unit() -> str:
    return CURRENCY_SUFFIX.get(str(get_locale() or "sv").split("_")[0], "kr")


def figure(ore: int) -> str:
    return money(ore, with_unit=False)


def tables(figures: dict[str, Any]) -> list[PrintedTable]:
    """The budget's tables: costs, income (if any), each organisation's share, sectors, totals."""
    years = figures["years"]
    year_heads = [str(y) for y in years]
    numeric = [False, *([True] * (len(years) + 1))]
    note = gettext("Amounts in %(unit)s", unit=unit())

    def lines(rows: list[dict[str, Any]], by_year: dict[int, int], total: int, label: str) -> list[list[str]]:
        body = [[r["label"], *(figure(r["amounts"][y]) for y in years), figure(r["total"])]
                for r in rows]
        return [*body, [label, *(figure(by_year[y]) for y in years), figure(total)]]

    result = [PrintedTable(gettext("Costs"), [gettext("Line item"), *year_heads, gettext("Total")],
                           lines(figures["cost_lines"], figures["costs_by_year"], figures["costs"],
                                 gettext("Total costs")), numeric, 1, note)]
    if figures["income_lines"]:
        result.append(PrintedTable(
            gettext("Income"), [gettext("Line item"), *year_heads, gettext("Total")],
            lines(figures["income_lines"], figures["income_by_year"], figures["income"],
                  gettext("Total income")), numeric, 1, note))
    organisations = [[organisation_name(o), gettext(o["sector"]),
                      *(figure(o["years"][y]) for y in years), figure(o["net"])]
                     for o in figures["organisations"]]
    unshared = figures["unshared"]
    if unshared["net"] or any(unshared["years"].values()):
        organisations.append([gettext("Not shared by any organisation"), "",
                              *(figure(unshared["years"][y]) for y in years),
                              figure(unshared["net"])])
    organisations.append([gettext("Net cost"), "", *(figure(figures["by_year"][y]["net"])
                                                      for y in years), figure(figures["net"])])
    result.append(PrintedTable(
        gettext("Each organisation's share of the net cost"),
        [gettext("Organisation"), gettext("Sector"), *year_heads, gettext("Total")],
        organisations, [False, False, *([True] * (len(years) + 1))], 1, note))
    result.append(PrintedTable(
        gettext("Per sector"), [gettext("Sector"), gettext("Costs"), gettext("Income"),
                                gettext("Net cost")],
        [[gettext(s), figure(f["costs"]), figure(f["income"]), figure(f["net"])]
         for s, f in figures["sectors"]], [False, True, True, True], 0, note))
    by_year = figures["by_year"]
    rows = [(gettext("Costs"), "costs", figures["costs"]), (gettext("Income"), "income", figures["income"]),
            (gettext("Net cost"), "net", figures["net"]),
            (gettext("Confirmed commitments"), "committed", figures["committed"]),
            (gettext("Funding gap"), "gap", figures["gap"])]
    result.append(PrintedTable(
        gettext("Totals and funding"), [gettext("Per year"), *year_heads, gettext("Total")],
        [[label, *(figure(by_year[y][key]) for y in years), figure(total)]
         for label, key, total in rows], numeric, 1, note))
    return result


def organisation_name(o: dict[str, Any]) -> str:
    if o["left"]:
        return gettext("%(name)s (has left the plan)", name=o["name"])
    return o["name"]


def printed(doc: dict[str, Any]) -> PrintedDocument:
    """The same content as decision.html, in the reader's language, for the PDF."""
    d, plan, names = doc["decision"], doc["plan"], doc["names"]
    facts = [(gettext("Plan"), f"{plan['name']}, {plan['place']}"),
             (gettext("Date"), format_date(d["decided_on"], "long")),
             (gettext("Attendees"), ", ".join(names[p] for p in d["attendees"]))]
    links = {}
    if d["budget_id"]:
        label = budget_label(doc)
        facts.append((label, adopted_budget(doc["budget"], d["budget_version"])))
        links[label] = request.host_url.rstrip("/") + doc["budget_link"]
        earlier = superseded_revision(doc)
        if earlier is not None:
            facts.append((gettext("Supersedes"), gettext("%(title)s, revision %(n)d",
                                                         title=earlier["title"], n=earlier["revision"])))
    facts.append((gettext("History digest"), digest_text(doc["digest"], d["position"])))
    footer = gettext("Recorded by %(name)s on %(when)s.", name=names[d["recorded_by"]],
                     when=format_datetime(d["recorded_at"], "short"))
    figures = doc["figures"]
    return PrintedDocument(
        title=d["title"], facts=facts, sections=[(gettext("Decision"), d["text"])], footer=footer,
        language=str(get_locale() or "sv"), created=d["recorded_at"], links=links,
        tables=tables(figures) if figures else (),
        tables_heading=budget_heading(doc) if figures else "")


def budget_heading(doc: dict[str, Any]) -> str:
    if doc["adopting"]:
        return gettext("The budget as adopted")
    return gettext("The budget decided on")


def digest_text(digest: dict[str, Any] | None, position: int) -> str:
    if digest is None:
        return gettext("#%(position)d – digest pending", position=position)
    return gettext("#%(position)d – SHA-256 %(link)s", position=digest["position"], link=digest["link"])
