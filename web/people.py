"""People's names as pages show them: the name, or "erased person #id" in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext

from web.app import system


def unnamed(person_id: str, erased: bool) -> str:
    """Someone without a name to show: erased (GDPR), or not in the people store at all."""
    if erased:
        return gettext("erased person #%(id)s", id=person_id[:8])
    return gettext("unknown person #%(id)s", id=person_id[:8])


def display_names(person_ids: Iterable[str]) -> dict[str, str]:
    """Names to show for these people, looked up now (an erasure shows at once)."""
    return system().people.display_names(set(person_ids), unnamed=unnamed)
