"""Live co-editing over Socket.IO: the protocol is in docs/realtime.md.

The pieces of one web process's live layer: the registry of its connections, presence, the
dispatcher that delivers stored changes to the sockets that may read them (fed in log order with
what the projection runner publishes), the history a join catches up from, and the sweep that
ends connections whose session or token ended elsewhere.
"""

from __future__ import annotations

from functools import partial

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from adapters.accounts import token_hash
from adapters.credentials import open_credentials
from adapters.redis_changes import stream_key
from adapters.redis_presence import RedisPresenceBoard
from web.live import broadcast
from web.live.connections import Connections
from web.live.dispatcher import Dispatcher
from web.live.feed import History, PublishedFeed
from web.live.names import NameBook
from web.live.presence import Flusher, Presence
from web.live.shared_presence import SharedPresence
from web.live.sweep import Sweeper

NAMESPACE = "/live"


class Live:
    """The live layer of one web process: who is where, and the stream of stored changes."""

    def __init__(self, app: Flask) -> None:
        from web.app import system
        from web.extensions import socketio

        with app.app_context():
            sys = system()
        self.socketio = socketio
        if socketio.server is not None:  # its sockets take frames built once per room
            broadcast.install(socketio.server.eio)
        self.names = NameBook(sys.engine, sys.people)
        self.board = (RedisPresenceBoard(sys.settings.redis_url, stream_key(sys.app.env))
                      if sys.settings.redis_url else None)  # several web processes: shared
        self.presence = SharedPresence(self.board) if self.board else Presence()
        self.connections = Connections()
        self.dispatcher = Dispatcher(sys.app, self.connections, self.presence, self.names,
                                     socketio, NAMESPACE, app)
        self.flusher = Flusher(self.dispatcher.flush_presence)
        self.history = History(sys.app, self.names)
        self.feed = PublishedFeed(sys.changes, self.names, self.dispatcher,
                                  partial(_views_position, sys.engine))
        self.sweeper = Sweeper(self.connections, partial(open_credentials, sys.engine),
                               self.end_connection)

    def start(self) -> None:
        self.feed.start()
        self.flusher.start()
        self.sweeper.start()
        if self.board is not None:
            self.board.listen(self._others_changed, self.presence.mine)

    def stop(self) -> None:
        if self.board is not None:
            self.board.close()
        self.sweeper.stop()
        self.flusher.stop()
        self.feed.stop()

    def _others_changed(self, plan_id: str) -> None:
        """Another process's part of a meeting changed: tell this process's sockets in it."""
        if isinstance(self.presence, SharedPresence):
            self.presence.others_changed(plan_id)  # goes out with the next flush

    def end_connection(self, sid: str) -> None:
        """Its session or token has ended: say so, then close it."""
        server = self.socketio.server
        if server is None:
            return
        server.emit("signed_out", {"error": "not_signed_in"}, to=sid, namespace=NAMESPACE)
        server.disconnect(sid, namespace=NAMESPACE)

    def end_credentials(self, hashes: set[str]) -> int:
        """Close this process's connections made with these session or token hashes."""
        ended = self.connections.with_credential(hashes)
        for sid in ended:
            self.end_connection(sid)
        return len(ended)


def _views_position(engine: Engine) -> int:
    from projections.queries import views_position

    with engine.connect() as conn:
        return views_position(conn)


def init_live(app: Flask) -> Live:
    live = Live(app)
    app.extensions["samverkan_live"] = live
    return live


def end_live_sessions(sessions: list[str], hashed: bool = False) -> int:
    """Close the live connections of ended page sessions (given as tokens, or their hashes).

    Returns how many connections were closed in this process (the sweep closes the others').
    """
    return live().end_credentials({value if hashed else token_hash(value) for value in sessions})


def live() -> Live:
    return current_app.extensions["samverkan_live"]
