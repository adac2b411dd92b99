"""The projection runner publishes each batch after its views commit, in log order, and sends
again what a follower that died may not have published; Redis carries it between processes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from adapters.bootstrap import System, bootstrap
from adapters.redis_changes import RedisChanges, stream_key
from adapters.settings import Settings
from projections.publishing import InProcessChanges, Published
from projections.queries import views_position
from tests.e2e.region_support import REDIS_URL, require_redis
from tests.integration.scenario import plan_a_budget


class Recorded:
    """A publisher that notes each batch and how far the views were when it came."""

    def __init__(self, system: System, head: int | None = None) -> None:
        self.system, self._head = system, head
        self.batches: list[list[int]] = []
        self.views_then: list[int] = []

    def publish(self, batch: Sequence[Published]) -> None:
        with self.system.engine.connect() as conn:
            self.views_then.append(views_position(conn))
        self.batches.append([n.id for _, n in batch])

    def head(self) -> int | None:
        return self._head


def _positions(recorded: Recorded) -> list[int]:
    return [p for batch in recorded.batches for p in batch]


def test_each_batch_is_published_once_its_views_are_committed_and_in_log_order(
        system: System) -> None:
    recorded = Recorded(system)
    system.projections.publisher = recorded
    system.start()
    plan_a_budget(system.app, edits=30)
    top = system.app.recorder.max_notification_id()
    system.projections.wait(top, timeout=10)
    deadline = time.monotonic() + 5
    while (not recorded.batches or recorded.batches[-1][-1] < top) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _positions(recorded) == list(range(1, top + 1))
    assert all(seen >= batch[-1] for seen, batch in zip(recorded.views_then, recorded.batches,
                                                         strict=True))


def test_a_rebuild_publishes_nothing(system: System) -> None:
    plan_a_budget(system.app, edits=3)
    recorded = Recorded(system)
    system.projections.publisher = recorded
    system.projections.rebuild()
    assert recorded.batches == []
    assert system.projections.position == system.app.recorder.max_notification_id()


def test_a_follower_that_starts_sends_again_what_its_publisher_last_missed(
        store_settings: Settings) -> None:
    first = bootstrap(store_settings)
    plan_a_budget(first.app, edits=5)
    first.projections.catch_up()  # committed, but (as if killed then) never published
    committed = first.projections.position
    first.close()
    second = bootstrap(store_settings)
    recorded = Recorded(second, head=3)  # the publisher last sent #3
    second.projections.publisher = recorded
    try:
        second.start()
        assert _positions(recorded) == list(range(4, committed + 1))
    finally:
        second.close()


def test_in_process_listeners_hear_each_event_with_its_position() -> None:
    changes = InProcessChanges()
    heard: list[list[tuple[Any, int]]] = []
    assert changes.listen(heard.append) is None  # it keeps no record: the views say where
    changes.publish([("event", type("N", (), {"id": 7})())])
    assert heard == [[("event", 7)]]


@pytest.fixture
def redis_system(pg_settings: Settings) -> Iterator[System]:
    require_redis()
    settings = Settings(**{**pg_settings.__dict__, "redis_url": REDIS_URL, "role": "worker"})
    built = bootstrap(settings)
    try:
        yield built
    finally:
        built.close()
        import redis

        redis.Redis.from_url(REDIS_URL).delete(stream_key(settings.event_store_env()))


def test_redis_carries_the_worker_s_batches_to_a_listener_in_another_system_in_order(
        redis_system: System) -> None:
    plan_a_budget(redis_system.app, edits=2)
    redis_system.start()  # catches up and publishes what was stored before
    before = redis_system.projections.position
    listener_side = RedisChanges(REDIS_URL, redis_system.app.mapper, redis_system.changes.key)
    heard: list[tuple[Any, int]] = []
    got = threading.Event()

    def deliver(batch: list[tuple[Any, int]]) -> None:
        heard.extend(batch)
        got.set()

    try:
        assert listener_side.listen(deliver) == before  # it starts after the stream's last entry
        ids = plan_a_budget(redis_system.app, edits=4)
        top = redis_system.app.recorder.max_notification_id()
        deadline = time.monotonic() + 10
        while (not heard or heard[-1][1] < top) and time.monotonic() < deadline:
            got.wait(0.1)
        assert [p for _, p in heard] == list(range(before + 1, top + 1))
        assert heard[0][0].plan_id == ids["plan"]  # decoded into the domain's own events
        assert redis_system.changes.head() == top
    finally:
        listener_side.close()


class Delivered:
    """Stands in for the dispatcher: keeps each change it is handed."""

    def __init__(self) -> None:
        self.position = 0
        self.changes: list[dict[str, Any]] = []

    def deliver(self, change: dict[str, Any]) -> None:
        self.changes.append(change)
        self.position = change["position"]


def _fed(system: System) -> tuple[Delivered, Any]:
    from web.live.feed import PublishedFeed
    from web.live.names import NameBook

    delivered = Delivered()
    names = NameBook(system.engine, system.people)
    feed = PublishedFeed(system.changes, names, delivered, lambda: 0)  # type: ignore[arg-type]
    feed.start()
    return delivered, names


def _until(check: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)


def test_a_change_after_an_organisation_is_renamed_names_it_as_the_views_now_do(
        system: System) -> None:
    from domain.context import acting_as

    delivered, names = _fed(system)
    system.start()
    ids = plan_a_budget(system.app, edits=1)
    top = system.app.recorder.max_notification_id()
    _until(lambda: delivered.position == top)
    assert names.org(ids["plan"], ids["kommun"])["name"] == "Ljusdals kommun"  # now cached
    with acting_as(ids["person"]):
        system.app.change_actor(ids["plan"], ids["kommun"], "Ljusdals kommun (LK)", "public")
    with acting_as(ids["person"], ids["kommun"]):
        system.app.change_amount(ids["budget"], ids["rent"], 2027, 123_456_00)
    top = system.app.recorder.max_notification_id()
    _until(lambda: delivered.position == top)
    assert delivered.changes[-1]["by"]["org_name"] == "Ljusdals kommun (LK)"
    assert [c["position"] for c in delivered.changes] == list(range(1, top + 1))


def test_the_feed_skips_what_it_has_delivered_or_started_after(system: System) -> None:
    delivered, _ = _fed(system)
    plan_a_budget(system.app, edits=1)
    notifications = system.app.recorder.select_notifications(start=1, limit=10)
    batch = [(system.app.mapper.to_domain_event(n), n) for n in notifications]
    system.changes.publish(batch[:6])  # type: ignore[attr-defined]
    system.changes.publish(batch[3:])  # sent again in part, as by a restarted worker
    assert [c["position"] for c in delivered.changes] == [n.id for n in notifications]
