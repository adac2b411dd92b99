"""Real `samverkan` processes on loopback for the process-level tests: servers started and stopped
(or killed) by the test, one-off commands beside them, edits through a server's socket."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import socketio
from sqlalchemy import text

from adapters.settings import Settings
from tests import stores
from tests.e2e.auth_helpers import DEMO_EMAILS, DEMO_PASSWORD, http_sign_in
from tests.integration.conftest import require_postgres

ROOT = Path(__file__).resolve().parents[2]
ANNA = DEMO_EMAILS["Anna Berg"]  # the demo's facilitator: may edit the budget


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Store:
    """Where the processes of one test keep their data: an environment and the same as Settings."""

    env: dict[str, str]
    settings: Settings


def store_of(settings: Settings) -> Store:
    env = {k: v for k, v in os.environ.items()
           if k not in (*stores.STORE_VARIABLES, "SAMVERKAN_ASYNC_MODE")}
    env.update(SAMVERKAN_DATA=str(settings.data_dir), SAMVERKAN_SECRET_KEY="processes",
               SAMVERKAN_DEMO_PASSWORD=DEMO_PASSWORD, SAMVERKAN_ARGON2_PROFILE="CHEAPEST")
    if settings.uses_postgres:
        env.update(SAMVERKAN_DATABASE_URL=settings.database_url or "",
                   SAMVERKAN_PG_SCHEMA=settings.pg_schema or "")
    return Store(env, settings)


def store_for(folder: Path) -> Store:
    """The run's store (tests/stores.py) in `folder`/var."""
    if stores.on_postgres():
        require_postgres()
    return store_of(stores.store_settings(folder / "var"))


@pytest.fixture(params=["postgres"] if stores.on_postgres()
                else ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A fresh store for the test's processes: a SQLite folder, or a PostgreSQL schema of its own
    (in the PostgreSQL pass, that alone)."""
    if request.param == "sqlite":
        return store_of(Settings(data_dir=tmp_path / "var"))
    require_postgres()
    return store_of(stores.postgres_settings(tmp_path / "var"))


@dataclass
class Served:
    """A `samverkan serve` process and what a test reads from it."""

    process: subprocess.Popen[bytes]
    url: str
    out: Path
    err: Path
    _opener: Any = field(default=None, repr=False)

    def output(self) -> str:
        return self.out.read_text()

    def errors(self) -> str:
        return self.err.read_text()

    def get(self, path: str) -> tuple[int, str]:
        """Status and body of a page as Anna (signed in on first use)."""
        if self._opener is None:
            self._opener = http_sign_in(self.url, ANNA)
        try:
            with self._opener.open(self.url + path, timeout=10) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def json(self, path: str) -> Any:
        status, body = self.get(path)
        assert status == 200, (path, status, body[:500])
        return json.loads(body)

    def cookie(self) -> str:
        opener = http_sign_in(self.url, ANNA)
        jar = next(h.cookiejar for h in opener.handlers
                   if isinstance(h, urllib.request.HTTPCookieProcessor))
        return "; ".join(f"{c.name}={c.value}" for c in jar)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
            raise AssertionError(f"the server did not stop within {timeout}s:\n{self.errors()}") from None


def serve(store: Store, name: str, extra_env: dict[str, str] | None = None,
          ready_timeout: float = 60) -> Served:
    """Start `samverkan serve` on the store; return once it answers (it loads the demo if empty)."""
    port = free_port()
    folder = Path(store.env["SAMVERKAN_DATA"]).parent
    out, err = folder / f"{name}.out", folder / f"{name}.err"
    env = {**store.env, "PORT": str(port), **(extra_env or {})}
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "web.entry", "serve"], cwd=ROOT, env=env,
                                   stdout=stdout, stderr=stderr)
    served = Served(process, f"http://127.0.0.1:{port}", out, err)
    deadline = time.monotonic() + ready_timeout
    while True:
        try:
            with urllib.request.urlopen(served.url + "/sign-in", timeout=2):
                return served
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait(timeout=5)
                pytest.fail(f"the server did not start:\n{out.read_text()}\n{err.read_text()}")
            time.sleep(0.1)


def samverkan(store: Store, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """A one-off `samverkan …` command on the store."""
    return subprocess.run([sys.executable, "-m", "web.entry", *args], cwd=ROOT, env=store.env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def first_budget(served: Served) -> tuple[str, str]:
    """(plan id, budget id) of the first plan Anna sees."""
    plan_id = served.json("/api/me")["plans"][0]["plan_id"]
    status, page = served.get(f"/plans/{plan_id}")
    assert status == 200, status
    found = re.search(r"/budgets/([0-9a-f-]{36})", page)
    assert found, "the plan page links no budget"
    return plan_id, found.group(1)


def change_amounts(served: Served, plan_id: str, budget_id: str,
                   edits: list[tuple[str, int, int]]) -> list[dict[str, Any]]:
    """Send change_amount commands (line, year, amount) through the server's socket, as Anna."""
    cookie = served.cookie()

    async def run() -> list[dict[str, Any]]:
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(served.url, headers={"Cookie": cookie}, namespaces=["/live"],
                             transports=["websocket"], wait_timeout=10)
        try:
            joined = await client.call("join", {"plan_id": plan_id, "budget_id": budget_id},
                                       namespace="/live", timeout=10)
            assert joined["ok"], joined
            replies = []
            for line_id, year, amount in edits:
                replies.append(await client.call("command", {
                    "command_id": str(uuid.uuid4()), "type": "change_amount", "budget_id": budget_id,
                    "line_id": line_id, "year": year, "amount": amount}, namespace="/live", timeout=10))
            return replies
        finally:
            await client.disconnect()

    return asyncio.run(asyncio.wait_for(run(), timeout=60))


def amount_shown(served: Served, budget_id: str, line_id: str, year: int) -> int | None:
    sheet = served.json(f"/api/budgets/{budget_id}/sheet")
    line = next(li for li in sheet["lines"] if li["line_id"] == line_id)
    cell = line["amounts"].get(str(year))
    return cell["amount"] if cell else None


def eventually(check: Any, timeout: float = 15, message: str = "") -> Any:
    """Poll `check()` until it returns something true (bounded); return it."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(message or f"not within {timeout}s")
        time.sleep(0.1)


def kill(served: Served) -> None:
    """kill -9: no clean-up of any kind, as when the machine loses the process."""
    os.kill(served.process.pid, signal.SIGKILL)
    served.process.wait(timeout=10)


def log_head(store: Store) -> int:
    """The last position in the store's event log, read straight from the store."""
    table, position = stores.events_table(store.settings)
    with stores.event_log(store.settings) as conn:
        return conn.execute(text(f"SELECT MAX({position}) FROM {table}")).scalar() or 0  # nosec B608


def tamper(store: Store, position: int) -> None:
    """Change the stored bytes of one event behind the application's back (as someone with
    write access to the database could)."""
    table, column = stores.events_table(store.settings)
    with stores.event_log(store.settings) as conn:
        state = conn.execute(text(f"SELECT state FROM {table} WHERE {column} = :p"),  # nosec B608
                             {"p": position}).scalar_one()
        changed = conn.execute(text(f"UPDATE {table} SET state = :s WHERE {column} = :p"),  # nosec B608
                               {"s": bytes(state) + b" ", "p": position}).rowcount
    assert changed == 1
