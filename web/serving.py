"""The HTTP server behind `samverkan serve`: gevent's pywsgi, or werkzeug's threads when
SAMVERKAN_ASYNC_MODE=threading; quiet, closing each connection whose WebSocket ended, and
stopping cleanly on SIGINT (Ctrl+C) or SIGTERM.

A WebSocket takes its TCP connection over from HTTP: simple-websocket (through python-engineio)
writes the 101 answer and every frame itself, and the WSGI call returns only when the WebSocket
has ended — without an HTTP response, so the server would go on reading the connection as
keep-alive HTTP. Whatever came next would then be served as a request: leftover frame bytes
(logged as "Invalid HTTP method" on every clean disconnect) or, behind a proxy that tunnels
WebSockets, a request smuggled past it. So after any request that asked for a WebSocket the
connection is shut down, whatever the client does next.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from contextlib import suppress
from typing import Any, Protocol

from web.draining import begin_stopping

STOP_SECONDS = 1.0  # how long open requests get to finish once the server stops (idle keep-alive too)


def _asked_for_websocket(environ: dict[str, Any] | None) -> bool:
    return bool(environ) and environ.get("HTTP_UPGRADE", "").lower() == "websocket"  # type: ignore[union-attr]


def _closes(headers: list[tuple[bytes, bytes]] | None) -> bool:
    """Whether the answer says Connection: close (pywsgi keeps its headers as bytes)."""
    return any(name.lower() == b"connection" and value.lower() == b"close"
               for name, value in headers or ())


class _Undrained:
    """Stands in for pywsgi's request body once the answer closes the connection: nothing to drain."""

    def _discard(self) -> None:
        return None


LINGER_SECONDS, LINGER_BYTES = 2.0, 1024 * 1024


def _linger(connection: Any) -> None:
    """Close after a refusal the way servers do (nginx's lingering close): the answer goes out and
    the write side ends (the client sees the end), then what the client is still sending is read
    and dropped for a bounded time, so that closing with unread data (a reset) cannot destroy the
    answer before the client has read it; then the connection ends whatever the client does."""
    with suppress(OSError):
        connection.shutdown(socket.SHUT_WR)
        connection.settimeout(LINGER_SECONDS)
        dropped = 0
        while dropped < LINGER_BYTES and (piece := connection.recv(65536)):
            dropped += len(piece)
    _shut(connection)


def _shut(connection: Any) -> None:
    """End the TCP connection itself: the WebSocket's duplicate descriptor ends with it."""
    with suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class Server(Protocol):
    """One listening server, started in the background, stopped by `stop()`."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class GeventServer:
    def __init__(self, app: Any, host: str, port: int) -> None:
        from gevent import pywsgi
        from gevent.pool import Pool

        class Handler(pywsgi.WSGIHandler):
            def run_application(self) -> None:
                super().run_application()
                if _closes(self.response_headers):
                    # A refusal that closes the connection (413: too large) must not then read
                    # all of the body it refused: pywsgi would drain it for a next request that
                    # never comes. A short, bounded linger follows instead (_linger).
                    self.close_connection = True
                    self.wsgi_input = _Undrained()

            def handle_one_response(self) -> None:
                try:
                    super().handle_one_response()
                finally:
                    if _asked_for_websocket(self.environ):
                        self.close_connection = True
                        _shut(self.socket)
                    elif _closes(self.response_headers):
                        _linger(self.socket)

        # log=None: no access log line per request; error_log keeps what is a real problem.
        # A pool, so that stop() waits for (and then ends) the connections still open.
        self.app = app
        self.server = pywsgi.WSGIServer((host, port), app, log=None, handler_class=Handler,
                                        spawn=Pool())
        self.server.init_socket()
        _no_delay(self.server.socket)

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.close()  # stop accepting
        begin_stopping(self.app)  # finish socket commands, tell the sockets, close them
        self.server.stop(timeout=STOP_SECONDS)


class ThreadedServer:
    def __init__(self, app: Any, host: str, port: int) -> None:
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Handler(WSGIRequestHandler):
            def run_wsgi(self) -> None:
                try:
                    super().run_wsgi()
                finally:
                    if _asked_for_websocket(getattr(self, "environ", None)):
                        self.close_connection = True
                        _shut(self.connection)

            def log_request(self, *args: Any, **kwargs: Any) -> None:
                """No access log line per request (as under gevent)."""

        self.app = app
        self.server = make_server(host, port, app, threaded=True, request_handler=Handler)
        _no_delay(self.server.socket)
        self._thread = threading.Thread(target=self.server.serve_forever, name="http", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()  # stop accepting (and wait for the accepting loop to end)
        self.server.server_close()
        begin_stopping(self.app)


def make_server(app: Any, host: str, port: int, mode: str) -> Server:
    return GeventServer(app, host, port) if mode == "gevent" else ThreadedServer(app, host, port)


def _no_delay(listening: socket.socket) -> None:
    """TCP_NODELAY: without it a socket that still has a frame in flight holds the next one until
    the client's delayed ACK (up to 40 ms) — measured as a 40 ms floor under every fan-out load
    (scripts/bench_realtime.py). Accepted sockets inherit it on Linux."""
    listening.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def serve_until_signalled(server: Server, mode: str) -> None:
    """Run `server` until SIGINT or SIGTERM, then stop it (a second signal ends the process)."""
    stopping = _event(mode)

    def on_signal(*_: Any) -> None:
        if stopping.is_set():
            os._exit(1)  # a second Ctrl+C: the operator does not want to wait
        stopping.set()

    if mode == "gevent":
        import gevent

        handlers = [gevent.signal_handler(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)]
    else:
        handlers = []
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, on_signal)
    server.start()
    try:
        while not stopping.wait(1.0):
            pass
        server.stop()
    finally:
        for handler in handlers:
            handler.cancel()


def _event(mode: str) -> Any:
    if mode == "gevent":
        from gevent.event import Event

        return Event()
    return threading.Event()
