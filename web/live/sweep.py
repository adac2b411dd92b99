"""Ends live connections whose page session or API token ended, whichever process ended it.

Once a second the sweep asks the database, in one query, which of this process's connections'
credentials are still open, and ends the others (they are told `signed_out`): a socket that
sends nothing is cut off as surely as one that does. (A sign-out in this process ends its
sockets at once; the sweep is for the others: the CLI, a second web process.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from web.live.connections import Connections

log = logging.getLogger(__name__)
SWEEP_SECONDS = 1.0

StillOpen = Callable[[Iterable[tuple[str, str]]], set[tuple[str, str, str]]]


class Sweeper:
    def __init__(self, connections: Connections, still_open: StillOpen,
                 end: Callable[[str], None], interval: float = SWEEP_SECONDS) -> None:
        self.connections, self.still_open, self.end, self.interval = (
            connections, still_open, end, interval)
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self) -> int:
        """End every connection whose credential is no longer open; returns how many."""
        held = self.connections.credentials()
        if not held:
            return 0
        open_now = self.still_open({(kind, digest) for _, _, kind, digest in held})
        ended = [sid for sid, person, kind, digest in held
                 if (kind, digest, person) not in open_now]
        for sid in ended:
            self.end(sid)
        return len(ended)

    def start(self) -> None:
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name="live-sweep", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                self.sweep()
            except Exception:  # a database hiccup must not stop the next sweep
                log.exception("the live sweep failed; trying again in %.0f s", self.interval)
