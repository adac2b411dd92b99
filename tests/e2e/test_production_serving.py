"""Production serving with real processes on loopback: gunicorn's gevent worker serves pages and
sockets, and SIGTERM (to gunicorn or to `samverkan serve`) stops a process gracefully."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import socketio

from adapters.follower_lock import follower_lock_for
from tests.e2e.process_support import (
    ROOT,
    Served,
    Store,
    first_budget,
    free_port,
    log_head,
    store_for,
)

pytestmark = pytest.mark.slow
COMMANDS = {"embedded": ["serve"], "gunicorn": ["serve", "--prod"]}


def _start(store: Store, how: str, name: str, extra_env: dict[str, str] | None = None) -> Served:
    port = free_port()
    folder = Path(store.env["SAMVERKAN_DATA"]).parent
    out, err = folder / f"{name}.out", folder / f"{name}.err"
    env = {**store.env, "PORT": str(port), **(extra_env or {})}
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "web.entry", *COMMANDS[how]], cwd=ROOT,
                                   env=env, stdout=stdout, stderr=stderr)
    served = Served(process, f"http://127.0.0.1:{port}", out, err)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(served.url + "/readyz", timeout=2):
                return served
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait(timeout=5)
                pytest.fail(f"{how} did not start:\n{out.read_text()}\n{err.read_text()}")
            time.sleep(0.1)


@pytest.fixture
def run_store(tmp_path: Path) -> Store:
    return store_for(tmp_path)


def _line(served: Served, budget_id: str) -> tuple[str, int]:
    sheet = served.json(f"/api/budgets/{budget_id}/sheet")
    line = next(li for li in sheet["lines"] if li["amounts"])
    return line["line_id"], int(next(iter(line["amounts"])))


def test_gunicorn_serves_a_page_and_a_socket(run_store: Store) -> None:
    served = _start(run_store, "gunicorn", "gunicorn")
    try:
        plan_id, budget_id = first_budget(served)
        status, page = served.get(f"/budgets/{budget_id}")
        assert status == 200 and "<html" in page
        cookie = served.cookie()

        async def meeting() -> dict[str, Any]:
            client = socketio.AsyncClient(reconnection=False)
            await client.connect(served.url, headers={"Cookie": cookie}, namespaces=["/live"],
                                 transports=["websocket"], wait_timeout=10)
            try:
                return await client.call("join", {"plan_id": plan_id, "budget_id": budget_id},
                                         namespace="/live", timeout=10)
            finally:
                await client.disconnect()

        joined = asyncio.run(asyncio.wait_for(meeting(), timeout=30))
        assert joined["ok"], joined
        assert "gunicorn" in served.errors()  # it really is gunicorn that answered
    finally:
        assert served.stop(signal.SIGTERM, timeout=30) == 0


def test_gunicorn_with_json_logs_writes_only_json_lines(run_store: Store) -> None:
    served = _start(run_store, "gunicorn", "json", {"SAMVERKAN_LOG_FORMAT": "json"})
    try:
        request = urllib.request.Request(served.url + "/healthz", headers={"X-Request-ID": "edge-1"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.headers["X-Request-ID"] == "edge-1"
    finally:
        assert served.stop(signal.SIGTERM, timeout=30) == 0
    lines = served.errors().splitlines()
    assert len(lines) >= 4  # gunicorn's start and stop lines at least
    for line in lines:
        record = json.loads(line)
        assert {"time", "level", "logger", "message", "request_id", "command_id"} <= set(record)
    assert any(json.loads(x)["message"].startswith("Worker exiting") for x in lines)


async def _edit_through_a_stop(served: Served, cookie: str, plan_id: str, budget_id: str,
                               line_id: str, year: int) -> dict[str, Any]:
    """Stream commands; SIGTERM the server after the first few replies. What each got back, and
    whether the socket was told `server_stopping` before it closed."""
    client = socketio.AsyncClient(reconnection=False)
    told: list[dict[str, Any]] = []
    closed = asyncio.Event()
    client.on("server_stopping", told.append, namespace="/live")
    client.on("disconnect", lambda *_: closed.set(), namespace="/live")
    await client.connect(served.url, headers={"Cookie": cookie}, namespaces=["/live"],
                         transports=["websocket"], wait_timeout=10)
    joined = await client.call("join", {"plan_id": plan_id, "budget_id": budget_id},
                               namespace="/live", timeout=10)
    assert joined["ok"], joined
    commands = [{"command_id": str(uuid.uuid4()), "type": "change_amount", "budget_id": budget_id,
                 "line_id": line_id, "year": year, "amount": 100_000 + n} for n in range(60)]
    replies: dict[str, Any] = {}

    async def send(command: dict[str, Any]) -> None:
        try:
            replies[command["command_id"]] = await client.call("command", command,
                                                               namespace="/live", timeout=15)
        except Exception as error:  # the socket closed before the reply
            replies[command["command_id"]] = repr(error)

    pending = []
    for n, command in enumerate(commands):
        pending.append(asyncio.ensure_future(send(command)))
        if n == 20:
            served.process.send_signal(signal.SIGTERM)
        await asyncio.sleep(1 / 16)  # under the socket's limit of 20 commands a second
    await asyncio.gather(*pending)
    await asyncio.wait_for(closed.wait(), timeout=20)
    await client.disconnect()
    return {"commands": commands, "replies": replies, "told": told}


async def _send(served: Served, plan_id: str, budget_id: str,
                commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(served.url, headers={"Cookie": served.cookie()}, namespaces=["/live"],
                         transports=["websocket"], wait_timeout=10)
    try:
        joined = await client.call("join", {"plan_id": plan_id, "budget_id": budget_id},
                                   namespace="/live", timeout=10)
        assert joined["ok"], joined
        replies = []
        for command in commands:
            replies.append(await client.call("command", command, namespace="/live", timeout=10))
            await asyncio.sleep(1 / 16)
        return replies
    finally:
        await client.disconnect()


@pytest.mark.parametrize("how", ["embedded", "gunicorn"])
def test_sigterm_finishes_commands_tells_sockets_to_reconnect_and_releases_the_lock(
        run_store: Store, how: str) -> None:
    served = _start(run_store, how, "first")
    try:
        plan_id, budget_id = first_budget(served)
        line_id, year = _line(served, budget_id)
        before = log_head(run_store)
        started = time.monotonic()
        run = asyncio.run(asyncio.wait_for(
            _edit_through_a_stop(served, served.cookie(), plan_id, budget_id, line_id, year), 90))
        assert served.process.wait(timeout=30) == 0, served.errors()
    finally:
        if served.process.poll() is None:  # the test failed before the stop: leave no server
            served.process.kill()
            served.process.wait(timeout=10)
    assert time.monotonic() - started < 25  # graceful, not the arbiter's kill after its timeout
    assert run["told"] == [{"reconnect": True}]
    replies = run["replies"]
    acknowledged = [c for c in run["commands"] if isinstance(replies[c["command_id"]], dict)
                    and replies[c["command_id"]]["ok"]]
    refused = [replies[c["command_id"]] for c in run["commands"]
               if isinstance(replies[c["command_id"]], dict) and not replies[c["command_id"]]["ok"]]
    assert acknowledged, "nothing was stored before the stop"
    assert all(r["error"]["error"] == "busy" and r["error"]["stopping"] for r in refused), refused[:3]
    assert "Traceback" not in served.errors() + served.output()
    # The System was closed (the follower lock released by it, not merely by the process's end).
    assert served.output().splitlines()[-1] == "Samverkan stopped."
    # Every acknowledged command was stored; what was not acknowledged may have been.
    stored = log_head(run_store) - before
    assert len(acknowledged) <= stored <= len(acknowledged) + sum(
        1 for r in replies.values() if not isinstance(r, dict))
    lock = follower_lock_for(run_store.settings.event_store_env())
    try:
        assert lock.try_acquire(), "the stopped process still holds the follower lock"
    finally:
        lock.release()
        lock.close()
    # The client sends what got no `ok` again, with the same ids, to the next process: each
    # command is then stored exactly once.
    again = _start(run_store, how, "second")
    try:
        resent = [c for c in run["commands"] if c not in acknowledged]
        assert resent, "the stop refused nothing: it came after the stream"
        for reply in asyncio.run(asyncio.wait_for(_send(again, plan_id, budget_id, resent), 60)):
            assert reply["ok"], reply
        assert log_head(run_store) - before == len(run["commands"])
    finally:
        assert again.stop(signal.SIGTERM, timeout=30) == 0
