"""The port the projection runner publishes through once a batch's views are committed.

The runner is the only follower of the log. After each batch commits it hands the batch's
events (each with its stored notification, for transports that send the stored bytes on) to
a `ChangePublisher`; the live layer listens through a `ChangeFeed` and never reads the store
itself. So a browser hears of a change only once the views include it.

The composition root chooses the transport: in-process (below) when one process does
everything, Redis Streams (adapters/redis_changes.py) when several web processes share a store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

log = logging.getLogger(__name__)

#: A committed event and its stored notification (`.id` is its position in the log).
Published = tuple[Any, Any]
#: What a listener receives: each event with its position, in log order.
Deliver = Callable[[list[tuple[Any, int]]], None]


class ChangePublisher(Protocol):
    def publish(self, batch: Sequence[Published]) -> None:
        """Send the batch on (raises if it could not: the runner then starts again from the
        database and publishes again from `head()`)."""

    def head(self) -> int | None:
        """The last position this transport is known to have published (None: it keeps no
        record, so nothing can be sent again after a restart)."""


class ChangeFeed(Protocol):
    def listen(self, deliver: Deliver) -> int | None:
        """Start calling `deliver` with what is published from now on, in log order; returns
        the position delivery starts after (None: unknown — the caller takes the views')."""

    def close(self) -> None:
        """Stop delivering."""


class InProcessChanges:
    """Publisher and feed in one: the runner's thread calls the listeners directly."""

    def __init__(self) -> None:
        self._listeners: list[Deliver] = []
        self._lock = threading.Lock()

    def publish(self, batch: Sequence[Published]) -> None:
        changes = [(event, notification.id) for event, notification in batch]
        with self._lock:
            listeners = list(self._listeners)
        for deliver in listeners:
            try:
                deliver(changes)
            except Exception:  # one broken listener must not stop the projections
                log.exception("a listener of published changes failed")

    def head(self) -> int | None:
        return None

    def listen(self, deliver: Deliver) -> int | None:
        with self._lock:
            self._listeners.append(deliver)
        return None

    def close(self) -> None:
        with self._lock:
            self._listeners.clear()
