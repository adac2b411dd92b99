"""Request ids and structured logs.

Every HTTP request gets an id — the proxy's `X-Request-ID` when it sent a plausible one, else a
new one — echoed in the response's `X-Request-ID`, so a person's report, the proxy's log and
ours meet on one value. With SAMVERKAN_LOG_FORMAT=json every log line is one JSON object
(time, level, logger, message, request_id, command_id where one applies) for a log collector.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextlib import suppress
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from domain.context import NoActingPerson, current_acting

HEADER = "X-Request-ID"
_PLAUSIBLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # what a proxy sends; never a log injection
_request_id: ContextVar[str | None] = ContextVar("samverkan_request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def init_request_ids(app: Flask) -> None:
    app.before_request(_take_request_id)
    app.after_request(_echo_request_id)
    app.teardown_request(_forget_request_id)


def _take_request_id() -> None:
    sent = request.headers.get(HEADER, "")
    g.request_id_token = _request_id.set(sent if _PLAUSIBLE.fullmatch(sent) else uuid.uuid4().hex)


def _echo_request_id(response: Response) -> Response:
    found = _request_id.get()
    if found:
        response.headers[HEADER] = found
    return response


def _forget_request_id(_: BaseException | None) -> None:
    """Lines logged after the request (by the same thread or greenlet) name no request."""
    token = g.pop("request_id_token", None)
    if token is not None:
        with suppress(ValueError):  # set in another context (cannot happen in one request)
            _request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the message is formatted with its arguments first."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id.get(),
            "command_id": _command_id(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _command_id() -> str | None:
    """The command being carried out; else, inside a socket `command` message (a failure is
    logged after its `acting_as` has ended), the message's own id."""
    try:
        return current_acting().command_id
    except NoActingPerson:
        pass
    event = getattr(request, "event", None) if has_request_context() else None
    args = event.get("args") if isinstance(event, dict) else None
    if event and event.get("message") == "command" and args and isinstance(args[0], dict):
        found = args[0].get("command_id")
        return found if isinstance(found, str) and _PLAUSIBLE.fullmatch(found) else None
    return None


_HANDLER_NAME = "samverkan-json"


def configure_logging(log_format: str, stream: Any = None) -> None:
    """Switch the process's log lines to JSON (once per process; again replaces the handler).
    With "text" logging stays as Python's defaults leave it."""
    if log_format != "json":
        return
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(handler)
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return  # gunicorn's logconfig_dict (web/gunicorn_conf.py) has given it one already
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
