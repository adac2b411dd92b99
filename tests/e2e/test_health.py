"""/healthz and /readyz: for a load balancer, without sign-in, without personal data."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from adapters.bootstrap import System, bootstrap
from domain.context import acting_as
from tests.stores import store_settings
from web.app import create_app


def test_healthz_answers_without_sign_in(app: Flask) -> None:
    reply = app.test_client().get("/healthz")
    assert reply.status_code == 200
    assert reply.get_json() == {"status": "alive"}
    assert reply.headers["Cache-Control"] == "no-store"


def test_readyz_says_what_it_checked_and_is_ready_when_the_views_are_current(
        app: Flask, demo_system: System) -> None:
    reply = app.test_client().get("/readyz")
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"event_store", "read_models", "projection_lag"}
    lag = body["checks"]["projection_lag"]
    assert lag["events"] == 0
    assert lag["log_position"] == demo_system.app.recorder.max_notification_id()


def test_readyz_shows_no_personal_data(app: Flask, demo_system: System) -> None:
    text = app.test_client().get("/readyz").get_data(as_text=True)
    for person in demo_system.people.all():
        assert person.name not in text and (person.email or "@") not in text
    assert "@" not in text


def test_readyz_is_not_ready_while_the_views_lag_beyond_the_bound(tmp_path: Path) -> None:
    """Nobody follows the log here (the system is not started): events pile up unprojected."""
    system = bootstrap(store_settings(tmp_path / "var", ready_max_lag=2))
    try:
        app = create_app({"SYSTEM": system, "TESTING": True, "SECRET_KEY": "test"})
        with acting_as("11111111-1111-1111-1111-111111111111"):
            for n in range(3):
                system.app.start_plan(f"Plan {n}", "Ramsjö", 2027, 2029)
        reply = app.test_client().get("/readyz")
        assert reply.status_code == 503
        lag = reply.get_json()["checks"]["projection_lag"]
        assert lag["ok"] is False and lag["events"] == 3 and lag["bound"] == 2
        assert app.test_client().get("/healthz").status_code == 200  # alive all the same
    finally:
        system.close()


def test_readyz_is_not_ready_when_the_read_models_do_not_answer(app: Flask,
                                                                 demo_system: System) -> None:
    demo_system.engine.dispose()
    missing = ("/nonexistent/folder/views.sqlite" if demo_system.engine.dialect.name == "sqlite"
               else "nonexistent_folder")  # a database that is not there, on the same kind of store
    broken = demo_system.engine.url.set(database=missing)
    from adapters.db import make_engine

    demo_system.engine = make_engine(str(broken))
    reply = app.test_client().get("/readyz")
    assert reply.status_code == 503
    body = reply.get_json()
    assert body["checks"]["read_models"]["ok"] is False
    assert "projection_lag" not in body["checks"]
    json.dumps(body)  # the error is named, not a stack trace with paths
    assert "nonexistent" not in json.dumps(body)
