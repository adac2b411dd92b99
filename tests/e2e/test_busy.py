"""A command that cannot be saved in time because of contention answers `busy` (nothing
stored): HTTP 503 with Retry-After, the socket `error: busy` with `retry_after`."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError
from flask import Flask

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain import serial
from projections import queries
from tests.e2e.auth_helpers import post_form, sign_in
from tests.e2e.demo_years import Y1
from tests.e2e.live_helpers import in_meeting, person_named


@pytest.fixture
def always_losing(demo_system: System, monkeypatch: pytest.MonkeyPatch) -> None:
    def loses(*aggregates: Any, **kwargs: Any) -> Any:
        raise IntegrityError("another process was first, every time")

    monkeypatch.setattr(serial, "SAVE_DEADLINE", 0.1)
    monkeypatch.setattr(demo_system.app, "save", loses)


def test_a_busy_command_over_http_answers_503_with_retry_after(
        app: Flask, demo: DemoPlan, demo_system: System, always_losing: None) -> None:
    http = app.test_client()
    sign_in(http, person_named(demo, "Anna Berg").email)
    stored = demo_system.app.recorder.max_notification_id()
    reply = post_form(http, f"/budgets/{demo.budget_id}/propose", page="/account")
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "1"
    assert demo_system.app.recorder.max_notification_id() == stored


def test_a_busy_command_over_the_socket_says_when_to_send_it_again(
        running: Flask, demo: DemoPlan, demo_system: System, always_losing: None) -> None:
    anna = in_meeting(running, demo, "Anna Berg")
    with demo_system.engine.connect() as conn:
        line = queries.budget_sheet(conn, demo.budget_id).lines[0]["line_id"]
    reply = anna.command("change_amount", budget_id=demo.budget_id, line_id=line, year=Y1,
                         amount=12)
    assert reply["ok"] is False and reply["command_id"]
    error = reply["error"]
    assert error["error"] == "busy" and error["retry_after"] == serial.BUSY_RETRY_AFTER
    assert error["message"]
