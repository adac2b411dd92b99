"""A real `samverkan serve` on loopback with the demo plan, and python-socketio clients signed
in through its sign-in form (requests), for tests that must see what goes over the wire.

Every wait is bounded; the server is stopped however the test ends.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import engineio
import pytest
import requests
import socketio

from tests.e2e.auth_helpers import DEMO_PASSWORD
from tests.e2e.browser_support import Server, copy_demo, start_server, stop_server

NS = "/live"
WAIT = 10.0
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture(name="real_server")
def real_server_fixture(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A fresh `samverkan serve` (gevent, as ./scripts/serve runs it) on a copy of the demo."""
    copy_demo(tmp_path, tmp_path_factory)
    process, server = start_server(tmp_path)
    try:
        yield server
    finally:
        stop_server(process)


def csrf_token(http: requests.Session, url: str) -> str:
    found = CSRF.search(http.get(url, timeout=WAIT).text)
    assert found, f"{url} has no csrf-token meta tag"
    return found.group(1)


def signed_in(base_url: str, email: str, password: str = DEMO_PASSWORD) -> requests.Session:
    """A requests session signed in through the form (GET /sign-in, POST with its CSRF token)."""
    http = requests.Session()
    token = csrf_token(http, f"{base_url}/sign-in")
    reply = http.post(f"{base_url}/sign-in", data={"email": email, "password": password,
                                                   "csrf_token": token}, timeout=WAIT)
    assert reply.ok and not reply.url.endswith("/sign-in"), (email, reply.status_code)
    return http


class _InOrderEngineIO(engineio.Client):
    """Runs message handlers on the reading thread, one after another (engine.io's client
    would start a thread per message, which can reorder them)."""

    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):
    def _engineio_client_class(self) -> type:
        return _InOrderEngineIO


class Listener:
    """A python-socketio client that records every server → client event in arrival order."""

    def __init__(self, url: str, http: requests.Session | None = None,
                 auth: dict[str, Any] | None = None) -> None:
        self.client = InOrderClient(reconnection=False, http_session=http, request_timeout=WAIT)
        self.events: list[tuple[str, Any]] = []
        self._lock = threading.Lock()
        for name in ("change", "presence", "access_ended", "signed_out", "connect_error"):
            self.client.on(name, self._recorder(name), namespace=NS)
        self.client.on("disconnect", self._recorder("disconnect"), namespace=NS)
        self.refused: Exception | None = None
        try:
            self.client.connect(url, namespaces=[NS], transports=["websocket"], auth=auth,
                                wait_timeout=WAIT)
        except socketio.exceptions.ConnectionError as error:
            self.refused = error

    def _recorder(self, name: str) -> Callable[..., None]:
        def record(*args: Any) -> None:
            with self._lock:
                self.events.append((name, args[0] if args else None))
        return record

    def call(self, event: str, data: Any) -> Any:
        return self.client.call(event, data, namespace=NS, timeout=WAIT)

    def named(self, name: str) -> list[Any]:
        with self._lock:
            return [data for event, data in self.events if event == name]

    def wait_for(self, found: Callable[[], Any], timeout: float = WAIT) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := found():
                return result
            time.sleep(0.02)
        raise AssertionError(f"not seen within {timeout} s; events: {self.events[-10:]}")

    def close(self) -> None:
        self.client.disconnect()
