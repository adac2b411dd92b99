"""A region on loopback: two web processes and one worker on PostgreSQL and Redis.

The worker is the only follower of the log; each committed batch reaches every web process's
clients through Redis, once and in log order — across kill -9s of the worker and of a web
process — and the worker's read models always equal a rebuild from zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.e2e.process_support import (
    Served,
    Store,
    first_budget,
    kill,
    serve,
    store_of,
)
from tests.e2e.region_support import (
    REDIS_URL,
    Client,
    Rebuilt,
    Worker,
    in_order_once,
    region_env,
    require_redis,
    start_worker,
    views_at_head,
)
from tests.integration.conftest import require_postgres
from tests.stores import postgres_settings

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]
WEB = {"SAMVERKAN_ROLE": "web"}
EDITORS = 8
AMOUNTS = itertools.count(40_000_00)  # never the amount a cell has: every edit is stored


@dataclass
class Region:
    store: Store
    worker: Worker
    a: Served
    b: Served
    plan_id: str
    budget_id: str
    lines: list[str]
    year: int

    @property
    def line_id(self) -> str:
        return self.lines[0]

    def restart_worker(self, follow: bool = False) -> None:
        self.worker = start_worker(self.store, follow=follow)


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    require_postgres()
    require_redis()
    folder = tmp_path_factory.mktemp("region")
    # A schema of its own for the module's processes, dropped at the end of the run.
    store = region_env(store_of(postgres_settings(folder / "var")))
    worker = start_worker(store, follow=True)  # two processes making the same tables collide
    region: Region | None = None
    served = [serve(store, "a", WEB)]  # loads the demo; the worker projects it
    try:
        served.append(serve(store, "b", WEB))
        a, b = served
        plan_id, budget_id = first_budget(a)
        views_at_head(a, store, budget_id)
        sheet = a.json(f"/api/budgets/{budget_id}/sheet")
        region = Region(store, worker, a, b, plan_id, budget_id, [li["line_id"] for li in sheet["lines"]],
                        sheet["budget"]["years"][0])
        yield region
    finally:
        for process in ([region.a, region.b] if region else served):
            process.stop()
        (region.worker if region else worker).stop()
        _forget_stream(store)


def _forget_stream(store: Store) -> None:
    import redis

    from adapters.redis_changes import stream_key

    redis.Redis.from_url(REDIS_URL).delete(stream_key(store.settings.event_store_env()))


@pytest.fixture
def rebuilt(region: Region) -> Iterator[Rebuilt]:
    built = Rebuilt(region.store)
    try:
        yield built
    finally:
        built.close()


async def _editors(region: Region, count: int = EDITORS) -> list[Client]:
    """Several connections to web process A (one connection may send 20 commands a second)."""
    cookie = region.a.cookie()
    editors = [Client(region.a, cookie) for _ in range(count)]
    for editor in editors:
        await editor.join(region.plan_id, region.budget_id)
    return editors


async def _edit(region: Region, editors: list[Client], until: Callable[[int], bool],
                after_each: Callable[[int], None] = lambda done: None) -> list[int]:
    """The editors change amounts side by side until `until(edits done)`; the positions stored."""
    positions: list[int] = []

    async def one(n: int, editor: Client) -> None:
        while not until(len(positions)):
            line = region.lines[n % len(region.lines)]
            positions.append(await editor.set_amount(region.budget_id, line, region.year,
                                                     next(AMOUNTS)))
            after_each(len(positions))

    await asyncio.gather(*(one(n, editor) for n, editor in enumerate(editors)))
    return sorted(positions)


async def _close(clients: list[Client]) -> None:
    for client in clients:
        await client.close()


def _run(coroutine: object, timeout: float = 120) -> object:
    return asyncio.run(asyncio.wait_for(coroutine, timeout=timeout))  # type: ignore[arg-type]


def test_an_edit_made_through_one_web_process_reaches_a_client_of_the_other(region: Region) -> None:
    async def run() -> None:
        editor, listener = Client(region.a, region.a.cookie()), Client(region.b, region.b.cookie())
        await listener.join(region.plan_id, region.budget_id)
        await editor.join(region.plan_id, region.budget_id)
        try:
            positions = [await editor.set_amount(region.budget_id, region.line_id, region.year,
                                                 10_000_00 + n) for n in range(20)]
            await listener.heard(positions, timeout=10)
            assert in_order_once(listener.changes) == positions
            assert listener.changes[-1]["data"]["amount"] == 10_000_19
        finally:
            await editor.close()
            await listener.close()

    _run(run())


def test_a_worker_killed_in_the_middle_of_a_thousand_edits_loses_no_change_and_its_views_equal_a_rebuild(
        region: Region, rebuilt: Rebuilt) -> None:
    def kill_and_restart(done: int) -> None:
        if done == 400:
            region.worker.kill()
        elif done == 600:
            region.restart_worker()

    async def run() -> None:
        listener = Client(region.b, region.b.cookie())
        await listener.join(region.plan_id, region.budget_id)
        editors = await _editors(region)
        try:
            positions = await _edit(region, editors, lambda done: done >= 1000, kill_and_restart)
            assert len(positions) >= 1000
            await listener.heard(positions, timeout=60)
            assert in_order_once(listener.changes) == positions
        finally:
            await _close([*editors, listener])

    _run(run(), timeout=180)
    views_at_head(region.a, region.store, region.budget_id)
    rebuilt.assert_equal()


def test_the_clients_of_a_killed_web_process_reconnect_to_the_other_and_miss_nothing(
        region: Region) -> None:
    async def run() -> None:
        editor = Client(region.a, region.a.cookie())
        await editor.join(region.plan_id, region.budget_id)
        doomed = Client(region.b, region.b.cookie())
        joined = await doomed.join(region.plan_id, region.budget_id)
        try:
            before = [await editor.set_amount(region.budget_id, region.line_id, region.year,
                                              30_000_00 + n) for n in range(5)]
            await doomed.heard(before, timeout=10)
            kill(region.b)
            missed = [await editor.set_amount(region.budget_id, region.line_id, region.year,
                                              31_000_00 + n) for n in range(10)]
            last_seen = doomed.changes[-1]["position"]
            back = Client(region.a, region.a.cookie())  # as a browser reconnects elsewhere
            rejoined = await back.join(region.plan_id, region.budget_id, since=last_seen)
            after = [await editor.set_amount(region.budget_id, region.line_id, region.year,
                                             32_000_00 + n) for n in range(5)]
            await back.heard(after, timeout=10)
            heard = in_order_once(doomed.changes) + in_order_once(rejoined["changes"] + back.changes)
            assert heard == [p for p in heard if p > joined["position"]]
            assert heard == before + missed + after
            await back.close()
        finally:
            await editor.close()
            with contextlib.suppress(Exception):  # its server is gone
                await asyncio.wait_for(doomed.close(), timeout=5)

    try:
        _run(run())
    finally:
        region.b = serve(region.store, "b2", WEB)


def test_twenty_random_kills_of_the_worker_during_a_stream_of_commands_leave_views_equal_to_a_rebuild(
        region: Region, rebuilt: Rebuilt) -> None:
    chance = random.Random(11)

    async def stream(editors: list[Client], seconds: float) -> list[int]:
        deadline = asyncio.get_running_loop().time() + seconds
        return await _edit(region, editors,
                           lambda _: asyncio.get_running_loop().time() >= deadline)

    async def run() -> None:
        editors = await _editors(region, 4)
        try:
            for _ in range(20):
                await stream(editors, chance.uniform(0.05, 0.5))
                region.worker.kill()  # at a random moment of the stream
                # Nobody projects now: the views, as the kill left them, equal a rebuild.
                await asyncio.to_thread(rebuilt.assert_equal)
                region.restart_worker()  # commands go on while it starts
                await stream(editors, chance.uniform(0.0, 0.3))
                await asyncio.to_thread(region.worker.following)
            await asyncio.to_thread(views_at_head, region.a, region.store, region.budget_id)
            await asyncio.to_thread(rebuilt.assert_equal)
        finally:
            await _close(editors)

    _run(run(), timeout=200)


def test_presence_shows_the_people_of_both_web_processes_and_drops_those_who_leave(
        region: Region) -> None:
    from tests.e2e.auth_helpers import DEMO_EMAILS
    from tests.e2e.real_server import Listener, signed_in

    def names(listener: Listener) -> set[str]:
        lists = listener.named("presence")
        return {p["name"] for p in lists[-1]["people"]} if lists else set()

    anna = Listener(region.a.url, signed_in(region.a.url, DEMO_EMAILS["Anna Berg"]))
    erik = Listener(region.b.url, signed_in(region.b.url, DEMO_EMAILS["Erik Lindqvist"]))
    try:
        join = {"plan_id": region.plan_id, "budget_id": region.budget_id}
        assert anna.call("join", join)["ok"]
        joined = erik.call("join", join)
        assert {p["name"] for p in joined["presence"]} == {"Anna Berg", "Erik Lindqvist"}
        anna.wait_for(lambda: names(anna) == {"Anna Berg", "Erik Lindqvist"})
        anna.close()
        erik.wait_for(lambda: names(erik) == {"Erik Lindqvist"})
    finally:
        anna.close()
        erik.close()


def test_a_member_removed_through_one_web_process_is_cut_off_on_the_other(region: Region) -> None:
    """Last in this module: Erik stays removed from the demo plan."""
    from tests.e2e.auth_helpers import DEMO_EMAILS
    from tests.e2e.real_server import Listener, csrf_token, signed_in

    anna_http = signed_in(region.a.url, DEMO_EMAILS["Anna Berg"])
    erik_http = signed_in(region.b.url, DEMO_EMAILS["Erik Lindqvist"])
    erik_id = erik_http.get(f"{region.b.url}/api/me", timeout=5).json()["person_id"]
    erik = Listener(region.b.url, erik_http)
    try:
        assert erik.call("join", {"plan_id": region.plan_id, "budget_id": region.budget_id})["ok"]
        members = f"{region.a.url}/plans/{region.plan_id}/members"
        removed = anna_http.post(f"{members}/{erik_id}/remove",
                                 data={"csrf_token": csrf_token(anna_http, members)}, timeout=10)
        assert removed.ok, removed.status_code
        [ended] = erik.wait_for(lambda: erik.named("access_ended"))
        assert ended["plan_id"] == region.plan_id and ended["error"] == "not_allowed"
        after = _run(_one_edit(region))
        time.sleep(0.5)  # anything still on its way to Erik would be here by now
        assert all(c["position"] < after for c in erik.named("change"))
    finally:
        erik.close()


async def _one_edit(region: Region) -> int:
    [editor] = await _editors(region, 1)
    try:
        return await editor.set_amount(region.budget_id, region.line_id, region.year, next(AMOUNTS))
    finally:
        await editor.close()
