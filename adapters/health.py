"""What `/readyz` checks: the event store and the read models answer, and the views are not
further behind the log than a bound. Positions and timings only: no personal data."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from projections.queries import views_position


@dataclass(frozen=True)
class Readiness:
    ready: bool
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"status": "ready" if self.ready else "not ready", "checks": self.checks}


def readiness(system: Any, max_lag: int) -> Readiness:
    """Ready when the store answers, the views answer and lag ≤ `max_lag` events."""
    checks: dict[str, dict[str, Any]] = {}
    head = _timed(checks, "event_store", lambda: system.app.recorder.max_notification_id() or 0)
    position = _timed(checks, "read_models", lambda: _views_position(system.engine))
    if head is not None and position is not None:
        lag = max(0, head - position)
        checks["projection_lag"] = {"ok": lag <= max_lag, "events": lag, "bound": max_lag,
                                    "log_position": head, "views_position": position}
    return Readiness(all(check["ok"] for check in checks.values())
                     and "projection_lag" in checks, checks)


def _views_position(engine: Any) -> int:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        return views_position(conn)


def _timed(checks: dict[str, dict[str, Any]], name: str, probe: Any) -> int | None:
    started = time.perf_counter()
    try:
        value = probe()
    except Exception as error:  # a down database is the answer, not a crash
        checks[name] = {"ok": False, "error": type(error).__name__,
                        "ms": round((time.perf_counter() - started) * 1000, 1)}
        return None
    checks[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return int(value)
