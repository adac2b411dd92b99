"""`room_capacity`: the most participants one plan room holds while the room makes 20 edits/s in
total, with fan-out p95 ≤ 100 ms and nothing lost (issue 11; clients on the same machine).

Steps up through STEPS on one Samverkan server (its store has the largest step's members) and
stops at the first step that misses; each step is one measurement of scripts/realtime_harness.py
(settle, warm-up, measured window, drain), and every step's figures are in the line. The plain
Flask-SocketIO broadcast (scripts/realtime_baseline_server.py) then climbs the same steps: its
capacity is the line's `baseline`, so a figure limited by the clients on this machine shows.
"""

from __future__ import annotations

from typing import Any

from bench_realtime import baseline_server
from realtime_harness import measure
from realtime_samverkan import samverkan_server

STEPS = (100, 200, 300, 500, 700, 1000)
QUICK_STEPS = (50, 100)
RATE = 20.0  # edits per second, the whole room together
P95_LIMIT_MS = 100.0
GOAL = 500


def room_capacity(seconds: float, quick: bool = False) -> dict[str, Any]:
    """Samverkan's capacity, and the plain broadcast's on the same machine in the same run as
    `baseline` (with 2 cores and every client in this one process, the clients take a share
    the server cannot have: the baseline shows what that leaves)."""
    steps = QUICK_STEPS if quick else STEPS
    with samverkan_server(steps[-1]) as server:
        held, tried = _steps(server, steps, seconds)
    with baseline_server("gevent") as plain:
        baseline, baseline_tried = _steps(plain, steps, seconds)
    return {"metric": "room_capacity", "value": held, "unit": "participants", "rate": RATE,
            "target": f">= {GOAL} (p95 <= {P95_LIMIT_MS:g} ms, nothing lost)",
            "met": held >= GOAL, "baseline": baseline, "steps": tried,
            "baseline_steps": baseline_tried}


def _steps(server: Any, steps: tuple[int, ...], seconds: float) -> tuple[int, list[dict]]:
    """Up through `steps` until one misses: the last that held, and every step's figures."""
    held, tried = 0, []
    for participants in steps:
        try:
            result = measure(server, participants, RATE, seconds, connect_timeout=180.0)
        except Exception as error:  # e.g. the room could not even be joined in time
            tried.append({"participants": participants, "error": repr(error)[:200]})
            break
        ok = (result["p95_ms"] is not None and result["p95_ms"] <= P95_LIMIT_MS
              and result["lost_edits"] == 0 and result["unacked"] == 0)
        tried.append({"participants": participants, "ok": ok, **{
            key: result.get(key) for key in (
                "p50_ms", "p95_ms", "p99_ms", "max_ms", "lost_edits", "unacked",
                "achieved_rate", "server_cpu", "server_cpu_ms_per_edit", "client_cpu",
                "other_cpu", "client_bound", "noisy", "server_loop_lag_p99_ms",
                "server_loop_lag_max_ms", "slow_syncs", "sync_max_ms", "drain_ms")}})
        if not ok:
            break
        held = participants
    return held, tried
