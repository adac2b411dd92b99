"""Time travel: a budget's state as the sheet shows it, and what changed between two versions.

Pure functions over a Budget aggregate (loaded at a version) and its events: nothing here reads
a view table, so a past version never depends on how far the projections are.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.budgets import Budget
from projections.sheet import BudgetSheet, add_line, finish, new_sheet

#: What each kind of budget event changes, as the trail and the replay name it.
KINDS = {"Created": "created", "LineItemAdded": "added", "LineItemChanged": "changed_line",
         "LineItemAmountChanged": "amount", "CostShareChanged": "share", "LineItemMoved": "moved",
         "LineItemRemoved": "removed", "LineItemRestored": "restored", "StatusChanged": "status",
         "YearAdded": "year_added", "YearRemoved": "year_removed"}


def sheet_of(budget: Budget, actors: list[dict[str, Any]],
             commitments: dict[str, list[tuple[date, int]]] | None = None,
             committed_by_actor: dict[str, int] | None = None) -> BudgetSheet:
    """The budget as the grid shows it (the same structure as queries.budget_sheet), read-only.
    `actors` are the plan's organisations (id, name, sector); `commitments` the confirmed ones
    to count, as (due, value) per line, and `committed_by_actor` their sum per organisation
    (none unless given: a past state's commitments are the caller's to choose)."""
    head = {"budget_id": str(budget.id), "plan_id": budget.plan_id, "title": budget.title,
            "years": list(budget.years), "status": budget.status, "revision": budget.revision,
            "revision_of": budget.revision_of, "adopted_version": budget.adopted_version,
            "version": budget.version, "updated_at": budget.modified_on}
    sheet = new_sheet(head, actors)
    for position, line_id in enumerate(budget.order):
        line = budget.lines[line_id]
        amounts = {int(y): {"amount": f["value"], "version": f["version"], "set_by": f["by"],
                            "set_for": f["for"]} for y, f in line["amounts"].items()}
        shares = {a: {"share": f["value"], "version": f["version"], "set_by": f["by"],
                      "set_for": f["for"]} for a, f in line["shares"].items() if f["value"]}
        add_line(sheet, {
            "line_id": line_id, "position": position,
            "label": line["label"]["value"], "label_version": line["label"]["version"],
            "category": line["category"]["value"],
            "category_version": line["category"]["version"],
            "service_id": line["service_id"]["value"],
            "service_version": line["service_id"]["version"],
            "kind": line["kind"]["value"], "kind_version": line["kind"]["version"],
            "amounts": amounts, "shares": shares}, (commitments or {}).get(line_id, ()))
    return finish(sheet, committed_by_actor)


def changes(events: list[Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Each event as one change in words' parts: who, when, which line, what, before → after.

    `labels` are the line labels as they stood before the first event (they are followed
    through renames, additions and removals, so each change names its line as it was then).
    """
    labels = dict(labels)
    result = []
    for e in events:
        name = type(e).__name__
        line_id = getattr(e, "line_id", None)
        if name == "LineItemAdded":
            labels[line_id] = e.label
        elif name in ("LineItemRemoved", "LineItemRestored"):
            labels[line_id] = e.line["label"]["value"]
        change = {"version": e.originator_version, "recorded_at": e.timestamp,
                  "person_id": e.acted_by, "org_id": e.acted_for, "kind": KINDS.get(name, name),
                  "event": name, "line_id": line_id, "label": labels.get(line_id),
                  "field": None, "year": None, "actor_id": None, "before": None, "after": None,
                  "undoes": getattr(e, "compensates", None)}
        if name == "LineItemChanged":
            change.update(field=e.field, before=e.before, after=e.value)
            if e.field == "label":
                labels[line_id] = e.value
        elif name == "LineItemAmountChanged":
            change.update(field="amount", year=e.year, before=e.before, after=e.amount)
        elif name == "CostShareChanged":
            change.update(field="share", actor_id=e.actor_id, before=e.before, after=e.share)
        elif name == "LineItemMoved":
            change.update(field="position", before=e.before, after=e.position)
        elif name == "StatusChanged":
            change.update(field="status", before=e.before, after=e.status)
        elif name in ("YearAdded", "YearRemoved"):
            change.update(field="years", year=e.year)
        elif name == "LineItemAdded":
            change.update(after=e.label)
        result.append(change)
    return result


def diff(before: BudgetSheet, after: BudgetSheet, events: list[Any]) -> dict[str, Any]:
    """What differs between two sheets of one budget, per line, year and organisation's share,
    with who changed each thing in between (`events`: the events from one to the other)."""
    listed = changes(events, {ln["line_id"]: ln["label"] for ln in before.lines})
    who = _who_touched(listed)
    old = {ln["line_id"]: ln for ln in before.lines}
    new = {ln["line_id"]: ln for ln in after.lines}
    order = [ln["line_id"] for ln in after.lines] + [i for i in old if i not in new]
    lines = []
    for line_id in order:
        entry = _line_diff(old.get(line_id), new.get(line_id), after.years, who, line_id)
        if entry is not None:
            lines.append(entry)
    status = None
    if before.budget["status"] != after.budget["status"]:
        status = {"before": before.budget["status"], "after": after.budget["status"],
                  "by": who.get(("status",), [])}
    return {"from_version": before.budget["version"], "to_version": after.budget["version"],
            "lines": lines, "status": status, "total": {"before": before.total, "after": after.total},
            "changes": listed}


def _who_touched(listed: list[dict[str, Any]]) -> dict[tuple[Any, ...], list[tuple[str, Any]]]:
    """(person, organisation) pairs in order of first change, per line, cell and share."""
    who: dict[tuple[Any, ...], list[tuple[str, Any]]] = {}

    def note(key: tuple[Any, ...], pair: tuple[str, Any]) -> None:
        people = who.setdefault(key, [])
        if pair not in people:
            people.append(pair)

    for c in listed:
        pair = (c["person_id"], c["org_id"])
        if c["line_id"] is None:
            note(("status",), pair)
            continue
        note((c["line_id"],), pair)
        if c["field"] == "amount":
            note((c["line_id"], "amount", c["year"]), pair)
        elif c["field"] == "share":
            note((c["line_id"], "share", c["actor_id"]), pair)
        elif c["field"] is not None:
            note((c["line_id"], c["field"]), pair)
        if c["event"] in ("LineItemAdded", "LineItemRemoved", "LineItemRestored"):
            note((c["line_id"], "presence"), pair)
    return who


def _line_diff(old: dict[str, Any] | None, new: dict[str, Any] | None, years: list[int],
               who: dict[tuple[Any, ...], list[tuple[str, Any]]], line_id: str
               ) -> dict[str, Any] | None:
    state = "added" if old is None else "removed" if new is None else "changed"
    entry: dict[str, Any] = {
        "line_id": line_id, "state": state, "label": (new or old)["label"],  # type: ignore[index]
        "label_before": old and old["label"], "label_after": new and new["label"],
        "by": who.get((line_id, "presence") if state != "changed" else (line_id,), []),
        "renamed": None, "category": None, "amounts": [], "shares": []}
    if old is not None and new is not None:
        for field in ("label", "category"):
            if old[field] != new[field]:
                entry["renamed" if field == "label" else field] = {
                    "before": old[field], "after": new[field], "by": who.get((line_id, field), [])}
    for year in years:
        was, now = _amount(old, year), _amount(new, year)
        if was != now:
            entry["amounts"].append({"year": year, "before": was, "after": now,
                                     "by": who.get((line_id, "amount", year), entry["by"])})
    actors = sorted({*((old or {}).get("shares") or {}), *((new or {}).get("shares") or {})})
    for actor_id in actors:
        was, now = _share(old, actor_id), _share(new, actor_id)
        if was != now:
            entry["shares"].append({"actor_id": actor_id, "before": was, "after": now,
                                    "by": who.get((line_id, "share", actor_id), entry["by"])})
    changed = entry["renamed"] or entry["category"] or entry["amounts"] or entry["shares"]
    return entry if state != "changed" or changed else None


def _amount(line: dict[str, Any] | None, year: int) -> int | None:
    if line is None:
        return None
    cell = line["amounts"].get(year)
    return cell["amount"] if cell else 0


def _share(line: dict[str, Any] | None, actor_id: str) -> int | None:
    if line is None:
        return None
    cell = line["shares"].get(actor_id)
    return cell["share"] if cell else 0


def state_of(aggregate: Any) -> dict[str, Any]:
    """An aggregate's state as plain JSON values (for services and commitments at a version)."""
    state = {k: v for k, v in vars(aggregate).items() if not k.startswith("_")}
    state.update(id=str(aggregate.id), plan_id=aggregate.plan_id, version=aggregate.version,
                 created_on=aggregate.created_on.isoformat(),
                 modified_on=aggregate.modified_on.isoformat())
    return _plain(state)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)  # dates, Decimal, UUID
