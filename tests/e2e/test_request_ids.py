"""Request ids (X-Request-ID in, or a new one; echoed out) and JSON log lines."""

from __future__ import annotations

import io
import json
import logging

from flask import Flask

from domain.context import acting_as
from web.observability import HEADER, JsonFormatter, configure_logging, current_request_id


def test_a_request_without_an_id_gets_a_new_one_in_the_response(app: Flask) -> None:
    client = app.test_client()
    first = client.get("/healthz").headers[HEADER]
    second = client.get("/healthz").headers[HEADER]
    assert len(first) == 32 and first != second


def test_the_proxys_request_id_is_echoed(app: Flask) -> None:
    reply = app.test_client().get("/sign-in", headers={HEADER: "edge-7f3a.42"})
    assert reply.headers[HEADER] == "edge-7f3a.42"


def test_an_implausible_request_id_is_replaced_not_echoed(app: Flask) -> None:
    sent = 'x" \n{"level": "CRITICAL"}'
    reply = app.test_client().get("/healthz", headers={HEADER: sent.replace("\n", " ")})
    assert reply.headers[HEADER] != sent.replace("\n", " ")
    assert len(reply.headers[HEADER]) == 32


def _line(logger: logging.Logger, message: str, *args: object) -> dict[str, object]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    try:
        logger.warning(message, *args)
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert text.count("\n") == 1, text  # one object per line
    return json.loads(text)


def test_a_json_log_line_carries_the_request_and_command_ids(app: Flask) -> None:
    logger = logging.getLogger("samverkan.test")
    captured: dict[str, object] = {}

    @app.get("/_log_probe")
    def probe() -> str:
        with acting_as("11111111-1111-1111-1111-111111111111", command_id="cmd-1"):
            captured.update(_line(logger, "changed %s cells", 3))
        return current_request_id() or ""

    from web.auth import PUBLIC_ENDPOINTS
    PUBLIC_ENDPOINTS.add("probe")
    try:
        reply = app.test_client().get("/_log_probe", headers={HEADER: "req-9"})
    finally:
        PUBLIC_ENDPOINTS.discard("probe")
    assert reply.get_data(as_text=True) == "req-9"
    assert captured["message"] == "changed 3 cells"
    assert captured["level"] == "WARNING" and captured["logger"] == "samverkan.test"
    assert captured["request_id"] == "req-9" and captured["command_id"] == "cmd-1"
    assert str(captured["time"]).endswith("+00:00")


def test_outside_a_request_the_ids_are_null() -> None:
    line = _line(logging.getLogger("samverkan.test"), "multi\nline")
    assert line["request_id"] is None and line["command_id"] is None
    assert line["message"] == "multi\nline"


def test_the_json_setting_puts_one_handler_on_the_root_logger() -> None:
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    out = io.StringIO()
    try:
        configure_logging("json", out)
        configure_logging("json", out)  # a second app in one process: still one handler
        logging.getLogger("samverkan.any").info("hello")
        lines = out.getvalue().splitlines()
        assert [json.loads(x)["message"] for x in lines] == ["hello"]
    finally:
        root.handlers[:] = before
        root.setLevel(level)


def test_text_logging_leaves_the_root_logger_alone() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    configure_logging("text")
    assert root.handlers == before


def test_a_failing_socket_command_is_logged_with_its_command_id(app: Flask) -> None:
    """A failure is logged after the command's acting_as has ended: the id comes from the message."""
    from flask import request

    with app.test_request_context("/socket.io/"):
        request.event = {"message": "command", "args": ({"command_id": "c-7", "type": "x"},)}
        line = _line(logging.getLogger("web.live.namespace"), "a live command message failed")
        request.event = {"message": "command", "args": ({"command_id": "bad id\n"},)}
        odd = _line(logging.getLogger("web.live.namespace"), "again")
    assert line["command_id"] == "c-7"
    assert odd["command_id"] is None
