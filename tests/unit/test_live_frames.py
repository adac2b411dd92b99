"""The WebSocket frame web/live/broadcast.py builds once for a room is the one wsproto (what
simple-websocket frames with) would send, for every payload size class of RFC 6455."""

from __future__ import annotations

import pytest
from wsproto.connection import Connection, ConnectionType
from wsproto.events import TextMessage

from web.live.broadcast import Framed, text_frame


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65_535, 65_536, 70_000])
def test_a_prebuilt_frame_is_what_wsproto_sends(size: int) -> None:
    text = ("ä" * size)[:size] if size % 2 else "x" * size
    server = Connection(ConnectionType.SERVER)
    assert text_frame(text.encode()) == server.send(TextMessage(data=text))


def test_a_framed_packet_is_its_text_for_every_other_transport() -> None:
    framed = Framed.of('42/live,["change",{"position":1}]')
    assert framed == '42/live,["change",{"position":1}]' and str(framed) == framed
    assert framed.frame == text_frame(str(framed).encode())
