"""Request size: a body over its route's limit is refused with 413 before it is read (with or
without a Content-Length), stores nothing, and no refused form echoes a field longer than the
field may be."""

from __future__ import annotations

import datetime
import os
import select
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder, run_wsgi_app

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.decisions import MAX_TEXT
from tests.e2e.auth_helpers import DEMO_EMAILS, csrf_token, post_form, sign_in
from tests.e2e.browser_support import start_server, stop_server
from tests.e2e.test_authorisation_matrix import _state
from web.request_limits import FORM_BODY, MAX_BODY

MIB = 1024 * 1024


class Endless:
    """A request body that never ends, counting what the server read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        size = 64 * 1024 if size is None or size < 0 else size
        self.read_bytes += size
        return b"a" * size

    def readline(self, size: int | None = -1) -> bytes:
        return self.read(size)


def _send(app: Flask, path: str, content_length: int | None, **headers: str) -> tuple[Any, Endless]:
    """POST an endless body: with a Content-Length (20 MB, say), or chunked without one."""
    environ = EnvironBuilder(path=path, method="POST", headers=headers,
                             content_type="application/x-www-form-urlencoded").get_environ()
    body = Endless()
    environ["wsgi.input"] = body
    if content_length is None:
        environ.pop("CONTENT_LENGTH", None)
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True  # what servers that de-chunk say
    else:
        environ["CONTENT_LENGTH"] = str(content_length)
    chunks, status, reply_headers = run_wsgi_app(app.wsgi_app, environ, buffered=True)
    return (status, dict(reply_headers), b"".join(chunks).decode()), body


@pytest.mark.parametrize("content_length", [20 * MIB, 100 * MIB, MAX_BODY + 1, FORM_BODY + 1])
def test_a_body_over_the_limit_is_refused_from_its_length_without_being_read(
        app: Flask, demo_system: System, content_length: int) -> None:
    before = _state(demo_system)
    (status, headers, text), body = _send(app, "/sign-in?lang=en", content_length)
    assert status.startswith("413")
    assert body.read_bytes == 0
    assert headers["Connection"] == "close"  # the rest of the body is no next request
    assert "What was sent is too large: at most 16 KiB can be sent here." in text
    assert _state(demo_system) == before


def test_a_chunked_body_is_refused_as_soon_as_it_crosses_the_limit(
        app: Flask, demo_system: System) -> None:
    before = _state(demo_system)
    (status, _, text), body = _send(app, "/sign-in?lang=en", None)
    assert status.startswith("413")
    assert body.read_bytes <= FORM_BODY + 1  # never more than one byte past the limit
    assert "too large" in text and _state(demo_system) == before


def test_an_api_call_over_the_limit_gets_413_in_json(app: Flask) -> None:
    (status, headers, text), _ = _send(app, "/api/me", 2 * MIB)
    assert status.startswith("413") and headers["Content-Type"] == "application/json"
    assert '"error":"too_large"' in text.replace(" ", "")


def test_a_chunked_body_within_the_limit_is_read_whole(app: Flask) -> None:
    client = app.test_client()
    reply = client.post("/sign-in", data=b"email=a%40b.se&password=x", headers={
        "Transfer-Encoding": "chunked", "Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status_code == 400  # read (and refused for its missing CSRF token), not 413


@pytest.fixture
def anna(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, DEMO_EMAILS["Anna Berg"]).status_code == 302
    client.get("/?lang=en")
    return client


def _decision(demo: DemoPlan, anna_id: str, text: str, title: str = "Beslut") -> dict[str, Any]:
    return {"decided_on": datetime.date.today().isoformat(), "title": title, "text": text,
            "attendees": [anna_id]}


def test_a_small_form_refuses_what_a_large_one_takes(anna: FlaskClient, demo: DemoPlan,
                                                     demo_system: System) -> None:
    anna_id = next(p.person_id for p in demo.people if p.name.startswith("Anna"))
    before = _state(demo_system)
    invite = post_form(anna, f"/plans/{demo.plan_id}/invitations", {
        "email": "a@example.org", "role": "observer", "padding": "x" * FORM_BODY}, page="/account")
    assert invite.status_code == 413 and _state(demo_system) == before
    # the longest decision text, in letters that take four bytes each, still goes through
    longest = post_form(anna, f"/plans/{demo.plan_id}/decisions/new",
                        _decision(demo, anna_id, "😀" * MAX_TEXT), page="/account")
    assert longest.status_code == 302, longest.status_code


# ---- never echo more than a field holds ----------------------------------------------------

def test_a_refused_sign_in_does_not_echo_an_address_longer_than_an_address(app: Flask) -> None:
    client = app.test_client()
    huge = "x" * 5000 + "@example.org"
    reply = post_form(client, "/sign-in", {"email": huge, "password": "p", "next": "/" + "n" * 3000})
    assert reply.status_code == 400
    assert "x" * 400 not in reply.text and "n" * 2100 not in reply.text
    fits = post_form(client, "/sign-in", {"email": "someone@example.org", "password": ""})
    assert fits.status_code == 400 and 'value="someone@example.org"' in fits.text


def test_a_refused_invitation_and_decision_echo_only_what_fits(anna: FlaskClient,
                                                               demo: DemoPlan) -> None:
    invite = post_form(anna, f"/plans/{demo.plan_id}/invitations",
                       {"email": "y" * 3000, "role": "observer"}, page="/account")
    assert invite.status_code == 400 and "y" * 400 not in invite.text
    anna_id = next(p.person_id for p in demo.people if p.name.startswith("Anna"))
    decision = post_form(anna, f"/plans/{demo.plan_id}/decisions/new",
                         _decision(demo, anna_id, "Texten får stå kvar.", title="T" * 3000),
                         page="/account")
    assert decision.status_code == 400
    assert "T" * 201 not in decision.text and "Texten får stå kvar." in decision.text


def test_a_refused_new_account_does_not_echo_a_name_longer_than_a_name(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    anna_id = next(p.person_id for p in demo.people if p.name.startswith("Anna"))
    _, token = demo_system.invitations.create(demo.plan_id, "ny@example.org", "observer", None,
                                              anna_id)
    client = app.test_client()
    reply = client.post(f"/invitations/{token}", data={
        "csrf_token": csrf_token(client, f"/invitations/{token}"), "name": "N" * 5000,
        "password": "a-good-password", "repeat_password": "a-good-password"})
    assert reply.status_code == 400 and "N" * 201 not in reply.text


# ---- through a real server socket ----------------------------------------------------------

def _rss(pid: int) -> int:
    """Resident memory of a process in bytes (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _head(host: str, port: int, extra: str) -> socket.socket:
    conn = socket.create_connection((host, port), timeout=10)
    conn.sendall((f"POST /sign-in HTTP/1.1\r\nHost: {host}:{port}\r\n"
                  "Content-Type: application/x-www-form-urlencoded\r\n" + extra + "\r\n").encode())
    return conn


def _answered(conn: socket.socket) -> bool:
    # poll, not select: select() refuses descriptors above 1023, which a long suite reaches.
    poller = select.poll()
    poller.register(conn, select.POLLIN)
    return bool(poller.poll(0))


def _status_line(conn: socket.socket) -> bytes:
    conn.settimeout(10)
    return conn.recv(65536).split(b"\r\n", 1)[0]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc for memory")
def test_the_running_server_refuses_20_mb_before_the_client_has_sent_it(tmp_path: Path) -> None:
    process, server = start_server(tmp_path)
    try:
        host, port = "127.0.0.1", int(server.url.rsplit(":", 1)[1])
        rss_before = _rss(process.pid)
        piece, sent = b"a" * 65536, 0
        conn = _head(host, port, f"Content-Length: {20 * MIB}\r\n")
        deadline = time.monotonic() + 10
        while not _answered(conn) and sent < 20 * MIB and time.monotonic() < deadline:
            conn.sendall(piece)
            sent += len(piece)
            time.sleep(0.001)
        assert _status_line(conn).startswith(b"HTTP/1.1 413"), "no 413 while the body came in"
        assert sent < 2 * MIB, f"the server waited for {sent} bytes before it answered"
        assert _closed_without_reading_on(conn), "the server went on reading the refused body"
        conn.close()
        # chunked: refused once the body crosses the form's limit
        conn = _head(host, port, "Transfer-Encoding: chunked\r\n")
        sent = 0
        while not _answered(conn) and sent < 20 * MIB and time.monotonic() < deadline + 10:
            conn.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            sent += len(piece)
            time.sleep(0.001)
        assert _status_line(conn).startswith(b"HTTP/1.1 413")
        assert sent < 2 * MIB, f"the server waited for {sent} chunked bytes"
        conn.close()
        assert _rss(process.pid) - rss_before < 10 * MIB, "the server kept a large body in memory"
        # and it still serves everyone else
        with socket.create_connection((host, port), timeout=5) as other:
            other.sendall(f"GET /sign-in HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            assert _status_line(other).startswith(b"HTTP/1.1 200")
    finally:
        stop_server(process)
        if os.environ.get("SAMVERKAN_KEEP_LOGS") is None:
            server.log.unlink(missing_ok=True)


def _closed_without_reading_on(conn: socket.socket, seconds: float = 3.0) -> bool:
    """True when the server ends the connection while the client sends nothing more (it does not
    wait to drain the millions of bytes still announced)."""
    conn.settimeout(seconds)
    try:
        while conn.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True  # reset by the server: closed as well
    return True
