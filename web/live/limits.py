"""What one live connection may send: how large a message, and how many per second.

A token bucket per connection and kind of message: `rate` tokens a second flow in up to
`burst`; each message takes one, and a message that finds none is refused with how long to
wait (the connection stays open). The clock is monotonic, and injectable for tests.
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import orjson

Clock = Callable[[], float]

MAX_MESSAGE_BYTES = 16 * 1024
#: Commands (edits), joins and leaves: a person types far slower; a script does not.
COMMANDS_PER_SECOND, COMMAND_BURST = 20.0, 20
#: Focus moves with the arrow keys, so it gets a looser bucket of its own.
FOCUS_PER_SECOND, FOCUS_BURST = 50.0, 50


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock: Clock = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = float(burst)
        self.updated = clock()
        # python-socketio may run one connection's messages in parallel threads.
        self._lock = threading.Lock()

    def take(self) -> float:
        """0.0 if a token was there (and is now taken); else the seconds until one will be."""
        with self._lock:
            now = self.clock()
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1.0 - 1e-9:  # who waited exactly as long as told gets through
                self.tokens = max(0.0, self.tokens - 1.0)
                return 0.0
            return (1.0 - self.tokens) / self.rate


def size_of(data: Any) -> int:
    """The message's size as JSON, in bytes (measured once, with orjson).

    orjson refuses integers beyond 64 bits and very deep nesting, which the standard library
    still writes; what neither can write back counts as too large.
    """
    try:
        return len(orjson.dumps(data))
    except (orjson.JSONEncodeError, TypeError):
        pass
    try:
        return len(json.dumps(data, default=repr).encode())
    except (ValueError, RecursionError):
        return sys.maxsize


def retry_after(seconds: float) -> float:
    """Seconds to wait, rounded up to the millisecond (never 0: the bucket was empty)."""
    return max(0.001, math.ceil(seconds * 1000) / 1000)
