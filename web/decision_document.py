"""What a printed decision carries, gathered once for its page (decision.html) and its PDF.

A decision names the budget at one change number (`budget_version`), so the figures are that
state's, rebuilt from the budget's own events (projections.history.sheet_of), not today's read
model; the confirmed commitments counted are those confirmed when the decision was recorded
(each commitment as it stood then). Only names are looked up when the document is shown, so an
erased person reads "erased person #…" and a renamed organisation its name of today.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from domain.commitments import Commitment
from domain.errors import NotFound
from projections import history, queries
from projections.decisions import decision_by_id, plan_decisions
from projections.sheet import BudgetSheet
from web.app import system
from web.auth import acting, require
from web.people import display_names


def decision_document(decision_id: str) -> dict[str, Any]:
    """Everything a printed decision shows: `decision`, `plan` (overview), `budget` (its row,
    or None), `names` {person_id: name}, `budget_link`, `digest` (or None while pending) and,
    for a decision on a budget, `figures` (see `figures_of`)."""
    with system().engine.connect() as conn:
        decision = decision_by_id(conn, decision_id)
        require(decision["plan_id"])
        overview = queries.plan_overview(conn, decision["plan_id"])
        figures = None
        if decision["budget_id"]:
            figures = _figures_at_decision(conn, decision, overview["actors"])
    budget = next((b for b in overview["budgets"] if b["budget_id"] == decision["budget_id"]), None)
    names = display_names(set(decision["attendees"]) | {decision["recorded_by"]})
    link = (f"/budgets/{decision['budget_id']}/history?version={decision['budget_version']}"
            if decision["budget_id"] else None)
    return {"decision": decision, "plan": overview, "budget": budget, "names": names,
            "budget_link": link, "digest": history_digest(decision["position"]),
            "adopting": bool(budget and budget["decision_id"] == decision["decision_id"]),
            "figures": figures}


def _figures_at_decision(conn: Connection, decision: dict[str, Any],
                         actors: list[dict[str, Any]]) -> dict[str, Any]:
    with acting():
        app = system().app
        budget = app.budget_at(decision["budget_id"], version=decision["budget_version"])
        per_line, per_actor = _confirmed_then(conn, decision["plan_id"], set(budget.order),
                                              _aware(decision["recorded_at"]))
    return figures_of(history.sheet_of(budget, actors, per_line, per_actor))


def _confirmed_then(conn: Connection, plan_id: str, line_ids: set[str], moment: datetime
                    ) -> tuple[dict[str, list[tuple[date, int]]], dict[str, int]]:
    """Commitments toward these lines that were confirmed (or further) at `moment`, each as it
    stood then: (due, value) per line, and the sum per organisation."""
    per_line: dict[str, list[tuple[date, int]]] = {}
    per_actor: dict[str, int] = {}
    app = system().app
    for row in queries.commitments_ledger(conn, plan_id):
        if row["line_id"] not in line_ids or _aware(row["pledged_at"]) > moment:
            continue
        try:
            then = app.aggregate_at(Commitment, row["commitment_id"], moment=moment)
        except NotFound:  # pledged a moment after the decision, in the same second
            continue
        if then.status not in queries.COUNTED_STATUSES:
            continue
        value = int(then.value_ore or 0)
        per_line.setdefault(then.line_id, []).append((date.fromisoformat(then.due), value))
        per_actor[then.actor_id] = per_actor.get(then.actor_id, 0) + value
    return per_line, per_actor


def _aware(moment: datetime) -> datetime:
    """A stored moment with its zone (SQLite gives event times back without one: UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def figures_of(sheet: BudgetSheet) -> dict[str, Any]:
    """A sheet's figures as the document prints them:

    - `years`; `cost_lines` / `income_lines`: the lines of each kind in order ({label,
      category, amounts {year: öre}, total});
    - `costs_by_year` / `income_by_year` {year: öre} and `costs` / `income` / `net`;
    - `organisations`: each organisation with a share, in the plan's order ({actor_id, name,
      sector, left, years {year: net öre}, net}), and `unshared` (the net no organisation has
      a share of: {years, net}), so that the rows add up to the net;
    - `sectors`: [(sector, {costs, income, net})]; `by_year` {year: {costs, income, net,
      committed, gap}}; `committed`; `gap` (the funding gap on the net).
    """
    years = sheet.years

    def line(row: dict[str, Any]) -> dict[str, Any]:
        return {"label": row["label"], "category": row["category"], "total": row["total"],
                "amounts": {y: row["amounts"].get(y, {"amount": 0})["amount"] for y in years}}

    organisations = []
    for actor in sheet.actors:
        entry = sheet.by_actor[actor["actor_id"]]
        if not (entry["costs"] or entry["income"]):
            continue
        organisations.append({"actor_id": actor["actor_id"], "name": entry["name"],
                              "sector": entry["sector"], "left": entry["left"],
                              "years": {y: entry["years"].get(y, {"net": 0})["net"] for y in years},
                              "net": entry["net"]})
    unshared = {y: sheet.by_year[y]["net"] - sum(o["years"][y] for o in organisations)
                for y in years}
    return {
        "years": years,
        "cost_lines": [line(r) for r in sheet.lines if r["kind"] != "income"],
        "income_lines": [line(r) for r in sheet.lines if r["kind"] == "income"],
        "costs_by_year": {y: sheet.by_year[y]["costs"] for y in years},
        "income_by_year": {y: sheet.by_year[y]["income"] for y in years},
        "costs": sheet.costs, "income": sheet.income, "net": sheet.net,
        "organisations": organisations,
        "unshared": {"years": unshared, "net": sum(unshared.values())},
        "sectors": [(s, f) for s, f in sheet.sectors.items() if f["costs"] or f["income"]],
        "by_year": {y: sheet.by_year[y] for y in years},
        "committed": sheet.committed, "gap": sheet.funding_gap,
    }


def superseding_decision(conn: Connection, plan_id: str, budget: dict[str, Any],
                         budgets: list[dict[str, Any]]) -> dict[str, Any] | None:
    """For a superseded budget: {revision (its row), decision (the one that adopted it)}."""
    revision = next((b for b in budgets if b["budget_id"] == budget.get("superseded_by")), None)
    if revision is None:
        return None
    decision = next((d for d in plan_decisions(conn, plan_id)
                     if d["decision_id"] == revision["decision_id"]), None)
    return {"revision": revision, "decision": decision}


def history_digest(position: int) -> dict[str, Any] | None:
    """The hash chain's checkpoint at a log position, or None while it is not there (yet)."""
    from projections.chain import checkpoint_at

    try:
        with system().engine.connect() as conn:
            return checkpoint_at(conn, position)
    except SQLAlchemyError:  # the chain's tables are not made yet
        return None

