"""Graceful shutdown of a web process (SIGTERM from the operator, the orchestrator or gunicorn).

In this order: /readyz says `stopping` (the proxy sends no one new); socket commands that have
started are finished, and new ones are answered `busy` (the client sends them again, with the
same command id, once it has reconnected — to another process); every socket is then told
`server_stopping` (docs/realtime.md) and closed, so browsers reconnect through the proxy at once
instead of waiting for a timeout. The caller then stops the HTTP server (open requests finish)
and closes the System, which releases the follower lock for a process that stays.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from domain.errors import Busy, translatable

log = logging.getLogger(__name__)

COMMAND_GRACE_SECONDS = 10.0  # how long started socket commands get to finish
RETRY_AFTER_SECONDS = 1.0  # what `busy` tells a command that came too late


class Drain:
    """Counts the socket commands under way, and refuses new ones once stopping."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._active = 0
        self.stopping = False

    @contextmanager
    def command(self) -> Iterator[None]:
        with self._lock:
            if self.stopping:
                # The words of every `busy` (already in the catalogues): the client sends it
                # again by itself, so the person needs no more than "try again in a moment".
                raise Busy(translatable("Many changes are being saved at once. Nothing was saved "
                                        "yet; try again in a moment."),
                           retry_after=RETRY_AFTER_SECONDS, stopping=True)
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0:
                    self._idle.notify_all()

    def stop_taking_commands(self, timeout: float = COMMAND_GRACE_SECONDS) -> bool:
        """Refuse new commands and wait (bounded) for those under way; whether all finished."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self.stopping = True
            while self._active and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
            return self._active == 0


def drain_of(app: Any) -> Drain:
    return app.extensions.setdefault("samverkan_drain", Drain())


def begin_stopping(app: Any, timeout: float = COMMAND_GRACE_SECONDS) -> None:
    """Everything before the HTTP server stops: see the module's docstring."""
    app.extensions["samverkan_draining"] = True
    if not drain_of(app).stop_taking_commands(timeout):
        log.warning("stopping with socket commands still under way after %.0f s", timeout)
    tell_sockets_to_reconnect()


def tell_sockets_to_reconnect() -> None:
    """`server_stopping` to every live socket, then close them all (the transport, so the
    client's own reconnection starts at once)."""
    from web.extensions import socketio
    from web.live import NAMESPACE

    server = getattr(socketio, "server", None)
    if server is None:
        return
    with suppress(Exception):
        # ignore_queue: this process's sockets only, never the other processes' (Redis queue).
        server.emit("server_stopping", {"reconnect": True}, namespace=NAMESPACE, ignore_queue=True)
    # Not engine.io's disconnect(): it waits for each socket's queue to empty, which a polling
    # client that never polls again never does. Queued first, `server_stopping` still goes out
    # before the close packet on every socket that is being read.
    eio = server.eio
    for sid, client in list(eio.sockets.items()):
        with suppress(Exception):
            client.close(wait=False, reason=eio.reason.SERVER_DISCONNECT)
        eio.sockets.pop(sid, None)
