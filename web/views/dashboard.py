"""A plan's dashboard for decision-makers: funding by sector per year, cost, income and funding
gap per year, commitments by organisation and status, KPI trends against their targets (with
the gender split), the open risks by score and the services per stage.

Every chart has its table beside it (the same figures, for screen readers and for reading
exact numbers) and a CSV download of it. The page follows the plan live; its script
(static/js/dashboard.js) draws the charts from the figures embedded as JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, stream_with_context
from flask_babel import gettext

from adapters.spreadsheet import csv_chunks
from domain.errors import NotFound
from projections import dashboard, queries
from web.app import system
from web.auth import require, token_readable
from web.vocabulary import COMMITMENT_STATUSES, SECTORS, SERVICE_STAGES, term

bp = Blueprint("dashboard", __name__, url_prefix="/plans/<plan_id>/dashboard")
NO_STORE = {"Cache-Control": "no-store"}


def _load(plan_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    require(plan_id)
    with system().engine.connect() as conn:
        plan = queries.plan_overview(conn, plan_id)
        return plan, dashboard.figures(conn, plan, date.today())


def _names(plan: dict[str, Any]) -> dict[str, str]:
    return {a["actor_id"]: a["name"] for a in plan["actors"]}


def _kronor(ore: int) -> float:
    return ore / 100  # for drawing only: the tables and downloads keep whole öre


def _chart_data(plan: dict[str, Any], f: dict[str, Any]) -> dict[str, Any]:
    """What the script draws, with every word already in the reader's language."""
    names = _names(plan)
    gap_words = {"costs": gettext("Costs"), "income": gettext("Income"),
                 "net": gettext("Net cost"), "committed": gettext("Confirmed commitments"),
                 "gap": gettext("Funding gap")}
    return {
        "sectors": {"labels": [str(y) for y in f["years"]], "series": [
            {"label": str(SECTORS[row[0]]), "key": row[0], "values": [_kronor(v) for v in row[1:]]}
            for row in f["sectors"]["rows"]]},
        "gap": {"labels": [str(row[0]) for row in f["gap"]["rows"]], "series": [
            {"label": gap_words[key], "key": key,
             "values": [_kronor(row[i + 1]) for row in f["gap"]["rows"]]}
            for i, key in enumerate(f["gap"]["columns"]) if key in ("costs", "income", "gap")]},
        "commitments": {"labels": [names.get(row[0], "…") for row in f["commitments"]["rows"]],
                        "series": [{"label": str(COMMITMENT_STATUSES[status]), "key": status,
                                    "values": [_kronor(row[i + 1])
                                               for row in f["commitments"]["rows"]]}
                                   for i, status in enumerate(f["commitments"]["columns"])
                                   if status != "overdue"]},
        "kpis": [{"id": k["id"], "target": _number(k["target"]),
                  "target_label": gettext("Target"), "total_label": gettext("Total"),
                  "labels": [m["on"] for m in k["measurements"]],
                  "values": [_number(m["value"]) for m in k["measurements"]],
                  "split": {str(term(g)): [_number((m["split"] or {}).get(g))
                                           for m in k["measurements"]]
                            for g in ("women", "men") if k["by_gender"]}}
                 for k in f["kpis"]],
        "currency": gettext("kr"),
    }


def _number(value: str | None) -> float | None:
    return None if value is None else float(value)


@bp.get("")
def page(plan_id: str) -> Any:
    plan, f = _load(plan_id)
    return render_template("dashboard.html", plan=plan, f=f, names=_names(plan),
                           charts=_chart_data(plan, f), sector_words=SECTORS,
                           status_words=COMMITMENT_STATUSES, stage_words=SERVICE_STAGES
                           ), 200, NO_STORE


def _rows(plan: dict[str, Any], f: dict[str, Any], table: str) -> tuple[list[str], list[list[Any]]]:
    """A table of the dashboard as a download: words in the reader's language, money in öre
    as in every other export."""
    names = _names(plan)
    shapes: dict[str, Callable[[], tuple[list[str], list[list[Any]]]]] = {
        "sectors": lambda: ([gettext("Sector"), *map(str, f["years"])],
                            [[str(SECTORS[r[0]]), *r[1:]] for r in f["sectors"]["rows"]]),
        "gap": lambda: ([gettext("Year"), gettext("Costs (öre)"), gettext("Income (öre)"),
                         gettext("Net cost (öre)"), gettext("Confirmed commitments (öre)"),
                         gettext("Funding gap (öre)")], f["gap"]["rows"]),
        "commitments": lambda: ([gettext("Organisation"), *(
            str(COMMITMENT_STATUSES[s]) + " (öre)" for s in f["commitments"]["columns"][:-1]),
            gettext("Overdue")], [[names.get(r[0], ""), *r[1:]] for r in f["commitments"]["rows"]]),
        "kpis": lambda: ([gettext("Service"), gettext("Indicator"), gettext("Unit"),
                          gettext("Target"), gettext("Date"), "T", "K", "M"],
                         [[k["service"], k["name"], k["unit"], k["target"], m["on"], m["value"],
                           (m["split"] or {}).get("women"), (m["split"] or {}).get("men")]
                          for k in f["kpis"] for m in k["measurements"]]),
        "risks": lambda: ([gettext("Service"), gettext("Risk"), gettext("Likelihood"),
                           gettext("Impact"), gettext("Score"), gettext("Owner"),
                           gettext("Mitigation")],
                          [[r["service"], r["title"], r["likelihood"], r["impact"], r["score"],
                            names.get(r.get("owner_id") or "", ""), r["mitigation"]]
                           for r in f["risks"]]),
    }
    if table not in shapes:
        raise NotFound("No such table on the dashboard.", id=table[:40])
    return shapes[table]()


@bp.get("/<table>.csv")
@token_readable
def download(plan_id: str, table: str) -> Response:
    plan, f = _load(plan_id)
    header, rows = _rows(plan, f, table)
    # Every text cell neutralised: a label starting with "=" is data, never a formula.
    reply = Response(stream_with_context(csv_chunks(header, [rows])),
                     mimetype="text/csv", content_type="text/csv; charset=utf-8")
    reply.headers["Content-Disposition"] = f'attachment; filename="dashboard-{table}.csv"'
    reply.headers["Cache-Control"] = "no-store"
    return reply
