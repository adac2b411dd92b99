"""On a real server (gevent), a room's changes are framed once and written straight into idle
sockets (web/live/broadcast.py): every socket still gets every change once, in log order,
whether it negotiated compression (as browsers do) or not, while edits come in a burst.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aiohttp
import pytest

from tests.e2e.auth_helpers import DEMO_EMAILS
from tests.e2e.browser_support import Server
from tests.e2e.demo_years import Y1
from tests.e2e.real_server import Listener, real_server_fixture, signed_in

pytestmark = pytest.mark.slow
__all__ = ["real_server_fixture"]
BURST = 15  # within one connection's burst of commands (web/live/limits.py)


async def _compressed_listener(server: Server, cookie: str, joined: asyncio.Event,
                               positions: list[int], until: int) -> bool:
    """Engine.IO/Socket.IO by hand over a WebSocket with permessage-deflate; True if the
    server agreed to compress."""
    url = server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as http, http.ws_connect(
            url, headers={"Cookie": cookie}, compress=15) as ws:
        compressed = ws.compress != 0
        assert (await ws.receive_str()).startswith("0")  # OPEN
        await ws.send_str("40/live,")
        assert (await ws.receive_str()).startswith("40/live,")
        await ws.send_str("42/live,1" + json.dumps(["join", {"plan_id": server.plan_id}]))
        while len(positions) < until:
            text = await asyncio.wait_for(ws.receive_str(), 10)
            if text == "2":  # the server's ping
                await ws.send_str("3")
            elif text.startswith("43/live,1"):
                assert json.loads(text[len("43/live,1"):])[0]["ok"]
                joined.set()
            elif text.startswith("42/live,"):
                event, data = json.loads(text[len("42/live,"):])
                if event == "change":
                    positions.append(data["position"])
        return compressed


def test_every_socket_gets_a_burst_of_changes_once_and_in_order(real_server: Server) -> None:
    url = real_server.url
    anna_http = signed_in(url, DEMO_EMAILS["Anna Berg"])
    erik_http = signed_in(url, DEMO_EMAILS["Erik Lindqvist"])
    sheet = anna_http.get(f"{url}/api/budgets/{real_server.budget_id}/sheet", timeout=5).json()
    lines = [line["line_id"] for line in sheet["lines"]]
    anna = Listener(url, anna_http)

    async def run() -> tuple[bool, list[int], list[dict[str, Any]]]:
        joined, positions = asyncio.Event(), []
        listening = asyncio.create_task(_compressed_listener(
            real_server, f"session={erik_http.cookies['session']}", joined, positions, BURST))
        await asyncio.wait_for(joined.wait(), 10)
        assert anna.call("join", {"plan_id": real_server.plan_id})["ok"]
        acks = await asyncio.gather(*(asyncio.to_thread(anna.call, "command", {
            "command_id": str(uuid.uuid4()), "type": "change_amount",
            "budget_id": real_server.budget_id, "line_id": lines[n % len(lines)], "year": Y1,
            "amount": 10_000 + n}) for n in range(BURST)))
        return await asyncio.wait_for(listening, 15), positions, acks

    try:
        compressed, erik_saw, acks = asyncio.run(run())
        assert all(ack["ok"] for ack in acks), acks
        stored = sorted(ack["position"] for ack in acks)
        anna.wait_for(lambda: len(anna.named("change")) >= BURST)
        anna_saw = [c["position"] for c in anna.named("change")]
    finally:
        anna.close()
    assert compressed  # simple-websocket took permessage-deflate: frames of its own
    assert erik_saw == stored  # once each, in log order
    assert anna_saw == stored
