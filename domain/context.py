"""Who is acting: set by the web layer, CLI or tests; recorded by every event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from uuid import UUID

from domain.errors import NotFound


@dataclass(frozen=True)
class Acting:
    """The person acting and the organisation (plan actor) they act for, if any."""

    person_id: str
    org_id: str | None = None
    command_id: str | None = None


_acting: ContextVar[Acting | None] = ContextVar("samverkan_acting", default=None)


class NoActingPerson(RuntimeError):
    """A command ran outside `acting_as`: a programming error, never a user error."""


def current_acting() -> Acting:
    acting = _acting.get()
    if acting is None:
        raise NoActingPerson("Every change needs an acting person; wrap it in acting_as().")
    return acting


def as_id(value: UUID | str | None) -> str | None:
    """Canonical string form of an entity id (ids inside events and state are strings).

    Something that is not an id names nothing, so it is reported as not found.
    """
    if value is None:
        return None
    if isinstance(value, UUID):
        return str(value)
    try:
        return str(UUID(str(value)))
    except ValueError:
        raise NotFound("That is not a valid id.", id=str(value)[:80]) from None


@contextmanager
def acting_as(
    person_id: UUID | str, org_id: UUID | str | None = None, command_id: str | None = None
) -> Iterator[Acting]:
    token = _acting.set(Acting(as_id(person_id) or "", as_id(org_id), command_id))
    try:
        yield _acting.get()  # type: ignore[misc]
    finally:
        _acting.reset(token)
