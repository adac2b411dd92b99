"""What every message of one live connection passes before anything runs.

In order: the page session or API token it connected with must still be open (asked of the
database at most once a second, so a sign-out, password change or erasure in another process
ends the socket at its next message; the sweep ends quiet ones), the connection must be within
its rate, the message within 16 KiB, and every text in it storable. Each refusal is an `error`
object for an `ok: false` reply (docs/realtime.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask_babel import gettext

from web.live import limits
from web.live.connections import Credential
from web.text_input import first_unfit_text

SESSION_CHECK_SECONDS = 1.0


def not_signed_in() -> dict[str, Any]:
    return {"error": "not_signed_in",
            "message": gettext("Your session has ended. Sign in again to take part.")}


class ConnectionGuard:
    def __init__(self, credential: Credential, person_id: str,
                 clock: limits.Clock = time.monotonic) -> None:
        self.credential, self.person_id, self.clock = credential, person_id, clock
        self.checked = clock()  # the credential was open when the socket connected
        self.buckets = {
            "command": limits.TokenBucket(limits.COMMANDS_PER_SECOND, limits.COMMAND_BURST, clock),
            "focus": limits.TokenBucket(limits.FOCUS_PER_SECOND, limits.FOCUS_BURST, clock),
        }

    def refusal(self, kind: str, data: Any,
                person_of: Callable[[Credential], str | None]) -> dict[str, Any] | None:
        """Why this message must not run (None: it may). `kind`: join, leave, focus, command."""
        if not self.signed_in(person_of):
            return not_signed_in()
        wait = self.buckets["focus" if kind == "focus" else "command"].take()
        if wait:
            return {"error": "rate_limited", "retry_after": limits.retry_after(wait),
                    "message": gettext("Too many changes at once. Wait a moment and try again.")}
        if limits.size_of(data) > limits.MAX_MESSAGE_BYTES:
            return {"error": "too_large", "limit": limits.MAX_MESSAGE_BYTES,
                    "message": gettext("That message is too large to be taken.")}
        if (where := first_unfit_text(data)) is not None:
            return {"error": "invalid", "message": gettext("Some values are missing or invalid."),
                    "fields": {where: [gettext(
                        "This text has characters that cannot be stored (control characters "
                        "or broken Unicode).")]}}
        return None

    def signed_in(self, person_of: Callable[[Credential], str | None]) -> bool:
        now = self.clock()
        if now - self.checked < SESSION_CHECK_SECONDS:
            return True
        if person_of(self.credential) != self.person_id:
            return False
        self.checked = now
        return True
