"""Socket commands → use cases (the server, not the client, decides conflicts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.application import Saved
from domain.usecases import Samverkan

Run = Callable[[Samverkan, dict[str, Any]], Saved]

RUN: dict[str, Run] = {
    "add_line": lambda app, c: app.add_line(
        c["budget_id"], c["label"], c["category"], c["amounts"], line_id=c["line_id"],
        position=c["position"], kind=c["kind"]),
    "rename_line": lambda app, c: app.rename_line(
        c["budget_id"], c["line_id"], c["label"], c["expected_version"]),
    "recategorise_line": lambda app, c: app.recategorise_line(
        c["budget_id"], c["line_id"], c["category"], c["expected_version"]),
    "set_line_kind": lambda app, c: app.set_line_kind(
        c["budget_id"], c["line_id"], c["kind"], c["expected_version"]),
    "change_amount": lambda app, c: app.change_amount(
        c["budget_id"], c["line_id"], c["year"], c["amount"], c["expected_version"]),
    "set_share": lambda app, c: app.set_share(
        c["budget_id"], c["line_id"], c["actor_id"], c["share"], c["expected_version"]),
    "move_line": lambda app, c: app.move_line(c["budget_id"], c["line_id"], c["position"]),
    "remove_line": lambda app, c: app.remove_line(c["budget_id"], c["line_id"]),
    "undo": lambda app, c: app.undo_last_change(c["budget_id"]),
    "redo": lambda app, c: app.redo_last_undo(c["budget_id"]),
}
