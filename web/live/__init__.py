"""Live co-editing over Socket.IO: the protocol is in docs/realtime.md."""

from __future__ import annotations

from flask import Flask, current_app

from web.live.broadcaster import Broadcaster
from web.live.names import NameBook
from web.live.presence import Presence

NAMESPACE = "/live"


class Live:
    """The live layer of one web process: who is where, and the stream of stored changes."""

    def __init__(self, app: Flask) -> None:
        from web.app import system
        from web.extensions import socketio

        with app.app_context():
            sys = system()
        self.names = NameBook(sys.engine, sys.people)
        self.presence = Presence()
        self.broadcaster = Broadcaster(sys.app, self.names, socketio, NAMESPACE)

    def start(self) -> None:
        self.broadcaster.start()

    def stop(self) -> None:
        self.broadcaster.stop()


def init_live(app: Flask) -> Live:
    live = Live(app)
    app.extensions["samverkan_live"] = live
    return live


def session_room(session_hash: str) -> str:
    """Every socket of one signed-in page session is in this room, to be ended with it."""
    return f"session:{session_hash}"


def end_live_sessions(sessions: list[str], hashed: bool = False) -> int:
    """Close the live connections of ended page sessions (given as tokens, or their hashes).

    Returns how many connections were closed in this process.
    """
    from adapters.accounts import token_hash
    from web.extensions import socketio

    server = socketio.server
    if server is None:
        return 0
    closed = 0
    for value in sessions:
        room = session_room(value if hashed else token_hash(value))
        for sid, _ in list(server.manager.get_participants(NAMESPACE, room)):
            server.emit("signed_out", {"error": "not_signed_in"}, to=sid, namespace=NAMESPACE)
            server.disconnect(sid, namespace=NAMESPACE)
            closed += 1
    return closed


def live() -> Live:
    return current_app.extensions["samverkan_live"]
