"""`room_capacity`: the most participants one plan room holds while the room makes 20 edits/s in
total, with fan-out p95 ≤ 100 ms and nothing lost (issue 11; clients on the same machine).

Steps up through STEPS on one Samverkan server (its store has the largest step's members) and
stops at the first step that misses; each step is one measurement of scripts/realtime_harness.py
(settle, warm-up, measured window, drain), and every step's figures are in the line.
"""

from __future__ import annotations

from typing import Any

from realtime_harness import measure
from realtime_samverkan import samverkan_server

STEPS = (100, 200, 300, 500, 700, 1000)
QUICK_STEPS = (50, 100)
RATE = 20.0  # edits per second, the whole room together
P95_LIMIT_MS = 100.0
GOAL = 500


def room_capacity(seconds: float, quick: bool = False) -> dict[str, Any]:
    steps = QUICK_STEPS if quick else STEPS
    held, tried = 0, []
    with samverkan_server(steps[-1]) as server:
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
                    "achieved_rate", "server_cpu", "client_cpu", "client_bound",
                    "server_loop_lag_p99_ms", "server_loop_lag_max_ms", "slow_syncs",
                    "drain_ms")}})
            if not ok:
                break
            held = participants
    return {"metric": "room_capacity", "value": held, "unit": "participants", "rate": RATE,
            "target": f">= {GOAL} (p95 <= {P95_LIMIT_MS:g} ms, nothing lost)",
            "met": held >= GOAL, "baseline": None, "steps": tried}
