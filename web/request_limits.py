"""How much a request may send: one limit for the app, a smaller one for each form.

A body over its route's limit is refused with 413 before anything reads it: from its
Content-Length at once, and a chunked body (no length) as soon as reading crosses the
limit. Nothing is parsed, echoed or stored, and the one event loop never holds a large body
in memory. Every route takes a small form (FORM_BODY) unless its view says otherwise with
`@body_limit(...)`; no route takes more than MAX_BODY, but the one that takes a file (a
budget's .xlsx or CSV, `@body_limit(..., upload=True)`): MAX_UPLOAD. The answer carries
`Connection: close`, so that the rest of such a body is never read as another request.

This hook runs before everything else that could read the body (CSRF, rate-limit keys).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_babel import gettext
from werkzeug.exceptions import RequestEntityTooLarge

from web.errors import refusal

KIB = 1024
#: No request sends more (MAX_CONTENT_LENGTH), but to a route that takes a file.
MAX_BODY = 1024 * KIB
#: What a form of a few short fields needs (sign-in, account, members, invitations): the
#: longest of them (e-mail 320, password 200, next 2000 characters) percent-encoded is < 10 KiB.
FORM_BODY = 16 * KIB
#: A route that takes a file (a budget import: 5 MiB and its form's fields) takes this at most.
MAX_UPLOAD = 5 * 1024 * KIB + FORM_BODY
#: Fields and files in one multipart body.
MAX_FORM_PARTS = 256

View = TypeVar("View", bound=Callable[..., Any])


def body_limit(size: int, upload: bool = False) -> Callable[[View], View]:
    """The most this route's request body may be, in bytes: never more than MAX_BODY, or
    MAX_UPLOAD for a route that takes a file (`upload`)."""
    def mark(view: View) -> View:
        view.body_limit = size  # type: ignore[attr-defined]
        view.takes_upload = upload  # type: ignore[attr-defined]
        return view
    return mark


def route_limit() -> int:
    view = current_app.view_functions.get(request.endpoint or "")
    ceiling = (MAX_UPLOAD if getattr(view, "takes_upload", False)
               else current_app.config["MAX_CONTENT_LENGTH"])
    return min(getattr(view, "body_limit", FORM_BODY), ceiling)


def _limit_body() -> None:
    limit = route_limit()
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    if "chunked" in request.environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        _buffer_chunked(limit)


def _buffer_chunked(limit: int) -> None:
    """A chunked body (no Content-Length) is read here, up to one byte past the limit: over it,
    413 at once; within it, the route reads it as if its length had been given. (werkzeug
    alone would cut such a body off at the limit without a word, and parse what came.)"""
    stream, body = request.environ["wsgi.input"], bytearray()
    while len(body) <= limit:
        piece = stream.read(limit + 1 - len(body))  # a server may give one chunk at a time
        if not piece:
            break
        body += piece
    if len(body) > limit:
        raise RequestEntityTooLarge()
    request.environ["wsgi.input"] = io.BytesIO(bytes(body))


def _too_large(_: RequestEntityTooLarge) -> Any:
    size = request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"]
    message = gettext("What was sent is too large: at most %(size)d KiB can be sent here. "
                      "Shorten it and try again.", size=max(1, size // KIB))
    return refusal(413, {"error": "too_large", "message": message, "limit": size},
                   headers={"Connection": "close"})


def init_request_limits(app: Flask) -> None:
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default: no limit at all
        app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    # Flask 3.1: a multipart form's text field and its number of parts, never above these.
    app.config["MAX_FORM_MEMORY_SIZE"] = min(app.config.get("MAX_FORM_MEMORY_SIZE") or MAX_BODY,
                                             MAX_BODY)
    app.config["MAX_FORM_PARTS"] = min(app.config.get("MAX_FORM_PARTS") or MAX_FORM_PARTS,
                                       MAX_FORM_PARTS)
    app.before_request(_limit_body)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
