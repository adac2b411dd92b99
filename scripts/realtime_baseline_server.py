"""A plain Flask-SocketIO broadcast server: the baseline for the realtime benchmarks.

    python scripts/realtime_baseline_server.py [--mode threading|gevent]
        [--ws simple-websocket|gevent-websocket] [--port 0] [--nodelay 0|1]

Namespace `/live`, no storage, no auth:
- `join` {"plan_id"} joins room `plan:<id>`, ack {"ok": true};
- `command` {"command_id", …} emits one `change` (shaped like docs/realtime.md's, ~500 bytes) to
  the room, sender included, then acks {"ok": true, "command_id", "position"}.

Listens on 127.0.0.1 only and prints "READY <port>" once it accepts connections. The mode can
also come from $REALTIME_ASYNC_MODE. Under gevent the standard library is monkey-patched before
anything else is imported, and the server is gevent's WSGIServer (as `SocketIO.run()` does) with
WebSockets from simple-websocket (a python-engineio dependency; the default), or from
gevent-websocket's handler with `--ws gevent-websocket` (engineio prefers gevent-websocket
whenever it is importable, so the default hides it).

`--nodelay 1` sets TCP_NODELAY on the listening socket (accepted sockets inherit it on Linux).
Neither Werkzeug nor gevent's WSGIServer sets it, so by default a `change` written to a socket
that still has an unacknowledged frame in flight waits for the client's delayed ACK (Nagle's
algorithm; up to 40 ms on Linux) — which shows up as ~40 ms fan-out once a client receives more
than ~25 frames/s.
"""

from __future__ import annotations

import sys


def _option(name: str, default: str) -> str:
    """`--name value` from argv, read before any import (gevent must patch first)."""
    if name in sys.argv[:-1]:
        return sys.argv[sys.argv.index(name) + 1]
    import os

    return os.environ.get(f"REALTIME_{name[2:].upper().replace('-', '_')}", default)


MODE = _option("--mode", _option("--async-mode", "threading"))
WS = _option("--ws", "simple-websocket")
PORT = int(_option("--port", "0"))
NODELAY = _option("--nodelay", "0") not in ("0", "", "false", "no")

if MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()
    if WS != "gevent-websocket":
        sys.modules["geventwebsocket"] = None  # type: ignore[assignment]  # engineio falls back
elif MODE != "threading":
    sys.exit(f"unknown async mode {MODE!r} (threading or gevent)")

import itertools  # noqa: E402
import logging  # noqa: E402
import socket  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from uuid import uuid4  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402

logging.getLogger("werkzeug").setLevel(logging.ERROR)

app = Flask(__name__)
app.config["SECRET_KEY"] = "baseline"
socketio = SocketIO(app, async_mode=MODE, logger=False, engineio_logger=False)
positions = itertools.count(1)  # next() on a count is atomic under the GIL (and under gevent)
BY = {"person_id": str(uuid4()), "name": "Anna Berg", "org_id": str(uuid4()),
      "org_name": "Ljusdals kommun", "sector": "public"}


@socketio.on("join", namespace="/live")
def on_join(data: dict) -> dict:
    join_room(f"plan:{data['plan_id']}")
    return {"ok": True}


@socketio.on("command", namespace="/live")
def on_command(data: dict) -> dict:
    position = next(positions)
    plan_id = data.get("plan_id", "bench")
    change = {
        "position": position, "plan_id": plan_id, "aggregate_id": data.get("budget_id", plan_id),
        "aggregate_version": position, "type": "LineItemAmountChanged",
        "at": datetime.now(UTC).isoformat(), "command_id": data["command_id"], "by": BY,
        "data": {"line_id": data.get("line_id", "00000000-0000-0000-0000-000000000000"),
                 "year": data.get("year", 2027), "amount": data.get("amount", 0),
                 "before": 0, "version": position},
    }
    emit("change", change, to=f"plan:{plan_id}")
    return {"ok": True, "command_id": data["command_id"], "position": position}


def _nodelay(listener: socket.socket) -> None:
    if NODELAY:
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def main() -> None:
    if MODE == "gevent":
        from gevent import pywsgi

        sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
        import realtime_probe

        realtime_probe.install()  # loop lag, when $REALTIME_PROBE_FILE is set

        handler = {}
        if WS == "gevent-websocket":
            from geventwebsocket.handler import WebSocketHandler

            handler = {"handler_class": WebSocketHandler}
        server = pywsgi.WSGIServer(("127.0.0.1", PORT), app, log=None, **handler)
        server.init_socket()
        _nodelay(server.socket)
        server.start()
        print(f"READY {server.server_port}", flush=True)
        server.serve_forever()
    else:
        from werkzeug.serving import make_server

        server = make_server("127.0.0.1", PORT, app, threaded=True)
        _nodelay(server.socket)
        print(f"READY {server.server_port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
