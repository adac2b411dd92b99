"""Helpers for protocol tests: signed-in Socket.IO test clients in a plan's room."""

from __future__ import annotations

import time
import uuid
from typing import Any

from flask import Flask
from flask_socketio import SocketIOTestClient

from adapters.demo import DemoPerson, DemoPlan
from tests.e2e.auth_helpers import sign_in
from web.extensions import socketio

NS = "/live"


class Participant:
    def __init__(self, app: Flask, person: DemoPerson | None) -> None:
        self.http = app.test_client()
        if person is not None:
            sign_in(self.http, person.email)
        self.person = person
        self.socket: SocketIOTestClient = socketio.test_client(
            app, namespace=NS, flask_test_client=self.http)
        self.inbox: list[dict[str, Any]] = []

    def call(self, event: str, data: Any) -> Any:
        return self.socket.emit(event, data, namespace=NS, callback=True)

    def command(self, type_: str, command_id: str | None = None, **fields: Any) -> dict:
        message = {"command_id": command_id or str(uuid.uuid4()), "type": type_, **fields}
        return self.call("command", message)

    def received(self, name: str = "change", *, count: int = 1, timeout: float = 5.0) -> list:
        """Wait until `count` messages called `name` have arrived; return all of them."""
        deadline = time.monotonic() + timeout
        while True:
            for packet in self.socket.get_received(NS):
                self.inbox.append(packet)
            found = [p["args"][0] for p in self.inbox if p["name"] == name]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.01)

    def clear(self) -> None:
        self.socket.get_received(NS)
        self.inbox.clear()


def person_named(demo: DemoPlan, name: str) -> DemoPerson:
    return next(p for p in demo.people if p.name == name)


def in_meeting(app: Flask, demo: DemoPlan, name: str) -> Participant:
    """The demo person signed in, with a socket that has joined the plan's meeting."""
    participant = Participant(app, person_named(demo, name))
    reply = participant.call("join", {"plan_id": demo.plan_id, "budget_id": demo.budget_id})
    assert reply["ok"], reply
    participant.clear()
    return participant
