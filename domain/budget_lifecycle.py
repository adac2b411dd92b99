"""A budget's lifecycle (draft → proposed → adopted → superseded) and undo by compensation.

Commands of domain/budgets.py's Budget (a mixin, as domain/budget_years.py, so that the
aggregate's module stays readable; the events, StatusChanged and the line events that undo
triggers, are the Budget's own).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.base import PlanAggregate, compensating
from domain.errors import RuleViolated

if TYPE_CHECKING:
    from domain.budgets import Budget


class BudgetLifecycle:
    """Needs the Budget's line commands, status, revision, trigger_event and StatusChanged."""

    status: str
    revision: int
    revision_of: str | None

    UNDOABLE = ("LineItemAdded", "LineItemChanged", "LineItemAmountChanged", "CostShareChanged",
                "LineItemMoved", "LineItemRemoved", "LineItemRestored")

    def undo(self, change: PlanAggregate.Event, expected_version: int | None,
             redoes: int | None = None) -> None:
        """Compensate one earlier change with a new event (nothing is ever deleted).

        A field goes back to its value before the change if it is still at
        `expected_version`. Compensating an undo is a redo (`redoes`: the change done again).
        """
        name = type(change).__name__
        if name not in self.UNDOABLE:
            raise RuleViolated("That change cannot be undone.", event=name)
        with compensating(change.originator_version, redoes):
            self._compensate(name, change, expected_version)

    def _compensate(self, name: str, e: Any, expected: int | None) -> None:
        if name == "LineItemAmountChanged":
            self.change_amount(e.line_id, e.year, e.before, expected_version=expected)
        elif name == "CostShareChanged":
            self.set_share(e.line_id, e.actor_id, e.before, expected_version=expected)
        elif name == "LineItemChanged":
            self._change_line_field(e.line_id, e.field, e.before, expected_version=expected)
        elif name == "LineItemMoved":
            self.move_line(e.line_id, e.before)
        elif name in ("LineItemAdded", "LineItemRestored"):
            self.remove_line(e.line_id)
        else:
            self.restore_line(e.line_id, e.position)

    # ---- lifecycle ---------------------------------------------------------------------

    def propose(self) -> None:
        self._change_status("proposed", allowed_from=("draft",))

    def return_to_draft(self) -> None:
        self._change_status("draft", allowed_from=("proposed",))

    def adopt(self, decision: dict[str, Any] | None = None) -> None:
        """Adopted by a decision ({id, title, decided_on}); see Samverkan.record_decision."""
        self._change_status("adopted", allowed_from=("proposed",), decision=decision)

    def supersede(self, by: Budget, decision: dict[str, Any] | None = None) -> None:
        """This adopted budget gives way to its revision `by`, adopted by `decision`."""
        if self.status != "adopted":
            self._change_status("superseded", allowed_from=("adopted",))  # says why not
        if by.revision_of != str(self.id):
            raise RuleViolated("Only this budget's own revision can supersede it.",
                               budget_id=str(by.id))
        self._change_status("superseded", allowed_from=("adopted",), decision=decision,
                            superseded_by={"budget_id": str(by.id), "revision": by.revision})

    def _change_status(self, status: str, allowed_from: tuple[str, ...],
                       decision: dict[str, Any] | None = None,
                       superseded_by: dict[str, Any] | None = None) -> None:
        if self.status not in allowed_from:
            raise RuleViolated(
                "The budget is {status}; it cannot become {new_status}.", status=self.status,
                new_status=status,
            )
        self.trigger_event(self.StatusChanged, status=status, before=self.status,
                           revision=self.revision, decision=decision, superseded_by=superseded_by)
