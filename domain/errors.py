"""Domain errors: plain-language messages plus machine-readable details, never HTTP codes."""

from __future__ import annotations

from typing import Any


def translatable(text: str) -> str:
    """Marks a message template for the translation catalogues (see babel.cfg); returns it."""
    return text


class DomainError(Exception):
    """Base of every error a use case may raise on purpose."""

    code = "domain_error"

    def __init__(self, template: str, **details: Any) -> None:
        """`template` names its blanks ({label}, {year} …), filled from `details`.

        The web layer translates the template and fills it in the reader's language, so
        domain messages are never built with f-strings.
        """
        self.template = template
        self.details = details
        self.message = template.format_map(details)
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.details}


class NotFound(DomainError):
    """The plan, budget, line, service, commitment … does not exist."""

    code = "not_found"


class Conflict(DomainError):
    """The command was made against a state that has since changed."""

    code = "conflict"


class StaleEdit(Conflict):
    """A field was edited on a stale version; details carry the current value and who set it."""

    code = "stale_edit"


class RuleViolated(DomainError):
    """The command breaks a business rule (or a value is out of its allowed range)."""

    code = "rule_violated"


class NotAllowed(DomainError):
    """The acting person's role does not allow this command."""

    code = "not_allowed"


class CommandIdTaken(Conflict):
    """The command id was used before by someone else, or for another plan or aggregate."""

    code = "command_id_taken"


class Busy(DomainError):
    """So many writers raced for the same aggregate that the command could not be saved in
    time; nothing was stored. `retry_after` (seconds): send it again, with the same command id."""

    code = "busy"
