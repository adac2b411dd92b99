"""Published changes through a Redis stream, for a store that several processes serve.

The worker appends each committed batch to one stream per store, every event as the bytes the
store holds (topic and state, as eventsourcing's mapper wrote them), so nothing is encoded twice
and a web process decodes with its own mapper. Each web process reads the stream from where it
started and hands the events, in log order, to its own dispatcher — which checks each socket's
right to read before it emits, as in one process. A stream (not pub/sub) because a reader that
lost its connection carries on from the last entry it read, and because the stream's last entry
tells a restarted worker what was published before it died.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from projections.publishing import Deliver, Published

log = logging.getLogger(__name__)
MAX_ENTRIES = 100_000  # the stream is trimmed (roughly) to this many entries
BLOCK_MS = 1000  # how long one read waits for news; a stop is noticed within it


class RedisChanges:
    def __init__(self, url: str, mapper: Mapper, key: str) -> None:
        import redis

        self.mapper, self.key = mapper, key
        self._redis = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def ping(self, timeout: float = 10.0) -> None:
        """Fail fast at start-up when Redis does not answer, rather than at the first edit."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._redis.ping()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    # ---- the worker's side ------------------------------------------------------------------

    def publish(self, batch: Sequence[Published]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for _, n in batch:
            pipe.xadd(self.key, {"p": n.id, "o": str(n.originator_id), "v": n.originator_version,
                                 "t": n.topic, "s": bytes(n.state)},
                      maxlen=MAX_ENTRIES, approximate=True)
        pipe.execute()

    def head(self) -> int | None:
        last = self._redis.xrevrange(self.key, count=1)
        return int(last[0][1][b"p"]) if last else None

    # ---- a web process's side ---------------------------------------------------------------

    def listen(self, deliver: Deliver) -> int | None:
        last = self._redis.xrevrange(self.key, count=1)
        after, position = (last[0][0], int(last[0][1][b"p"])) if last else (b"0-0", None)
        self._stop.clear()
        self._thread = threading.Thread(target=self._read, args=(after, deliver),
                                        name="published-changes", daemon=True)
        self._thread.start()
        return position

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=BLOCK_MS / 1000 + 5)
            self._thread = None
        self._redis.close()

    def _read(self, after: bytes, deliver: Deliver) -> None:
        import redis

        failing = False
        while not self._stop.is_set():
            try:
                answer = self._redis.xread({self.key: after}, count=1000, block=BLOCK_MS)
            except redis.RedisError as error:
                if not failing:  # one line per outage, not one per retry
                    log.error("reading published changes failed (%s); retrying", error)
                failing = True
                self._stop.wait(0.5)
                continue
            if failing:
                log.warning("reading published changes again")
                failing = False
            for _, entries in answer:
                try:
                    deliver([self._decode(fields) for _, fields in entries])
                except Exception:
                    log.exception("delivering published changes failed")
                after = entries[-1][0]

    def _decode(self, fields: dict[bytes, bytes]) -> tuple[Any, int]:
        stored = StoredEvent(originator_id=UUID(fields[b"o"].decode()),
                             originator_version=int(fields[b"v"]), topic=fields[b"t"].decode(),
                             state=fields[b"s"])
        return self.mapper.to_domain_event(stored), int(fields[b"p"])


def stream_key(env: dict[str, str]) -> str:
    """One stream per event store (a PostgreSQL database and schema, or a SQLite file), so
    stores that share a Redis never hear each other's changes."""
    parts = [env.get(name, "") for name in ("PERSISTENCE_MODULE", "POSTGRES_HOST", "POSTGRES_PORT",
                                            "POSTGRES_DBNAME", "POSTGRES_SCHEMA", "SQLITE_DBNAME")]
    return "samverkan:changes:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]

