"""A region on loopback for the multi-process tests: PostgreSQL, Redis, one `samverkan worker`
and web processes (`SAMVERKAN_ROLE=web`), with socket clients that edit and listen."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import socketio
from sqlalchemy import create_engine, text

from adapters.settings import Settings
from tests.e2e.process_support import ROOT, Served, Store, eventually, log_head
from tests.integration.scenario import dump_views

FOLLOWING = "Following the log at"  # what `samverkan worker` prints once it follows
REDIS_URL = os.environ.get("SAMVERKAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def require_redis() -> None:
    """Skip when Redis does not answer here; fail where the services are required (CI)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("SAMVERKAN_REQUIRE_SERVICES") or os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required here (CI) but {REDIS_URL} does not answer.")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    out: Path
    before: int = 0  # how often the log said it followed before this worker started

    def following(self) -> None:
        """Wait until this worker follows the log (it has caught up by then)."""
        eventually(lambda: self.out.read_text().count(FOLLOWING) > self.before
                   or self.process.poll() is not None, timeout=30,
                   message="the worker did not start following")
        assert self.process.poll() is None, self.out.read_text()[-2000:]

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no clean-up of any kind
        self.process.wait(timeout=10)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("the worker did not stop on SIGTERM") from None


def start_worker(store: Store, name: str = "worker", follow: bool = False) -> Worker:
    """Start `samverkan worker`; with `follow`, return once it follows the log."""
    folder = Path(store.env["SAMVERKAN_DATA"]).parent
    out = folder / f"{name}.log"
    before = out.read_text().count(FOLLOWING) if out.exists() else 0
    with out.open("ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "web.entry", "worker"], cwd=ROOT,
                                   env=store.env, stdout=log, stderr=subprocess.STDOUT)
    worker = Worker(process, out, before)
    if follow:
        worker.following()
    return worker


def views_at_head(served: Served, store: Store, budget_id: str, timeout: float = 30) -> int:
    """Wait until the views (as a web process serves them) include the whole log."""
    top = log_head(store)
    eventually(lambda: served.json(f"/api/budgets/{budget_id}/sheet")["position"] >= top,
               timeout=timeout, message=f"the views never reached #{top}")
    return top


class Rebuilt:
    """The same projections built from #1 in a schema of their own, to compare with the views
    the worker keeps (rebuilding in place would disturb the running worker)."""

    def __init__(self, store: Store) -> None:
        from adapters.bootstrap import PROJECTIONS
        from adapters.db import make_engine
        from domain.usecases import Samverkan
        from projections.runner import ProjectionRunner

        self.schema = f"r_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(store.settings.views_url)
        with self.admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        self.app = Samverkan(env=store.settings.event_store_env())
        options = {"connect_args": {"options": f"-csearch_path={self.schema}"}}
        self.engine = make_engine(store.settings.views_url, **options)
        self.views = make_engine(store.settings.views_url, **store.settings.views_engine_options)
        self.runner = ProjectionRunner(self.app, self.engine, PROJECTIONS)
        self.runner.create_tables()

    def assert_equal(self) -> None:
        """The worker's views == a rebuild from zero of the log up to where they are (call it
        while no worker runs, or once the views are at the log's head)."""
        from projections.queries import views_position

        with self.views.connect() as conn:
            position = views_position(conn)
        assert self.runner.rebuild(upto=position) == position
        tables = {t.name for p in self.runner.projections for t in p.tables}
        ours = {k: v for k, v in dump_views(self.views).items() if k in tables}
        rebuilt = {k: v for k, v in dump_views(self.engine).items() if k in tables}
        assert ours == rebuilt

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()
        self.views.dispose()
        with self.admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
        self.admin.dispose()


class Client:
    """One socket client of a web process, signed in as Anna, that keeps every change it hears."""

    def __init__(self, served: Served, cookie: str) -> None:
        self.served, self.cookie = served, cookie
        self.sio = socketio.AsyncClient(reconnection=False)
        self.changes: list[dict[str, Any]] = []
        self.sio.on("change", self.changes.append, namespace="/live")

    async def join(self, plan_id: str, budget_id: str, since: int | None = None) -> dict[str, Any]:
        await self.sio.connect(self.served.url, headers={"Cookie": self.cookie},
                               namespaces=["/live"], transports=["websocket"], wait_timeout=10)
        message: dict[str, Any] = {"plan_id": plan_id, "budget_id": budget_id}
        if since is not None:
            message["since"] = since
        joined = await self.sio.call("join", message, namespace="/live", timeout=10)
        assert joined["ok"], joined
        return joined

    async def set_amount(self, budget_id: str, line_id: str, year: int, amount: int) -> int:
        """Change an amount; a refusal for the connection's rate is waited out and sent again."""
        command = {"command_id": str(uuid.uuid4()), "type": "change_amount",
                   "budget_id": budget_id, "line_id": line_id, "year": year, "amount": amount}
        while True:
            reply = await self.sio.call("command", command, namespace="/live", timeout=20)
            if reply["ok"] or reply["error"]["error"] != "rate_limited":
                break
            await asyncio.sleep(reply["error"]["retry_after"])
        assert reply["ok"], reply
        return reply["position"]

    async def heard(self, positions: list[int], timeout: float = 30) -> None:
        """Wait until every one of `positions` has arrived (bounded)."""
        deadline = time.monotonic() + timeout
        while not set(positions) <= {c["position"] for c in self.changes}:
            if time.monotonic() > deadline:
                missing = sorted(set(positions) - {c["position"] for c in self.changes})
                raise AssertionError(f"{len(missing)} changes never arrived: {missing[:10]} …")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        await self.sio.disconnect()


def in_order_once(changes: list[dict[str, Any]]) -> list[int]:
    """The positions heard, checked to be strictly increasing (no change twice, none out of order)."""
    positions = [c["position"] for c in changes]
    assert positions == sorted(set(positions)), "changes arrived twice or out of order"
    return positions


def region_env(store: Store) -> Store:
    """The store's processes talk through Redis; this store's stream is its own."""
    return Store({**store.env, "SAMVERKAN_REDIS_URL": REDIS_URL},
                 Settings(**{**store.settings.__dict__, "redis_url": REDIS_URL}))
