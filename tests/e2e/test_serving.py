"""`samverkan serve` as an operator runs it: a WebSocket's TCP connection ends with it, and the
log holds what matters — the start-up lines, then one line "stopped" after Ctrl+C or SIGTERM."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import signal
import socket
import time
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlparse

import pytest
import socketio

from tests.e2e.process_support import Served, first_budget, serve, store_for

TRANSPORT = "/socket.io/?EIO=4&transport=websocket"
#: Everything `serve` may print on a fresh store: the demo, its accounts, the check, start, stop.
EXPECTED_LINES = [re.compile(p) for p in (
    r"The event store is empty: loading the demo plan …", r"  \S.*", r"Loaded the demo plan \(\d+ events\)\.",
    r"Demo accounts \(sign in with the e-mail address and the password '.+'\):",
    r"History verified: \d+ events up to #\d+\.", r"Samverkan is running on http://\S+ \(data: .+\)\. "
    r"Ctrl\+C stops it\.", r"Samverkan stopped\.")]


def _frame(opcode: int, payload: bytes) -> bytes:
    """One masked client frame (RFC 6455: clients always mask)."""
    mask = os.urandom(4)
    return (bytes([0x80 | opcode, 0x80 | len(payload)]) + mask
            + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def _upgraded(server: Served) -> socket.socket:
    """A raw TCP connection upgraded to a WebSocket on the Engine.IO transport."""
    address = urlparse(server.url)
    connection = socket.create_connection((address.hostname, address.port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    connection.sendall((f"GET {TRANSPORT} HTTP/1.1\r\nHost: {address.netloc}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += connection.recv(4096)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return connection


def _read_to_the_end(connection: socket.socket, seconds: float = 5) -> tuple[bytes, bool]:
    """What the server sends until it closes the connection; and whether it did close it."""
    received, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = connection.recv(4096)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return received, True
        if not chunk:
            return received, True
        received += chunk
    return received, False


def _close_handshake(connection: socket.socket) -> None:
    connection.sendall(_frame(0x8, (1000).to_bytes(2, "big")))  # close, "normal closure"
    connection.settimeout(1)


@pytest.fixture(params=["gevent", "threading"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Served:
    served = serve(store_for(tmp_path), f"server-{request.param}",
                   {"SAMVERKAN_ASYNC_MODE": request.param})
    yield served
    served.stop()


def test_after_a_websocket_closes_its_tcp_connection_serves_no_more_http(server: Served) -> None:
    connection = _upgraded(server)
    try:
        _close_handshake(connection)
        time.sleep(0.3)  # the WebSocket has ended on both sides
        with suppress(BrokenPipeError, ConnectionResetError):  # already closed: all the better
            connection.sendall(b"GET /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received, closed = _read_to_the_end(connection)
    finally:
        connection.close()
    assert b"HTTP/1.1" not in received, received  # the request on the WebSocket's connection
    assert closed, "the server kept the connection open after the WebSocket ended"
    assert server.get("/sign-in")[0] == 200  # a new connection is served as ever


async def _meeting(server: Served, cookie: str, plan_id: str, budget_id: str) -> None:
    """A few people join the meeting and leave it cleanly, one after the other."""
    for _ in range(3):
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(server.url, headers={"Cookie": cookie}, namespaces=["/live"],
                             transports=["websocket"], wait_timeout=10)
        joined = await client.call("join", {"plan_id": plan_id, "budget_id": budget_id},
                                   namespace="/live", timeout=10)
        assert joined["ok"], joined
        await client.disconnect()


def _a_late_close_frame(server: Served) -> None:
    """A client that sends one more close frame after the close handshake, then hangs up cleanly
    (reading what the server sent, so its kernel ends with FIN, not RST): the bytes that gevent
    used to parse as the next HTTP request, logging "Invalid HTTP method" with them."""
    late = _upgraded(server)
    try:
        _close_handshake(late)
        time.sleep(0.3)
        _read_to_the_end(late, 0.5)
        late.sendall(_frame(0x8, b""))
        late.shutdown(socket.SHUT_WR)
        _read_to_the_end(late, 2)
    except OSError:
        pass  # the server had already closed the connection
    finally:
        late.close()


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_stops_on_a_signal_with_status_0_and_a_log_of_start_and_stop_lines_only(
        server: Served, stop_with: int) -> None:
    plan_id, budget_id = first_budget(server)
    asyncio.run(asyncio.wait_for(_meeting(server, server.cookie(), plan_id, budget_id), timeout=60))
    _a_late_close_frame(server)
    time.sleep(0.5)
    assert server.stop(stop_with) == 0
    output, errors = server.output(), server.errors()
    assert "Traceback" not in output + errors and "Invalid HTTP method" not in output + errors
    assert errors == ""
    unexpected = [line for line in output.splitlines()
                  if not any(p.fullmatch(line) for p in EXPECTED_LINES)]
    assert unexpected == []
    assert output.splitlines()[-1] == "Samverkan stopped."
