"""A budget's export (xlsx, CSV) gathered for the reader: the sheet as it stands, the header's
facts (revision, change no., history digest at that change) and every word in their language.
adapters/budget_workbook.py lays the file out."""

from __future__ import annotations

from flask_babel import get_locale, gettext

from adapters.budget_workbook import BudgetExport, Words
from projections import queries
from projections.chain import link_of_change
from web.app import system
from web.auth import require
from web.decision_print import digest_text
from web.formatting import CURRENCY_SUFFIX
from web.vocabulary import SECTORS, term


def budget_export(budget_id: str) -> BudgetExport:
    """The budget as an export for anyone who may read its plan (else 403, unknown: 404)."""
    with system().engine.connect() as conn:
        sheet = queries.budget_sheet(conn, budget_id)
        require(sheet.budget["plan_id"])
        plan = queries.plan_overview(conn, sheet.budget["plan_id"])
        link = link_of_change(conn, budget_id, sheet.budget["version"])
    return BudgetExport(sheet=sheet, plan_name=plan["name"], status=str(term(sheet.budget["status"])),
                        digest=_digest(link), words=words())


def _digest(link: dict[str, object] | None) -> str:
    if link is None:  # the audit trail has not caught up with the budget's last change yet
        return gettext("digest pending")
    digest = {"position": link["position"], "link": link["link"]} if link["link"] else None
    return digest_text(digest, int(str(link["position"])))


def words() -> Words:
    locale = str(get_locale() or "sv").split("_")[0]
    return Words(
        budget_sheet=gettext("Budget"), organisations_sheet=gettext("Organisations and sectors"),
        plan=gettext("Plan"), budget=gettext("Budget"), revision=gettext("Revision"),
        status=gettext("Status"), change=gettext("Change no."), digest=gettext("History digest"),
        line_item=gettext("Line item"), category=gettext("Category"), kind=gettext("Type"),
        total=gettext("Total"), shared=gettext("Shared"), costs=gettext("Costs"),
        income=gettext("Income"), net=gettext("Net cost"), organisation=gettext("Organisation"),
        sector=gettext("Sector"), unshared=gettext("Not shared by any organisation"),
        kinds={"cost": gettext("Cost"), "income": gettext("Income")},
        sectors={k: str(v) for k, v in SECTORS.items()}, unit=CURRENCY_SUFFIX.get(locale, "kr"))


def filename(export: BudgetExport, extension: str) -> str:
    """budget-<first 8 of its id>-r<revision>-<change no.>.<extension> (ASCII, whatever the title)."""
    b = export.sheet.budget
    return f"budget-{b['budget_id'][:8]}-r{b['revision']}-{b['version']}.{extension}"
