"""A second client, written from docs/realtime.md alone, against a real server.

Nothing here comes from Samverkan's own code: only `requests`, python-socketio and what the
document says — sign in through the form, list plans and budgets as JSON, load the sheet,
connect and join with its position, apply changes in arrival order, send commands, re-send one
and get the identical receipt, drop off and catch up with `since`. If the document is wrong or
incomplete, this test fails.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from typing import Any

import engineio
import pytest
import requests
import socketio

from tests.e2e.browser_support import Server
from tests.e2e.demo_years import Y1, Y2, Y3
from tests.e2e.real_server import real_server_fixture

pytestmark = pytest.mark.slow
__all__ = ["real_server_fixture"]

PASSWORD = "demo-password-2027"  # the demo password the test server was given
ANNA, ERIK = "anna.berg@ljusdal.example.se", "erik.lindqvist@region.example.se"
WAIT = 10.0


# ---- "Signing in without a browser" ----------------------------------------------------------


def sign_in(base: str, email: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/sign-in", timeout=WAIT).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    reply = http.post(f"{base}/sign-in", data={"email": email, "password": PASSWORD,
                                                "csrf_token": token}, timeout=WAIT)
    assert not reply.url.endswith("/sign-in")
    return http


# ---- "Applying changes in arrival order" -------------------------------------------------------


class _InOrderEngineIO(engineio.Client):
    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):
    def _engineio_client_class(self) -> type:
        return _InOrderEngineIO


# ---- the client ------------------------------------------------------------------------------


class SecondClient:
    """Keeps a budget's sheet current from `change` events, as the document says."""

    def __init__(self, base: str, http: requests.Session, plan_id: str, budget_id: str) -> None:
        self.base, self.http, self.plan_id, self.budget_id = base, http, plan_id, budget_id
        sheet = http.get(f"{base}/api/budgets/{budget_id}/sheet", timeout=WAIT).json()
        self.position = sheet["position"]
        self.lines = {line["line_id"]: line for line in sheet["lines"]}
        self.applied: list[int] = []  # positions applied, in order
        self.held: list[dict[str, Any]] | None = None
        self.lock = threading.Lock()
        self.client: socketio.Client | None = None

    # The socket.
    def connect(self) -> None:
        self.client = InOrderClient(reconnection=False, http_session=self.http)
        self.client.on("change", self._on_change, namespace="/live")
        self.client.connect(self.base, namespaces=["/live"], transports=["websocket"],
                            wait_timeout=WAIT)
        self.join()

    def disconnect(self) -> None:
        self.client.disconnect()

    def join(self) -> dict[str, Any]:
        with self.lock:
            self.held = []  # 1. hold changes while the join is pending
        reply = self.client.call("join", {"plan_id": self.plan_id, "budget_id": self.budget_id,
                                          "since": self.position}, namespace="/live",
                                 timeout=WAIT)
        assert reply["ok"] and reply["reset"] is False, reply
        with self.lock:
            for change in reply["changes"]:  # 2.
                self._apply(change)
            self.position = max(self.position, reply["position"])  # 3.
            held, self.held = self.held, None
            for change in held:  # 4.
                self._apply(change)
        return reply

    def _on_change(self, change: dict[str, Any]) -> None:
        with self.lock:
            if change["plan_id"] != self.plan_id:
                return
            if self.held is not None:
                self.held.append(change)
            else:
                self._apply(change)  # 5.

    # "Applying changes (idempotently)".
    def _apply(self, change: dict[str, Any]) -> None:
        if change["position"] <= self.position:
            return
        self.position = change["position"]
        self.applied.append(change["position"])
        if change["aggregate_id"] != self.budget_id:
            return
        data = change["data"]
        if change["type"] == "LineItemAmountChanged":
            cell = self.lines[data["line_id"]]["amounts"].setdefault(
                str(data["year"]), {"amount": 0, "version": 0})
            if data["version"] > cell["version"]:
                cell.update(amount=data["amount"], version=data["version"])
        elif change["type"] == "LineItemChanged" and data["field"] == "label":
            line = self.lines[data["line_id"]]
            if data["version"] > line["label_version"]:
                line.update(label=data["value"], label_version=data["version"])

    def command(self, command: dict[str, Any]) -> dict[str, Any]:
        return self.client.call("command", {"budget_id": self.budget_id, **command},
                                namespace="/live", timeout=WAIT)

    def wait_until(self, position: int) -> None:
        deadline = time.monotonic() + WAIT
        while self.position < position:
            assert time.monotonic() < deadline, f"stuck at {self.position}, waiting for {position}"
            time.sleep(0.02)


def _amount(command_id: str, line: str, year: int, amount: int) -> dict[str, Any]:
    return {"command_id": command_id, "type": "change_amount", "line_id": line, "year": year,
            "amount": amount}


def test_a_client_written_from_the_document_follows_edits_and_catches_up(
        real_server: Server) -> None:
    base = real_server.url
    anna_http, erik_http = sign_in(base, ANNA), sign_in(base, ERIK)

    # "Listing plans and budgets"
    [plan] = [p for p in anna_http.get(f"{base}/api/plans", timeout=WAIT).json()["plans"]]
    detail = anna_http.get(f"{base}/api/plans/{plan['plan_id']}", timeout=WAIT).json()
    budget = next(b for b in detail["budgets"] if b["status"] == "draft")
    assert plan["role"] == detail["you"]["role"] == "facilitator"

    anna = SecondClient(base, anna_http, plan["plan_id"], budget["budget_id"])
    erik = SecondClient(base, erik_http, plan["plan_id"], budget["budget_id"])
    anna.connect()
    erik.connect()
    try:
        line, other = list(anna.lines)[:2]
        # Anna edits on the version she sees; everyone hears it.
        seen = anna.lines[line]["amounts"].get(str(Y1), {"version": 1})["version"]
        first = anna.command({**_amount(str(uuid.uuid4()), line, Y1, 123_400),
                              "expected_version": seen})
        assert first["ok"] and first["version"] == seen + 1 and first["duplicate"] is False
        erik.wait_until(first["position"])

        # Erik's quick edits reach Anna in order, none dropped.
        acks = [erik.command(_amount(str(uuid.uuid4()), other, Y1 + n % 3, 1_000 + n))
                for n in range(12)]
        acks.append(erik.command({"command_id": str(uuid.uuid4()), "type": "rename_line",
                                  "line_id": other, "label": "Nytt namn"}))
        assert all(a["ok"] for a in acks), acks
        anna.wait_until(acks[-1]["position"])
        assert [p for p in anna.applied if p > first["position"]] == [a["position"] for a in acks]
        assert anna.lines[other]["label"] == "Nytt namn"

        # Sent again with the same command id: the very same reply, but `duplicate`.
        again = anna.command({**_amount(first["command_id"], line, Y1, 123_400),
                              "expected_version": seen})
        assert again == {**first, "duplicate": True}

        # Anna drops off; Erik goes on; Anna comes back with `since` and misses nothing.
        anna.disconnect()
        missed = [erik.command(_amount(str(uuid.uuid4()), other, Y2, 5_000 + n))
                  for n in range(5)]
        anna.connect()
        later = erik.command(_amount(str(uuid.uuid4()), other, Y3, 9_999))
        anna.wait_until(later["position"])
        after = [p for p in anna.applied if p > acks[-1]["position"]]
        assert after == [m["position"] for m in missed] + [later["position"]]
        assert anna.lines[other]["amounts"][str(Y3)]["amount"] == 9_999

        # What Anna's client shows is what the server's sheet shows.
        deadline = time.monotonic() + WAIT
        while True:
            fresh = anna_http.get(f"{base}/api/budgets/{budget['budget_id']}/sheet",
                                  timeout=WAIT).json()
            if fresh["position"] >= later["position"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        for row in fresh["lines"]:
            mine = anna.lines[row["line_id"]]
            assert (mine["label"], mine["label_version"]) == (row["label"], row["label_version"])
            assert {y: a for y, a in mine["amounts"].items() if a["version"]} == {
                y: a for y, a in row["amounts"].items() if a["version"]}
    finally:
        for who in (anna, erik):
            if who.client is not None and who.client.connected:
                who.disconnect()
