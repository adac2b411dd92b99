"""The Samverkan server as a target of the realtime harness (scripts/realtime_harness.py).

`samverkan_server(participants)` prepares a store with one plan whose budget has 20 lines and
`participants` members, starts `samverkan serve` on it (gevent, TCP_NODELAY: what
./scripts/serve runs; through scripts/realtime_serve.py, which adds the loop-lag and sync
probes of scripts/realtime_probe.py) on a free loopback port, and yields a ServerHandle that signs each
participant in over HTTP and sends real `change_amount` commands (docs/realtime.md).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import aiohttp
from realtime_harness import ServerHandle

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 60.0
PASSWORD = "bench-password-1"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
# Signing 200 people in is not what is measured: the cheapest argon2id parameters will do.
ARGON2 = {"SAMVERKAN_ARGON2_PROFILE": "CHEAPEST"}


@dataclass
class SamverkanHandle(ServerHandle):
    budget_id: str = ""
    lines: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    cookies: list[str] = field(default_factory=list)

    async def prepare(self, participants: int) -> None:
        """Each participant signs in through the real form (e-mail, password, CSRF token)."""
        self.cookies = []
        # unsafe=True: aiohttp keeps no cookies from an IP address (127.0.0.1) otherwise.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            for email in self.people[:participants]:
                http.cookie_jar.clear()
                async with http.get(f"{self.url}/sign-in") as page:
                    token = CSRF.search(await page.text())
                form = {"email": email, "password": PASSWORD, "csrf_token": token and token.group(1)}
                async with http.post(f"{self.url}/sign-in", data=form, allow_redirects=False) as reply:
                    cookie = reply.cookies.get("session")
                    if reply.status != 302 or cookie is None:
                        raise RuntimeError(f"sign-in failed: {reply.status}")
                    self.cookies.append(f"session={cookie.value}")

    def connect_kwargs(self, participant: int) -> dict[str, Any]:
        return {"headers": {"Cookie": self.cookies[participant]}}

    def join_payload(self, participant: int) -> dict[str, Any]:
        # As the browser joins: presence as per-person changes, not the whole list each time.
        return {"plan_id": self.plan_id, "budget_id": self.budget_id, "presence_changes": True}

    def command_payload(self, participant: int, seq: int, command_id: str) -> dict[str, Any]:
        # A different amount every time (a command that changes nothing is not broadcast) and
        # no expected_version: concurrent edits of one cell would otherwise be stale edits.
        return {"command_id": command_id, "type": "change_amount", "budget_id": self.budget_id,
                "line_id": self.lines[seq % len(self.lines)], "year": 2027 + seq % 3,
                "amount": 100_000 + seq}


def _prepare_store(data_dir: Path, participants: int, settings: Any = None) -> dict[str, Any]:
    """The plan and its people, in a SQLite store under `data_dir` (or the store `settings` name)."""
    from adapters.bootstrap import bootstrap
    from adapters.settings import Settings
    from domain.context import acting_as

    system = bootstrap(settings or Settings(data_dir=data_dir,
                                            argon2_profile=ARGON2["SAMVERKAN_ARGON2_PROFILE"]))
    try:
        emails = [f"p{i}@bench.example.org" for i in range(participants)]
        people = [system.accounts.register(f"Deltagare {i}", email, PASSWORD)
                  for i, email in enumerate(emails)]
        app = system.app
        with acting_as(people[0]):
            plan = str(app.start_plan("Bänkplan", "Testby", 2027, 2029).aggregate_id)
            org = app.add_actor(plan, "Kommunen", "public").entity_id
            for person in people[1:]:
                app.add_member(plan, person, "representative", org)
        with acting_as(people[0], org):
            budget = str(app.create_budget(plan, "Budget").aggregate_id)
            lines = [app.add_line(budget, f"Rad {i}", "Drift", {2027: 1000}).entity_id
                     for i in range(20)]
        system.projections.catch_up()
    finally:
        system.close()
    return {"plan_id": plan, "budget_id": budget, "lines": lines, "people": emails}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def samverkan_server(participants: int) -> Iterator[SamverkanHandle]:
    with tempfile.TemporaryDirectory(prefix="samverkan-realtime-") as tmp:
        data = _prepare_store(Path(tmp) / "var", participants)
        port = _free_port()
        log = Path(tmp) / "server.log"
        probe = Path(tmp) / "probe.txt"
        env = {**os.environ, "SAMVERKAN_DATA": str(Path(tmp) / "var"),
               "SAMVERKAN_SECRET_KEY": uuid4().hex, "PORT": str(port),
               "REALTIME_PROBE_FILE": str(probe), **ARGON2}
        with log.open("w") as output:  # `samverkan serve`, with the loop and sync probes
            server = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "realtime_serve.py")],
                                      cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            _wait_until_answering(f"http://127.0.0.1:{port}/", server, log)
            yield SamverkanHandle(url=f"http://127.0.0.1:{port}", pid=server.pid,
                                  label="samverkan", plan_id=data["plan_id"],
                                  probe_file=str(probe),
                                  budget_id=data["budget_id"], lines=data["lines"],
                                  people=data["people"])
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)


def _wait_until_answering(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):  # nosec B310 (our loopback http URL)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"samverkan serve did not answer within {READY_TIMEOUT:.0f} s:\n"
                       + log.read_text()[-2000:])
