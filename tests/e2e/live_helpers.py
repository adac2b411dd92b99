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
    def __init__(self, app: Flask, person: DemoPerson | None, lang: str | None = None) -> None:
        self.http = app.test_client()
        if lang:
            self.http.get(f"/sign-in?lang={lang}")  # the session keeps it, the socket reads it
        if person is not None:
            sign_in(self.http, person.email)
        self.person = person
        self.socket: SocketIOTestClient = socketio.test_client(
            app, namespace=NS, flask_test_client=self.http)
        self.inbox: list[dict[str, Any]] = []
        self.joined: dict[str, Any] = {}

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

    def presence_until(self, people: list[dict[str, Any]], done: Any,
                       timeout: float = 5.0) -> list[dict[str, Any]]:
        """The join reply's `people` with every `presence_changed` received applied, as
        docs/realtime.md says, once `done(people)` holds (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        while True:
            shown = {p["person_id"]: p for p in people}
            for message in self.received("presence_changed", count=0, timeout=0):
                for change in message["changes"]:
                    if change["kind"] == "left":
                        shown.pop(change["person_id"], None)
                    else:
                        shown[change["person_id"]] = change["person"]
            if done(list(shown.values())) or time.monotonic() > deadline:
                return list(shown.values())
            time.sleep(0.02)

    def clear(self) -> None:
        self.socket.get_received(NS)
        self.inbox.clear()


def person_named(demo: DemoPlan, name: str) -> DemoPerson:
    return next(p for p in demo.people if p.name == name)


def in_meeting(app: Flask, demo: DemoPlan, name: str, lang: str | None = None,
               presence_changes: bool = False) -> Participant:
    """The demo person signed in, with a socket that has joined the plan's meeting (its
    reply kept as `joined`)."""
    participant = Participant(app, person_named(demo, name), lang)
    join = {"plan_id": demo.plan_id, "budget_id": demo.budget_id}
    reply = participant.call("join", {**join, "presence_changes": True} if presence_changes
                             else join)
    assert reply["ok"], reply
    participant.joined = reply
    participant.clear()
    return participant
