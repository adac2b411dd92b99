"""Who is in a plan's meeting across web processes: a board in Redis each process writes its own
part of and reads the others' from.

Each process keeps, per plan, one field of a Redis hash: the people its own sockets show, and
when it wrote them. After a change it writes its field and publishes the plan on a channel;
the others read that plan's hash again and announce the merged list to their sockets. Every
`BEAT` seconds each process writes its fields again and re-reads the plans it serves, so the
part of a process that died (and wrote nothing since) is dropped after `STALE` seconds.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
BEAT = 5.0
STALE = 15.0
People = list[dict[str, Any]]


class RedisPresenceBoard:
    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.prefix, self.process = prefix, uuid.uuid4().hex
        self._others: dict[str, dict[str, People]] = {}  # plan → process → people
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def put(self, plan_id: str, people: People) -> None:
        """This process's part of the plan's meeting (never raises: presence is a nicety)."""
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.hset(self._key(plan_id), self.process,
                      json.dumps({"at": time.time(), "people": people}))
            pipe.expire(self._key(plan_id), int(STALE * 4))
            pipe.publish(self._channel, f"{self.process} {plan_id}")
            pipe.execute()
        except Exception as error:
            log.warning("could not share presence of plan %s: %s", plan_id, error)

    def others(self, plan_id: str) -> People:
        """The people the other processes' sockets show in the plan's meeting (as last read)."""
        with self._lock:
            parts = list(self._others.get(plan_id, {}).values())
        return [person for people in parts for person in people]

    def listen(self, changed: Callable[[str], None], mine: Callable[[], dict[str, People]]) -> None:
        """Call `changed(plan)` when another process's part changed; `mine()` is this
        process's parts, written again on every beat."""
        self._stop.clear()
        self._threads = [threading.Thread(target=run, args=args, daemon=True, name=name)
                         for run, args, name in ((self._hear, (changed,), "presence-hear"),
                                                 (self._beat, (changed, mine), "presence-beat"))]
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._redis.close()

    def _hear(self, changed: Callable[[str], None]) -> None:
        while not self._stop.is_set():
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self._channel)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    sender, plan_id = message["data"].decode().split(" ", 1)
                    if sender != self.process and self._read(plan_id):
                        changed(plan_id)
                pubsub.close()
            except Exception as error:
                log.warning("presence from other processes stopped (%s); listening again", error)
                self._stop.wait(1.0)

    def _beat(self, changed: Callable[[str], None], mine: Callable[[], dict[str, People]]) -> None:
        while not self._stop.wait(BEAT):
            for plan_id, people in mine().items():
                self.put(plan_id, people)
                try:
                    if self._read(plan_id):
                        changed(plan_id)
                except Exception as error:
                    log.warning("could not read presence of plan %s: %s", plan_id, error)

    def _read(self, plan_id: str) -> bool:
        """Read the others' parts of the plan again; whether they changed."""
        now, parts = time.time(), {}
        for process, value in self._redis.hgetall(self._key(plan_id)).items():
            entry = json.loads(value)
            if process.decode() != self.process and now - entry["at"] < STALE:
                parts[process.decode()] = entry["people"]
        with self._lock:
            before = self._others.get(plan_id, {})
            self._others[plan_id] = parts
        return parts != before

    def _key(self, plan_id: str) -> str:
        return f"{self.prefix}:presence:{plan_id}"

    @property
    def _channel(self) -> str:
        return f"{self.prefix}:presence"
