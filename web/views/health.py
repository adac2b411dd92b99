"""`/healthz` (the process answers) and `/readyz` (it can serve: store, views, lag) for a load
balancer or orchestrator. No sign-in and no personal data; never cached."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from adapters.health import readiness
from web.app import system

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def alive() -> Any:
    return {"status": "alive"}, 200, {"Cache-Control": "no-store"}


@bp.get("/readyz")
def ready() -> Any:
    if current_app.extensions.get("samverkan_draining"):  # stopping (SIGTERM): send no one new
        return {"status": "stopping", "checks": {}}, 503, {"Cache-Control": "no-store"}
    result = readiness(system(), system().settings.ready_max_lag)
    return result.as_json(), 200 if result.ready else 503, {"Cache-Control": "no-store"}
