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


def live() -> Live:
    return current_app.extensions["samverkan_live"]
