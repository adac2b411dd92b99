"""The `/live` Socket.IO namespace: join a plan, follow it, edit its budget (docs/realtime.md).

Every message first passes the connection's guard (session still open, rate, size); then the
application checks the person's rights again, for each join and each command.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, request, session
from flask_babel import gettext
from flask_socketio import Namespace, disconnect, emit, join_room, leave_room
from marshmallow import ValidationError

from domain.access import READ
from domain.budgets import Budget
from domain.context import acting_as
from domain.errors import DomainError, NotAllowed, translatable
from web.app import system
from web.errors import payload_for
from web.live import schemas, session_room
from web.live.broadcaster import room
from web.live.commands import RUN
from web.live.guard import ConnectionGuard, not_signed_in

log = logging.getLogger(__name__)
Reply = dict[str, Any]


class LiveNamespace(Namespace):
    def on_connect(self, auth: Any = None) -> None:
        """Only a signed-in page session may connect (the Origin was checked before this)."""
        token = session.get("sid")
        person_id = system().accounts.session_person(token)
        if person_id is None:
            raise ConnectionRefusedError(gettext("Sign in to take part."),
                                         {"error": "not_signed_in"})
        session["person_id"] = person_id
        guard = ConnectionGuard(token, person_id,
                                current_app.config.get("LIVE_CLOCK") or time.monotonic)
        session["guard"] = guard
        join_room(session_room(guard.session_hash))

    def on_disconnect(self, reason: Any = None) -> None:
        for plan_id in _live().presence.leave_all(request.sid):
            _announce_presence(plan_id)

    def on_join(self, *args: Any) -> Reply:
        data = _message(args)
        return _guarded("join", data, lambda: _join(schemas.JoinSchema().load(_dict(data))))

    def on_leave(self, *args: Any) -> Reply:
        data = _message(args)

        def leave() -> Reply:
            plan_id = str(schemas.LeaveSchema().load(_dict(data))["plan_id"])
            leave_room(room(plan_id))
            _joined().pop(plan_id, None)
            if _live().presence.leave(plan_id, request.sid):
                _announce_presence(plan_id)
            return {"ok": True}

        return _guarded("leave", data, leave)

    def on_focus(self, *args: Any) -> Reply:
        data = _message(args)

        def focus() -> Reply:
            message = schemas.FocusSchema().load(_dict(data))
            plan_id = str(message["plan_id"])
            if plan_id not in _joined():
                raise NotAllowed(translatable("Join the plan's meeting first."), plan_id=plan_id)
            cell = message["cell"]
            if cell:
                cell = {"line_id": str(cell["line_id"]), "field": cell["field"]}
            budget = str(message["budget_id"]) if message["budget_id"] else None
            if _live().presence.focus(plan_id, request.sid, budget, cell):
                _announce_presence(plan_id)
            return {"ok": True}

        return _guarded("focus", data, focus)

    def on_command(self, *args: Any) -> Reply:
        data = _message(args)
        command_id = data.get("command_id") if isinstance(data, dict) else None
        if not (isinstance(command_id, str) and len(command_id) <= 64):
            command_id = None  # echo only what could be a command id
        reply = _guarded("command", data, lambda: _command(schemas.load_command(data)))
        return {**reply, "command_id": command_id}


def _guarded(kind: str, data: Any, handler: Callable[[], Reply]) -> Reply:
    """Run a message's handler once the connection's guard lets it through."""
    guard: ConnectionGuard | None = session.get("guard")
    refusal = (guard.refusal(kind, data, system().accounts.session_person) if guard
               else not_signed_in())
    if refusal is not None:
        if refusal["error"] == "not_signed_in":
            # Its page session has ended (perhaps in another process): so does the socket.
            emit("signed_out", {"error": "not_signed_in"})
            disconnect()
        return {"ok": False, "error": refusal}
    return _answer(handler)


def _join(message: dict[str, Any]) -> Reply:
    live, plan_id, person_id = _live(), str(message["plan_id"]), session["person_id"]
    with acting_as(person_id):  # from the plan itself: NotFound, or NotAllowed for a non-member
        member = system().app.require(plan_id, READ)
    person = {**live.names.by(plan_id, person_id, member["org_id"]), "role": member["role"]}
    broadcaster = live.broadcaster
    with broadcaster.lock:  # a clean cut: everything up to `position` was emitted before this
        join_room(room(plan_id))
        position = broadcaster.position
    _joined()[plan_id] = person
    budget_id = str(message["budget_id"]) if message["budget_id"] else None
    live.presence.enter(plan_id, request.sid, person, budget_id)
    _announce_presence(plan_id)
    changes: list[dict[str, Any]] | None = []
    if message["since"] is not None:
        changes = broadcaster.changes_since(plan_id, message["since"], position)
    return {"ok": True, "position": position, "changes": changes or [],
            "reset": changes is None, "presence": live.presence.people(plan_id), "you": person}


def _command(command: dict[str, Any]) -> Reply:
    app = system().app
    budget = app.load(Budget, command["budget_id"])
    person = _joined().get(budget.plan_id)
    if person is None:
        raise NotAllowed(translatable("Join the plan's meeting before changing its budget."),
                         plan_id=budget.plan_id)
    with acting_as(person["person_id"], person["org_id"], str(command["command_id"])):
        saved = RUN[command["type"]](app, command)
    return {"ok": True, "position": saved.positions[-1] if saved.positions else None,
            "aggregate_version": saved.version, "version": saved.field_version,
            "line_id": saved.entity_id, "duplicate": saved.duplicate}


def _answer(handler: Callable[[], Reply]) -> Reply:
    """Run a handler; domain and validation errors become `ok: false` replies.

    Anything else is a defect: logged, and answered as `internal` rather than left to
    end the message without a reply.
    """
    try:
        return handler()
    except (DomainError, ValidationError) as error:
        return {"ok": False, "error": _with_names(payload_for(error))}
    except Exception as error:
        log.exception("a live %s message failed", request.event.get("message"))
        return {"ok": False, "error": payload_for(error)}


def _with_names(error: dict[str, Any]) -> dict[str, Any]:
    """Conflicts name who set the current value, not just their ids."""
    if error.get("error") == "stale_edit":
        names = _live().names
        error["set_by_name"] = names.person(error.get("set_by"))
        orgs = (names.org(plan_id, error.get("set_for")) for plan_id in _joined())
        org = next((o for o in orgs if o), None)
        error["set_for_name"] = org and org["name"]
    return error


def _announce_presence(plan_id: str) -> None:
    emit("presence", {"plan_id": plan_id, "people": _live().presence.people(plan_id)},
         to=room(plan_id), namespace="/live")


def _joined() -> dict[str, dict[str, Any]]:
    """The plans this socket has joined, with the person's role and organisation in each."""
    return session.setdefault("joined", {})


def _message(args: tuple[Any, ...]) -> Any:
    """The one argument a client sends (none, or several, is malformed)."""
    return args[0] if len(args) == 1 else list(args) or None


def _dict(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationError({"_schema": ["The message must be an object."]})
    return data


def _live() -> Any:
    from web.live import live

    return live()
