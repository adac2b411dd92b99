"""Scale benchmarks: a region's processes on loopback — PostgreSQL, Redis, one `samverkan worker`
and web processes (`SAMVERKAN_ROLE=web`, gevent, as `samverkan serve` runs them).

- `projection_lag_p99_ms`: 100 edits/s through a web process; how long after each edit's ack
  the worker's views include it (polled every 2 ms from the views' tracking rows). Target ≤ 100.
- `fanout_p99_ms` at 50 participants × 100 edits/s (and × 30/s), `processes: 1` (one process does everything,
  publishing in-process: the same-run baseline) and `processes: 2` (participants and their edits
  split over two web processes; each change goes through the worker and Redis to both).
  Target: processes 2 ≤ 1.5 × processes 1. Measured with scripts/realtime_harness.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from realtime_harness import measure, percentile
from realtime_samverkan import (
    ARGON2,
    ROOT,
    SamverkanHandle,
    _free_port,
    _prepare_store,
    _wait_until_answering,
)

PG_URL = os.environ.get("SAMVERKAN_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SAMVERKAN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


@dataclass
class RegionHandle(SamverkanHandle):
    urls: list[str] = field(default_factory=list)
    views_url: str = ""
    views_options: dict[str, Any] = field(default_factory=dict)

    def url_for(self, participant: int) -> str:
        return self.urls[participant % len(self.urls)]


@contextlib.contextmanager
def region(participants: int, processes: int) -> Iterator[RegionHandle]:
    """A store of its own (a PostgreSQL schema) with the plan; `processes` web processes, and a
    worker beside them when there are several."""
    from sqlalchemy import create_engine, text

    from adapters.redis_changes import stream_key
    from adapters.settings import Settings

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(Settings(database_url=PG_URL).views_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    shared = processes > 1
    settings = Settings(database_url=PG_URL, pg_schema=schema, redis_url=REDIS_URL if shared else None,
                        argon2_profile=ARGON2["SAMVERKAN_ARGON2_PROFILE"])
    started: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="samverkan-scale-") as tmp:
        try:
            data = _prepare_store(Path(tmp), participants, settings)
            env = {**os.environ, **ARGON2, "SAMVERKAN_DATA": tmp, "SAMVERKAN_SECRET_KEY": uuid.uuid4().hex,
                   "SAMVERKAN_DATABASE_URL": PG_URL, "SAMVERKAN_PG_SCHEMA": schema,
                   "SAMVERKAN_DEMO": "off"}
            if shared:
                env |= {"SAMVERKAN_REDIS_URL": REDIS_URL, "SAMVERKAN_ROLE": "web"}
                log = Path(tmp) / "worker.log"
                with log.open("w") as out:
                    started.append(subprocess.Popen([sys.executable, "-m", "web.entry", "worker"],
                                                    cwd=ROOT, env=env, stdout=out,
                                                    stderr=subprocess.STDOUT))
                _wait_for(lambda: "Following the log" in log.read_text(), "the worker", log)
            urls = []
            for n in range(processes):
                port, log = _free_port(), Path(tmp) / f"web{n}.log"
                with log.open("w") as out:
                    started.append(subprocess.Popen([sys.executable, "-m", "web.entry", "serve"],
                                                    cwd=ROOT, env={**env, "PORT": str(port)},
                                                    stdout=out, stderr=subprocess.STDOUT))
                urls.append(f"http://127.0.0.1:{port}")
                _wait_until_answering(urls[-1] + "/", started[-1], log)
            yield RegionHandle(url=urls[0], pid=started[-processes].pid, label="samverkan-region",
                               plan_id=data["plan_id"], budget_id=data["budget_id"],
                               lines=data["lines"], people=data["people"], urls=urls,
                               views_url=settings.views_url,
                               views_options=settings.views_engine_options)
        finally:
            for process in started:
                process.terminate()
            for process in started:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
            if shared:
                import redis

                redis.Redis.from_url(REDIS_URL).delete(stream_key(settings.event_store_env()))
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def _wait_for(check: Any, what: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.1)


class ViewsClock:
    """Polls how far the views are, noting when each position was first seen."""

    def __init__(self, handle: RegionHandle) -> None:
        from sqlalchemy import create_engine

        self.engine = create_engine(handle.views_url, **handle.views_options)
        self.seen: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> ViewsClock:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.engine.dispose()

    def _poll(self) -> None:
        from projections.queries import views_position

        with self.engine.connect() as conn:
            while not self._stop.wait(0.002):
                position = views_position(conn)
                conn.commit()  # a fresh snapshot every time
                if not self.seen or position > self.seen[-1][1]:
                    self.seen.append((time.monotonic(), position))

    def when(self, position: int) -> float | None:
        return next((at for at, reached in self.seen if reached >= position), None)


async def _lag(handle: RegionHandle, rate: float, seconds: float, clock: ViewsClock) -> dict[str, Any]:
    import socketio

    await handle.prepare(len(handle.people))
    clients = []
    for cookie in handle.cookies:
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(handle.urls[0], headers={"Cookie": cookie}, namespaces=["/live"],
                             transports=["websocket"], wait_timeout=10)
        await client.call("join", {"plan_id": handle.plan_id, "budget_id": handle.budget_id},
                          namespace="/live", timeout=10)
        clients.append(client)
    acked: list[tuple[float, int]] = []

    async def one(seq: int) -> None:
        reply = await clients[seq % len(clients)].call(
            "command", handle.command_payload(0, seq, str(uuid.uuid4())), namespace="/live",
            timeout=20)
        if reply.get("ok") and reply.get("position"):
            acked.append((time.monotonic(), reply["position"]))

    start, tasks = time.monotonic(), []
    for seq in range(int(rate * seconds)):
        if (delay := start + seq / rate - time.monotonic()) > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(seq)))
    await asyncio.gather(*tasks)
    await asyncio.sleep(1.0)  # the last ones reach the views
    for client in clients:
        await client.disconnect()
    lags = [max(0.0, (seen - at) * 1000) for at, p in acked if (seen := clock.when(p)) is not None]
    return {"edits": len(acked), "projected": len(lags),
            "p50_ms": round(percentile(lags, 50), 2) if lags else None,
            "p99_ms": round(percentile(lags, 99), 2) if lags else None}


def run(args: argparse.Namespace) -> Iterator[dict]:
    quick = getattr(args, "quick", False)
    seconds = 3.0 if quick else 10.0
    print("scale: projection lag at 100 edits/s, separate worker …", file=sys.stderr, flush=True)
    with region(10, 2) as handle, ViewsClock(handle) as clock:  # 10 editors: 20 commands/s each at most
        lag = asyncio.run(_lag(handle, 100.0, seconds, clock))
    p99 = lag.pop("p99_ms")
    yield {"metric": "projection_lag_p99_ms", "value": p99, "unit": "ms", "rate": 100.0, **lag,
           "target": "<= 100 ms", "baseline": None,
           "met": p99 is not None and p99 <= 100.0 and lag["projected"] == lag["edits"]}
    for rate in (100.0, 30.0):  # the load; and one the PostgreSQL commands keep up with
        yield from _fanout(50, rate, seconds)


def _fanout(participants: int, rate: float, seconds: float) -> Iterator[dict]:
    runs: dict[int, dict[str, Any]] = {}
    for processes in (1, 2):
        print(f"scale: fan-out {participants} × {rate:g}/s over {processes} web process(es) …",
              file=sys.stderr, flush=True)
        with region(participants, processes) as handle:
            runs[processes] = measure(handle, participants, rate, seconds)
    single = runs[1]["p99_ms"]
    # Only a load both setups carried says anything about fan-out (refused commands: they did not).
    carried = all(r["failed_acks"] == 0 and r["lost_edits"] == 0 for r in runs.values())
    for processes, result in runs.items():
        p99 = result.pop("p99_ms")
        yield {"metric": "fanout_p99_ms", "value": p99, "unit": "ms", "processes": processes,
               **result, "baseline": single if processes == 2 else None,
               "target": "<= 1.5 x processes 1" if processes == 2 else None,
               "met": (carried and p99 is not None and single is not None
                       and p99 <= 1.5 * single) if processes == 2 else None}


def main() -> int:
    import json

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    for line in run(parser.parse_args()):
        print(json.dumps({"group": "scale", **line}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
