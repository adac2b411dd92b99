"""This process's live connections: who each is, what it signed in with, which plans it joined.

The namespace, the dispatcher and the sweep share it (from several threads, or greenlets under
gevent), so every read and change holds one lock and hands out copies.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from typing import Any

from adapters.accounts import token_hash
from adapters.credentials import SESSION, TOKEN


@dataclass(frozen=True)
class Credential:
    """What a connection signed in with: a page session (cookie) or an API token."""

    kind: str  # SESSION or TOKEN
    secret: str

    @functools.cached_property
    def hash(self) -> str:
        return token_hash(self.secret)


@dataclass
class Connection:
    sid: str
    person_id: str
    credential: Credential
    guard: Any  # web.live.guard.ConnectionGuard
    locale: str | None = None  # the reader's language when it connected, for what it is told
    joined: dict[str, dict[str, Any]] = field(default_factory=dict)  # plan → person entry


class Connections:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_sid: dict[str, Connection] = {}

    def add(self, connection: Connection) -> None:
        with self._lock:
            self._by_sid[connection.sid] = connection

    def remove(self, sid: str) -> Connection | None:
        with self._lock:
            return self._by_sid.pop(sid, None)

    def get(self, sid: str) -> Connection | None:
        with self._lock:
            return self._by_sid.get(sid)

    def join(self, sid: str, plan_id: str, person: dict[str, Any]) -> bool:
        """Note that the connection joined the plan as `person` (False: it is gone)."""
        with self._lock:
            connection = self._by_sid.get(sid)
            if connection is None:
                return False
            connection.joined[plan_id] = dict(person)
            return True

    def leave(self, sid: str, plan_id: str) -> bool:
        with self._lock:
            connection = self._by_sid.get(sid)
            return connection is not None and connection.joined.pop(plan_id, None) is not None

    def person_in(self, sid: str, plan_id: str) -> dict[str, Any] | None:
        """The person entry the connection joined the plan with (None: not joined)."""
        with self._lock:
            connection = self._by_sid.get(sid)
            person = connection.joined.get(plan_id) if connection else None
            return dict(person) if person else None

    def plans_of(self, sid: str) -> list[str]:
        with self._lock:
            connection = self._by_sid.get(sid)
            return list(connection.joined) if connection else []

    def joined_to(self, plan_id: str) -> list[tuple[str, dict[str, Any]]]:
        """(sid, person entry) of every connection in the plan's meeting."""
        with self._lock:
            return [(sid, dict(c.joined[plan_id])) for sid, c in self._by_sid.items()
                    if plan_id in c.joined]

    def with_credential(self, hashes: set[str]) -> list[str]:
        """The connections signed in with any of these session or token hashes."""
        with self._lock:
            return [sid for sid, c in self._by_sid.items() if c.credential.hash in hashes]

    def credentials(self) -> list[tuple[str, str, str, str]]:
        """(sid, person id, kind, hash) of every connection."""
        with self._lock:
            return [(sid, c.person_id, c.credential.kind, c.credential.hash)
                    for sid, c in self._by_sid.items()]

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_sid)


__all__ = ["SESSION", "TOKEN", "Connection", "Connections", "Credential"]
