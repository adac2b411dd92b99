"""What every message of one live connection passes before anything runs.

In order: the page session it connected with must still be open (asked of the database at
most once a second, so a sign-out, password change or erasure in another process ends the
socket within a second), the connection must be within its rate, and the message within
16 KiB. Each refusal is an `error` object for an `ok: false` reply (docs/realtime.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask_babel import gettext

from adapters.accounts import token_hash
from web.live import limits

SESSION_CHECK_SECONDS = 1.0


def not_signed_in() -> dict[str, Any]:
    return {"error": "not_signed_in",
            "message": gettext("Your session has ended. Sign in again to take part.")}


class ConnectionGuard:
    def __init__(self, token: str, person_id: str, clock: limits.Clock = time.monotonic) -> None:
        self.token, self.person_id, self.clock = token, person_id, clock
        self.session_hash = token_hash(token)
        self.checked = clock()  # the session was open when the socket connected
        self.buckets = {
            "command": limits.TokenBucket(limits.COMMANDS_PER_SECOND, limits.COMMAND_BURST, clock),
            "focus": limits.TokenBucket(limits.FOCUS_PER_SECOND, limits.FOCUS_BURST, clock),
        }

    def refusal(self, kind: str, data: Any,
                session_person: Callable[[str], str | None]) -> dict[str, Any] | None:
        """Why this message must not run (None: it may). `kind`: join, leave, focus, command."""
        if not self.signed_in(session_person):
            return not_signed_in()
        wait = self.buckets["focus" if kind == "focus" else "command"].take()
        if wait:
            return {"error": "rate_limited", "retry_after": limits.retry_after(wait),
                    "message": gettext("Too many changes at once. Wait a moment and try again.")}
        if limits.size_of(data) > limits.MAX_MESSAGE_BYTES:
            return {"error": "too_large", "limit": limits.MAX_MESSAGE_BYTES,
                    "message": gettext("That message is too large to be taken.")}
        return None

    def signed_in(self, session_person: Callable[[str], str | None]) -> bool:
        now = self.clock()
        if now - self.checked < SESSION_CHECK_SECONDS:
            return True
        if session_person(self.token) != self.person_id:
            return False
        self.checked = now
        return True
