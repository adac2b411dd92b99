"""Budget sheet projection: budgets, their lines, yearly amounts and cost shares."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from domain.budgets import Budget
from projections.base import HandlerProjection, handles
from projections.rows import RowCache, id_text
from projections.tables import budget, budget_amount, budget_line, budget_share


class BudgetSheetProjection(HandlerProjection):
    name = "budget_sheet"
    tables = (budget, budget_line, budget_amount, budget_share)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The budgets this batch has touched, by id: their id text and row (see `_touch`).
        self._touched: dict[Any, tuple[str, Any]] = {}

    def caches(self) -> SimpleNamespace:
        return SimpleNamespace(
            budgets=RowCache(budget, "budget_id"),
            lines=RowCache(budget_line, "budget_id"),
            amounts=RowCache(budget_amount, "budget_id"),
            shares=RowCache(budget_share, "budget_id"),
        )

    def flush(self, work: SimpleNamespace) -> None:
        for cache in (work.budgets, work.lines, work.amounts, work.shares):
            cache.flush()
        self._touched = {}  # the next batch's caches may start again from the database

    def forget(self) -> None:
        super().forget()
        self._touched = {}

    @handles(Budget.Created)
    def created(self, w: Any, e: Budget.Created, _: int) -> None:
        bid = str(e.originator_id)
        for cache in (w.budgets, w.lines, w.amounts, w.shares):
            cache.load(bid, known_empty=True)
        w.budgets.put({
            "budget_id": bid, "plan_id": e.plan_id, "title": e.title, "years": list(e.years),
            "status": "draft", "revision": e.revision, "revision_of": e.revision_of,
            "adopted_version": None, "decision_id": None, "superseded_by": None,
            "version": e.originator_version, "updated_at": e.timestamp,
        })
        for position, line in enumerate(e.lines):
            _put_line(w, bid, line["id"], line["state"], position)

    @handles(Budget.LineItemAdded)
    def line_added(self, w: Any, e: Budget.LineItemAdded, _: int) -> None:
        bid = self._touch(w, e)
        by, org = e.acted_by, e.acted_for
        years = w.budgets.get(bid)["years"]
        state = {
            "label": {"value": e.label, "version": 1}, "category": {"value": e.category, "version": 1},
            "service_id": {"value": e.service_id, "version": 1},
            "kind": {"value": e.kind, "version": 1}, "shares": {},
            "amounts": {str(y): {"value": e.amounts.get(str(y), 0), "version": 1, "by": by,
                                 "for": org} for y in years},
        }
        _reorder(w, bid, lambda order: order.insert(e.position, e.line_id))
        _put_line(w, bid, e.line_id, state, e.position)

    @handles(Budget.LineItemChanged)
    def line_changed(self, w: Any, e: Budget.LineItemChanged, _: int) -> None:
        row = w.lines.get(self._touch(w, e), e.line_id)
        row[e.field] = e.value
        version_column = {"label": "label_version", "category": "category_version",
                          "service_id": "service_version", "kind": "kind_version"}[e.field]
        row[version_column] = e.version

    @handles(Budget.LineItemAmountChanged)
    def amount_changed(self, w: Any, e: Budget.LineItemAmountChanged, _: int) -> None:
        row = w.amounts.get(self._touch(w, e), e.line_id, e.year)
        row.update(amount=e.amount, version=e.version, set_by=e.acted_by, set_for=e.acted_for)

    @handles(Budget.CostShareChanged)
    def share_changed(self, w: Any, e: Budget.CostShareChanged, _: int) -> None:
        bid = self._touch(w, e)
        row = w.shares.get(bid, e.line_id, e.actor_id) or w.shares.put(
            {"budget_id": bid, "line_id": e.line_id, "actor_id": e.actor_id, "version": 0})
        row.update(share=e.share, version=e.version, set_by=e.acted_by, set_for=e.acted_for)

    @handles(Budget.LineItemMoved)
    def line_moved(self, w: Any, e: Budget.LineItemMoved, _: int) -> None:
        def move(order: list[str]) -> None:
            order.remove(e.line_id)
            order.insert(e.position, e.line_id)

        _reorder(w, self._touch(w, e), move)

    @handles(Budget.LineItemRemoved)
    def line_removed(self, w: Any, e: Budget.LineItemRemoved, _: int) -> None:
        bid = self._touch(w, e)
        _reorder(w, bid, lambda order: order.remove(e.line_id))
        w.lines.delete(bid, e.line_id)
        for cache in (w.amounts, w.shares):
            for row in cache.group(bid):
                if row["line_id"] == e.line_id:
                    cache.delete(*cache.key(row))

    @handles(Budget.LineItemRestored)
    def line_restored(self, w: Any, e: Budget.LineItemRestored, _: int) -> None:
        bid = self._touch(w, e)
        _reorder(w, bid, lambda order: order.insert(e.position, e.line_id))
        _put_line(w, bid, e.line_id, e.line, e.position)

    @handles(Budget.StatusChanged)
    def status_changed(self, w: Any, e: Budget.StatusChanged, _: int) -> None:
        row = w.budgets.get(self._touch(w, e))
        row["status"] = e.status
        if e.status == "adopted":
            row["adopted_version"] = e.originator_version
            row["decision_id"] = e.decision and e.decision["id"]
        if e.status == "superseded":
            row["superseded_by"] = e.superseded_by and e.superseded_by["budget_id"]

    @handles(Budget.YearAdded)
    def year_added(self, w: Any, e: Budget.YearAdded, _: int) -> None:
        bid = self._touch(w, e)
        row = w.budgets.get(bid)
        row["years"] = sorted([*row["years"], e.year])
        for line in w.lines.group(bid):
            w.amounts.put({"budget_id": bid, "line_id": line["line_id"], "year": e.year,
                           "amount": 0, "version": 1, "set_by": e.acted_by,
                           "set_for": e.acted_for})

    @handles(Budget.YearRemoved)
    def year_removed(self, w: Any, e: Budget.YearRemoved, _: int) -> None:
        bid = self._touch(w, e)
        row = w.budgets.get(bid)
        row["years"] = [y for y in row["years"] if y != e.year]
        for amount in w.amounts.group(bid):
            if amount["year"] == e.year:
                w.amounts.delete(*w.amounts.key(amount))

    def _touch(self, w: Any, e: Any) -> str:
        """Load the budget's rows (once a batch) and record the event's version and time.

        A batch holds many events of few budgets: after the first, the budget's id text and row
        come from `_touched` instead of four cache loads and a formatted id per event."""
        touched = self._touched.get(e.originator_id)
        if touched is None:
            bid = id_text(e.originator_id)
            for cache in (w.budgets, w.lines, w.amounts, w.shares):
                cache.load(bid)  # from the database once; each load also marks it for flush
            touched = self._touched[e.originator_id] = (bid, w.budgets.get(bid))
        bid, row = touched
        row["version"], row["updated_at"] = e.originator_version, e.timestamp
        return bid


def _put_line(w: Any, bid: str, line_id: str, state: dict[str, Any], position: int) -> None:
    w.lines.put({
        "budget_id": bid, "line_id": line_id, "position": position,
        "label": state["label"]["value"], "label_version": state["label"]["version"],
        "category": state["category"]["value"], "category_version": state["category"]["version"],
        "service_id": state["service_id"]["value"],
        "service_version": state["service_id"]["version"],
        "kind": state["kind"]["value"], "kind_version": state["kind"]["version"],
    })
    for year, field in state["amounts"].items():
        w.amounts.put({"budget_id": bid, "line_id": line_id, "year": int(year),
                       "amount": field["value"], "version": field["version"],
                       "set_by": field.get("by"), "set_for": field.get("for")})
    for actor, field in state["shares"].items():
        w.shares.put({"budget_id": bid, "line_id": line_id, "actor_id": actor,
                      "share": field["value"], "version": field["version"],
                      "set_by": field.get("by"), "set_for": field.get("for")})


def _reorder(w: Any, bid: str, change: Any) -> None:
    rows = sorted(w.lines.group(bid), key=lambda r: r["position"])
    order = [r["line_id"] for r in rows]
    change(order)
    by_id = {r["line_id"]: r for r in rows}
    for position, line_id in enumerate(order):
        if line_id in by_id:
            by_id[line_id]["position"] = position
