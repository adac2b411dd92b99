"""A room's message framed once and written to each of its sockets with one system call.

python-socketio encodes a room's message once, but each socket then takes it through a queue,
a writer greenlet of its own and wsproto's framing: about two thirds of the server's CPU per
socket and message (profiled with py-spy at 500 sockets, scripts/bench_room_capacity.py). Here
the Engine.IO text and its WebSocket frame are built once per message (a server's frames are
not masked, so every plain socket gets the same bytes), and under gevent the frame goes
straight into each socket whose queue is empty and whose writer is idle: nothing can be ahead
of it, and nothing runs in between (greenlets switch only where they block, and a
non-blocking send never does). A socket that is busy, or whose kernel buffer is full, gets the
message through its queue as before, so each socket still receives everything in the order it
was sent. Sockets that negotiated compression (browsers offer permessage-deflate), or that
poll, always go through the queue and are framed by simple-websocket as before: the bytes on
the wire are what the protocol always was (docs/realtime.md).
"""

from __future__ import annotations

import struct
from typing import Any

from engineio import packet as eio_packet
from socketio import packet as sio_packet
from socketio.manager import Manager


class Framed(str):
    """An Engine.IO packet's text, with the WebSocket frame bytes that carry it (`frame`)."""

    frame: bytes

    @classmethod
    def of(cls, text: str) -> Framed:
        framed = cls(text)
        framed.frame = text_frame(text.encode())
        return framed

    @classmethod
    def rest(cls, data: bytes) -> Framed:
        """What a partial send left of a frame: written before anything queued after it."""
        framed = cls()
        framed.frame = data
        return framed


def text_frame(payload: bytes) -> bytes:
    """One final, unmasked text frame (RFC 6455 §5.2): what a server sends a client."""
    size = len(payload)
    if size < 126:
        return struct.pack("!BB", 0x81, size) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, size) + payload
    return struct.pack("!BBQ", 0x81, 127, size) + payload


class FramedPacket(eio_packet.Packet):
    """An Engine.IO message whose encoding is built once, frame included, for every socket."""

    def __init__(self, text: str) -> None:
        super().__init__(eio_packet.MESSAGE, text)
        self.framed = Framed.of(super().encode())

    def encode(self, b64: bool = False) -> str:
        return self.framed


def broadcast(server: Any, event: str, data: Any, room: str, namespace: str) -> None:
    """`server.emit(event, data, to=room, namespace=namespace)`, framed once (see above)."""
    if type(getattr(server, "manager", None)) is not Manager:  # a message queue publishes instead
        server.emit(event, data, to=room, namespace=namespace)
        return
    encoded = server.packet_class(sio_packet.EVENT, namespace=namespace,
                                  data=[event, data]).encode()
    if not isinstance(encoded, str):  # binary attachments: more than one packet
        server.emit(event, data, to=room, namespace=namespace)
        return
    message = FramedPacket(encoded)
    sockets = server.eio.sockets
    for _, eio_sid in server.manager.get_participants(namespace, room):
        socket = sockets.get(eio_sid)
        if socket is None or not _written(socket, message.framed):
            server._send_eio_packet(eio_sid, message)  # as python-socketio's Manager.emit


def _written(socket: Any, framed: Framed) -> bool:
    """Write the frame straight into the socket if nothing is, or could be, ahead of it."""
    ws = getattr(socket, "samverkan_ws", None)
    if (ws is None or ws.sending or ws.raw is None or not socket.upgraded or socket.closed
            or not socket.queue.empty()):
        return False
    if not socket.check_ping_timeout():
        return True  # the client is gone: dropped, as the socket's own send drops it
    try:
        sent = ws.raw.send(framed.frame)
    except OSError:  # its buffer is full (BlockingIOError), or it is closing: the writer sees
        return False
    if sent < len(framed.frame):
        socket.queue.put(_Rest(framed.frame[sent:]))  # first in the queue: it was empty
    return True


class _Rest(eio_packet.Packet):
    """The unsent end of a frame, for the socket's writer to finish before anything else."""

    def __init__(self, data: bytes) -> None:
        super().__init__(eio_packet.MESSAGE, "")
        self.framed = Framed.rest(data)

    def encode(self, b64: bool = False) -> str:
        return self.framed


def install(eio_server: Any) -> bool:
    """Under gevent with simple-websocket, let this Engine.IO server's WebSockets take frames
    built once (`FramedWebSocket`); elsewhere nothing changes. Returns whether it did."""
    if eio_server.async_mode != "gevent":
        return False
    from engineio.async_drivers import gevent as driver

    base = driver._async.get("websocket")
    simple = getattr(driver, "SimpleWebSocketWSGI", None)
    if base is None or simple is None or not issubclass(base, simple):
        return False  # gevent-websocket is in use: its frames are its own
    eio_server._async = {**eio_server._async, "websocket": _framed_class(base)}
    return True


def _framed_class(base: type) -> type:
    class FramedWebSocket(base):  # type: ignore[misc, valid-type]
        """engineio's gevent WebSocket (simple-websocket) that writes `Framed` text as its
        prebuilt frame and tells `broadcast` when it may write to the socket itself."""

        sending = False
        checked = False
        raw: Any = None  # the non-blocking OS socket, when frames may be written directly

        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            socket = self.app.__self__  # the handler is the engine.io socket's bound method
            socket.samverkan_ws = self
            try:
                return super().__call__(environ, start_response)
            finally:
                socket.samverkan_ws = None
                self.raw = None

        def send(self, message: Any) -> Any:
            if not self.checked:  # the handshake is done before anything is sent
                self._check()
            self.sending = True
            try:
                if isinstance(message, Framed) and self.raw is not None:
                    if not self.ws.connected:
                        raise OSError()  # as the base class turns ConnectionClosed into
                    self.ws.sock.sendall(message.frame)
                    return None
                return super().send(message)
            finally:
                self.sending = False

        def _check(self) -> None:
            """Frames are shared only where no extension was negotiated (compression frames
            each socket's messages its own way) and the OS socket is non-blocking."""
            self.checked = True
            proto = getattr(getattr(self.ws.ws, "connection", None), "_proto", None)
            raw = getattr(self.ws.sock, "_sock", None)
            if proto is not None and not proto.extensions and raw is not None \
                    and raw.gettimeout() == 0.0:
                self.raw = raw

    return FramedWebSocket
