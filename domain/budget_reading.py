"""What a budget says now: a line's total, an organisation's share of it, who shares it, and
the budget's total. Read-only methods of domain/budgets.py's Budget (a mixin, as
budget_years.py and budget_lifecycle.py are)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.context import as_id
from domain.fields import unset_field


class BudgetReading:
    """Needs the Budget's lines, order and _require_line."""

    lines: dict[str, dict[str, Any]]
    order: list[str]

    def line_total(self, line_id: str) -> int:
        return sum(f["value"] for f in self.lines[line_id]["amounts"].values())

    def share_of(self, line_id: UUID | str, actor_id: UUID | str) -> int:
        """An organisation's share of a line now (0 when none is set)."""
        line = self.lines[self._require_line(line_id)]
        return line["shares"].get(as_id(actor_id), unset_field())["value"] or 0

    def sharing(self, line_id: UUID | str) -> set[str]:
        """The organisations paying (or receiving) a share of a line above 0."""
        line = self.lines[self._require_line(line_id)]
        return {actor for actor, f in line["shares"].items() if f["value"]}

    def total(self) -> int:
        return sum(self.line_total(lid) for lid in self.order)
