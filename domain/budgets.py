"""Budget: a plan's cross-sector budget of line items, yearly amounts and cost shares.

Money is integer öre; shares are integer basis points (10 000 = 100 %). A line is a cost or an
income (its `kind`); amounts are never negative.
Lifecycle: draft → proposed → adopted (only by a recorded decision); a revision starts a new
draft from an adopted budget, and once that revision is adopted the one it revises is superseded.
"""

from __future__ import annotations

import copy
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from domain.base import PlanAggregate, require_choice, require_int, require_text
from domain.budget_lifecycle import BudgetLifecycle
from domain.budget_reading import BudgetReading
from domain.budget_years import BudgetYears, checked_years
from domain.context import as_id
from domain.errors import Conflict, NotFound, RuleViolated, translatable
from domain.fields import Field, check_version, new_field, set_field, unset_field
from domain.shares import FULL_SHARE

MAX_AMOUNT = 10**13  # 100 000 000 000 kr in öre: far above any plausible line
MAX_LINES = 1_000
STATUSES = ("draft", "proposed", "adopted", "superseded")
LINE_KINDS = ("cost", "income")
LINE_FIELD_CHANGED = {
    "kind": translatable(
        "Whether the line is a cost or an income was changed by someone else while you were "
        "editing."),
    "label": translatable("The line's name was changed by someone else while you were editing."),
    "category": translatable(
        "The line's category was changed by someone else while you were editing."),
    "service_id": translatable(
        "The line's service was changed by someone else while you were editing."),
}


def _kind_field() -> Field:
    """The kind of a line stored before lines had one: a cost, never set by anyone."""
    return {"value": "cost", "version": 1, "by": None, "for": None}


def _with_kind(line: dict[str, Any]) -> dict[str, Any]:
    line.setdefault("kind", _kind_field())
    return line


class Budget(BudgetReading, BudgetLifecycle, BudgetYears, PlanAggregate):
    """Lines are kept in `lines` (by id) and `order` (ids, top to bottom)."""

    #: 2: lines have a kind (cost or income).
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot taken before lines had a kind: every line was a cost."""
        for line in [*state.get("lines", {}).values(), *state.get("removed", {}).values()]:
            _with_kind(line)

    class Created(PlanAggregate.Created):
        title: str
        years: list[int]
        revision: int
        revision_of: str | None
        lines: list[dict[str, Any]]
        source: str | None  # the file an imported budget came from (domain/budget_import.py)

        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            for line in state["lines"]:
                _with_kind(line["state"])

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["source"] = None  # created on the page or as a revision, not imported

        def apply(self, budget: Budget) -> None:
            budget._plan_id = self.plan_id
            budget.title, budget.years = self.title, list(self.years)
            budget.revision, budget.revision_of = self.revision, self.revision_of
            budget.status, budget.adopted_version = "draft", None
            budget.lines, budget.order, budget.removed = {}, [], {}
            for line in self.lines:
                budget.lines[line["id"]] = copy.deepcopy(line["state"])
                budget.order.append(line["id"])

    class LineItemAdded(PlanAggregate.Event):
        line_id: str
        label: str
        category: str
        service_id: str | None
        amounts: dict[str, int]
        position: int
        kind: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["kind"] = "cost"  # lines added before kinds existed were costs

        def apply(self, budget: Budget) -> None:
            by, org = self.acted_by, self.acted_for
            budget.lines[self.line_id] = {
                "label": new_field(self.label, by, org),
                "category": new_field(self.category, by, org),
                "service_id": new_field(self.service_id, by, org),
                "kind": new_field(self.kind, by, org),
                "amounts": {y: new_field(self.amounts.get(y, 0), by, org)
                            for y in map(str, budget.years)},
                "shares": {},
            }
            budget.order.insert(self.position, self.line_id)

    class LineItemChanged(PlanAggregate.Event):
        """The label, category, linked service or kind (cost/income) of a line changed."""

        line_id: str
        field: str
        value: Any
        before: Any
        version: int  # the field's version after this change

        def apply(self, budget: Budget) -> None:
            line = budget.lines[self.line_id]
            set_field(line[self.field], self.value, self.version, self.acted_by, self.acted_for)

    class LineItemAmountChanged(PlanAggregate.Event):
        line_id: str
        year: int
        amount: int
        before: int
        version: int

        def apply(self, budget: Budget) -> None:
            field = budget.lines[self.line_id]["amounts"][str(self.year)]
            set_field(field, self.amount, self.version, self.acted_by, self.acted_for)

    class CostShareChanged(PlanAggregate.Event):
        line_id: str
        actor_id: str
        share: int
        before: int
        version: int

        def apply(self, budget: Budget) -> None:
            shares = budget.lines[self.line_id]["shares"]
            field = shares.setdefault(self.actor_id, unset_field())
            set_field(field, self.share, self.version, self.acted_by, self.acted_for)

    class LineItemMoved(PlanAggregate.Event):
        line_id: str
        position: int
        before: int

        def apply(self, budget: Budget) -> None:
            budget.order.remove(self.line_id)
            budget.order.insert(self.position, self.line_id)

    class LineItemRemoved(PlanAggregate.Event):
        """Keeps the whole line so that the trail shows it and an undo can restore it."""

        line_id: str
        position: int
        line: dict[str, Any]

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _with_kind(state["line"])

        def apply(self, budget: Budget) -> None:
            budget.order.remove(self.line_id)
            budget.removed[self.line_id] = budget.lines.pop(self.line_id)

    class LineItemRestored(PlanAggregate.Event):
        line_id: str
        position: int
        line: dict[str, Any]

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _with_kind(state["line"])

        def apply(self, budget: Budget) -> None:
            budget.removed.pop(self.line_id, None)
            budget.lines[self.line_id] = copy.deepcopy(self.line)
            budget.order.insert(self.position, self.line_id)

    class StatusChanged(PlanAggregate.Event):
        """Proposed, returned to draft, adopted (then `adopted_version` is this version) or
        superseded. Adoption and superseding name the decision ({id, title, decided_on});
        superseding names the revision that took over ({budget_id, revision})."""

        status: str
        before: str
        revision: int | None
        decision: dict[str, Any] | None
        superseded_by: dict[str, Any] | None

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(revision=None, decision=None, superseded_by=None)

        def apply(self, budget: Budget) -> None:
            budget.status = self.status
            if self.status == "adopted":
                budget.adopted_version = self.originator_version

    class YearAdded(PlanAggregate.Event):
        """A year before the first or after the last: every line gets 0 for it."""

        year: int

        def apply(self, budget: Budget) -> None:
            budget.years = sorted([*budget.years, self.year])
            for line in budget.lines.values():
                line["amounts"][str(self.year)] = new_field(0, self.acted_by, self.acted_for)

    class YearRemoved(PlanAggregate.Event):
        """The first or last year, empty on every line (`before`: each line's amount)."""

        year: int
        before: dict[str, int]

        def apply(self, budget: Budget) -> None:
            budget.years.remove(self.year)
            for line in budget.lines.values():
                line["amounts"].pop(str(self.year), None)

    # ---- creation ----------------------------------------------------------------------

    @classmethod
    def create(cls, plan_id: UUID | str, title: str, years: list[int]) -> Budget:
        """A new, empty draft budget for consecutive years."""
        return cls._create_for_plan(
            cls.Created, as_id(plan_id), title=require_text(title, "title"),
            years=checked_years(years), revision=1, revision_of=None, lines=[], source=None,
        )

    @staticmethod
    def revision_id(adopted_id: UUID) -> UUID:
        """Each adopted budget has at most one revision: its id is derived from the adopted one."""
        return uuid5(NAMESPACE_URL, f"samverkan:budget-revision:{adopted_id}")

    def start_revision(self) -> Budget:
        """A new draft with this adopted budget's lines; this budget stays as it was."""
        if self.status != "adopted":
            raise RuleViolated("Only an adopted budget can be revised.", status=self.status)
        lines = [{"id": lid, "state": copy.deepcopy(self.lines[lid])} for lid in self.order]
        return self._create_for_plan(
            self.Created, self.plan_id, id=self.revision_id(self.id), title=self.title,
            years=list(self.years), revision=self.revision + 1,
            revision_of=str(self.id), lines=lines, source=None,
        )

    # ---- line items --------------------------------------------------------------------

    def add_line(self, label: str, category: str = "", amounts: dict[int, int] | None = None,
                 service_id: UUID | str | None = None, line_id: UUID | str | None = None,
                 position: int | None = None, kind: str = "cost") -> str:
        self.require_draft()
        require_choice(kind, "kind", LINE_KINDS)
        self._require_room()
        new_id = as_id(line_id) or str(uuid4())
        if new_id in self.lines:
            raise Conflict("A line with that id already exists.", line_id=new_id)
        checked = {str(self._require_year(y)): self._checked_amount(a)
                   for y, a in (amounts or {}).items()}
        self.trigger_event(
            self.LineItemAdded, line_id=new_id, label=require_text(label, "label"),
            category=require_text(category, "category", max_length=80, optional=True),
            service_id=as_id(service_id), amounts=checked,
            position=self._checked_position(position, len(self.order)), kind=kind,
        )
        return new_id

    def rename_line(self, line_id: UUID | str, label: str, expected_version: int | None = None) -> int:
        return self._change_line_field(line_id, "label", require_text(label, "label"), expected_version)

    def recategorise_line(self, line_id: UUID | str, category: str,
                          expected_version: int | None = None) -> int:
        category = require_text(category, "category", max_length=80, optional=True)
        return self._change_line_field(line_id, "category", category, expected_version)

    def link_service(self, line_id: UUID | str, service_id: UUID | str | None,
                     expected_version: int | None = None) -> int:
        return self._change_line_field(line_id, "service_id", as_id(service_id), expected_version)

    def set_line_kind(self, line_id: UUID | str, kind: str,
                      expected_version: int | None = None) -> int:
        """Make a line a cost or an income (its amounts stay as they are)."""
        return self._change_line_field(line_id, "kind", require_choice(kind, "kind", LINE_KINDS),
                                       expected_version)

    def change_amount(self, line_id: UUID | str, year: int, amount: int,
                      expected_version: int | None = None) -> int:
        self.require_draft()
        key, year = self._require_line(line_id), self._require_year(year)
        field = self.lines[key]["amounts"][str(year)]
        amount = self._checked_amount(amount)
        check_version(field, expected_version,
                      "This amount was changed by someone else while you were editing.",
                      line_id=key, year=year)
        if amount != field["value"]:
            self.trigger_event(self.LineItemAmountChanged, line_id=key, year=year,
                               amount=amount, before=field["value"], version=field["version"] + 1)
        return self.lines[key]["amounts"][str(year)]["version"]

    def set_share(self, line_id: UUID | str, actor_id: UUID | str, share: int,
                  expected_version: int | None = None) -> int:
        """Set one organisation's share of a line (basis points; 0 means no share)."""
        self.require_draft()
        key, actor = self._require_line(line_id), as_id(actor_id)
        share = require_int(share, "share", minimum=0, maximum=FULL_SHARE)
        shares = self.lines[key]["shares"]
        field = shares.get(actor, unset_field())
        check_version(field, expected_version,
                      "This share was changed by someone else while you were editing.",
                      line_id=key, actor_id=actor)
        others = sum(f["value"] or 0 for a, f in shares.items() if a != actor)
        if others + share > FULL_SHARE:
            raise RuleViolated(
                "The shares of “{label}” would add up to {percent} %; "
                "together they can be at most 100 %.",
                label=self.lines[key]["label"]["value"], percent=f"{(others + share) / 100:g}",
                line_id=key, total=others + share, available=FULL_SHARE - others,
            )
        if share != (field["value"] or 0):
            self.trigger_event(self.CostShareChanged, line_id=key, actor_id=actor,
                               share=share, before=field["value"] or 0,
                               version=field["version"] + 1)
        return self.lines[key]["shares"].get(actor, field)["version"]

    def move_line(self, line_id: UUID | str, position: int) -> None:
        self.require_draft()
        key = self._require_line(line_id)
        position = self._checked_position(position, len(self.order) - 1)
        before = self.order.index(key)
        if position != before:
            self.trigger_event(self.LineItemMoved, line_id=key, position=position, before=before)

    def remove_line(self, line_id: UUID | str) -> None:
        self.require_draft()
        key = self._require_line(line_id)
        self.trigger_event(self.LineItemRemoved, line_id=key, position=self.order.index(key),
                           line=copy.deepcopy(self.lines[key]))

    def restore_line(self, line_id: UUID | str, position: int | None = None) -> None:
        """Put back a line removed from this budget as it was (used by undo), with 0 for any
        year added since; refused if it held money in a year the budget no longer covers."""
        self.require_draft()
        key = as_id(line_id)
        if key in self.lines:
            raise Conflict("That line is already in the budget.", line_id=key)
        if key not in self.removed:
            raise NotFound("No removed line with that id in this budget.", line_id=key)
        self._require_room()
        self.trigger_event(self.LineItemRestored, line_id=key,
                           position=self._checked_position(position, len(self.order)),
                           line=self._fitted_to_years(key))

    # ---- undo and redo (which change to compensate: domain/undo.py) -----------------------

    # ---- guards ------------------------------------------------------------------------

    def _change_line_field(self, line_id: UUID | str, name: str, value: Any,
                           expected_version: int | None) -> int:
        self.require_draft()
        key = self._require_line(line_id)
        field: Field = self.lines[key][name]
        check_version(field, expected_version, LINE_FIELD_CHANGED[name], line_id=key, field=name)
        if value != field["value"]:
            self.trigger_event(self.LineItemChanged, line_id=key, field=name, value=value,
                               before=field["value"], version=field["version"] + 1)
        return self.lines[key][name]["version"]

    def require_draft(self) -> None:
        if self.status == "superseded":
            raise RuleViolated(
                "This budget revision has been superseded by a later one and cannot change.",
                status=self.status,
            )
        if self.status == "adopted":
            raise RuleViolated(
                "This budget is adopted and cannot change; start a revision instead.",
                status=self.status,
            )
        if self.status != "draft":
            raise RuleViolated(
                "This budget is proposed; return it to draft before changing it.",
                status=self.status,
            )

    def _require_room(self) -> None:
        if len(self.lines) >= MAX_LINES:
            raise RuleViolated("A budget has at most {max_lines} lines.", max_lines=MAX_LINES)

    def _require_line(self, line_id: UUID | str) -> str:
        key = as_id(line_id)
        if key not in self.lines:
            raise NotFound("No such line in this budget.", line_id=key)
        return key

    def _require_year(self, year: object) -> int:
        """A year of the budget, as an int (digits in text are accepted; 2027.0 is not)."""
        if isinstance(year, str) and year.isdigit():
            year = int(year)
        if isinstance(year, bool) or not isinstance(year, int) or year not in self.years:
            raise RuleViolated(
                "The budget covers {first}–{last}; {year} is outside it.",
                first=self.years[0], last=self.years[-1], year=year,
                field="year", years=list(self.years),
            )
        return year

    @staticmethod
    def _checked_amount(amount: object) -> int:
        return require_int(amount, "amount", minimum=0, maximum=MAX_AMOUNT)

    @staticmethod
    def _checked_position(position: int | None, last: int) -> int:
        if position is None:
            return last
        return min(max(require_int(position, "position"), 0), last)
