"""Server-side probes for the realtime benchmarks, run inside the measured server process.

- **Loop lag**: a greenlet sleeps 10 ms over and over and records how late it wakes: anything
  that holds the one gevent loop (a disk sync on the OS thread, a long encode) shows here.
- **Syncs**: every commit of the SQLite event store (the group committer's COMMIT, where the
  disk sync happens; eventsourcing's `SQLiteConnection.commit` where a store has none) is timed.

Samples go to the file named by $REALTIME_PROBE_FILE as lines `lag <monotonic> <seconds>` and
`sync <monotonic> <seconds>` (written every half second, with os.write: nothing that yields).
time.monotonic() is CLOCK_MONOTONIC, shared by every process of the machine, so the benchmark
client can cut the samples to its measured window (`read(path, start, end)`).
"""

from __future__ import annotations

import os
import time
from typing import Any

SLEEP = 0.010
SLOW_SYNC = 0.050  # seconds: a sync this long stalls every participant noticeably


def install(path: str | None = None) -> bool:
    """Start the probes if $REALTIME_PROBE_FILE (or `path`) names a file; gevent only."""
    path = path or os.environ.get("REALTIME_PROBE_FILE")
    if not path:
        return False
    import gevent

    gevent.spawn(_run, path)
    return True


def _run(path: str) -> None:
    import gevent

    lines: list[str] = []
    _time_syncs(lines)  # here, not at install: by now the server has imported what it uses
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    written = time.monotonic()
    while True:
        start = time.monotonic()
        gevent.sleep(SLEEP)
        now = time.monotonic()
        lines.append(f"lag {now:.6f} {max(0.0, now - start - SLEEP):.6f}\n")
        if now - written > 0.5:
            os.write(fd, "".join(lines).encode())
            lines.clear()
            written = now


def _time_syncs(lines: list[str]) -> None:
    """Time each event-store commit: the group committer's COMMIT (adapters/group_commit.py),
    or eventsourcing's own where a store commits without it."""
    try:
        from adapters.group_commit import GroupCommitter
    except ImportError:
        GroupCommitter = None  # a server without our event store
    if GroupCommitter is not None:
        commit_batch = GroupCommitter._sync

        def timed_batch(conn: Any, batch: list[Any]) -> float:
            took = commit_batch(conn, batch)  # in gevent's thread pool: a plain append
            lines.append(f"sync {time.monotonic() - took:.6f} {took:.6f}\n")
            return took

        GroupCommitter._sync = staticmethod(timed_batch)  # type: ignore[method-assign]
    try:
        from eventsourcing.sqlite import SQLiteConnection
    except ImportError:
        return
    commit = SQLiteConnection.commit

    def timed(self: Any) -> None:
        start = time.monotonic()
        try:
            commit(self)
        finally:
            lines.append(f"sync {start:.6f} {time.monotonic() - start:.6f}\n")

    SQLiteConnection.commit = timed  # type: ignore[method-assign]


def read(path: str, start: float, end: float) -> dict[str, Any]:
    """Loop lag (p99, max) and syncs (count, slow ones, max) between `start` and `end`."""
    lags: list[float] = []
    syncs: list[float] = []
    try:
        with open(path) as samples:
            for line in samples:
                kind, at, seconds = line.split()
                if start <= float(at) <= end:
                    (lags if kind == "lag" else syncs).append(float(seconds) * 1000)
    except (OSError, ValueError):
        pass
    lags.sort()
    syncs.sort()
    return {
        "server_loop_lag_p99_ms": round(lags[int(0.99 * (len(lags) - 1))], 2) if lags else None,
        "server_loop_lag_max_ms": round(lags[-1], 2) if lags else None,
        "syncs": len(syncs),
        "slow_syncs": sum(1 for s in syncs if s >= SLOW_SYNC * 1000),
        "sync_p50_ms": round(syncs[len(syncs) // 2], 2) if syncs else None,
        # How much of each second the one loop spent inside event-store commits.
        "sync_share": round(sum(syncs) / 1000 / (end - start), 3) if end > start else None,
        "sync_max_ms": round(syncs[-1], 2) if syncs else None,
    }
