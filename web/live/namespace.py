"""The `/live` Socket.IO namespace: join a plan, follow it, edit its budget (docs/realtime.md).

Every message first passes the connection's guard (credential still open, rate, size, text);
then the application checks the person's rights again, for each join, focus and command.
What a connection is (who, signed in how, which plans it joined) lives in the registry of this
process's connections, not in the socket's session.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, request, session
from flask_babel import get_locale, gettext
from flask_socketio import ConnectionRefusedError, Namespace, disconnect, emit
from marshmallow import ValidationError

from adapters.credentials import SESSION, TOKEN
from domain.access import NOT_A_MEMBER
from domain.budgets import Budget
from domain.context import acting_as
from domain.errors import DomainError, NotAllowed, translatable
from web.app import system
from web.draining import drain_of
from web.errors import payload_for, skip_message
from web.live import schemas
from web.live.commands import RUN
from web.live.connections import Connection, Credential
from web.live.guard import ConnectionGuard, not_signed_in

log = logging.getLogger(__name__)
Reply = dict[str, Any]


class LiveNamespace(Namespace):
    def on_connect(self, auth: Any = None) -> None:
        """A signed-in page session (its cookie) or an API token (`auth: {"token": …}`) may
        connect (the Origin was checked before this); anything else is refused with why."""
        token = auth.get("token") if isinstance(auth, dict) else None
        credential = (Credential(TOKEN, token) if isinstance(token, str)
                      else Credential(SESSION, session.get("sid") or ""))
        person_id = None
        if credential.kind == TOKEN:
            person_id = system().tokens.person_for(credential.secret)  # and notes its use
        elif credential.secret:
            person_id = system().accounts.session_person(credential.secret)
        if person_id is None:
            message = (gettext("That API token is not valid.") if credential.kind == TOKEN
                       else gettext("Sign in to take part."))
            raise ConnectionRefusedError(message, {"error": "not_signed_in", "message": message})
        guard = ConnectionGuard(credential, person_id,
                                current_app.config.get("LIVE_CLOCK") or time.monotonic)
        _live().connections.add(Connection(request.sid, person_id, credential, guard,
                                           locale=str(get_locale() or "") or None))

    def on_disconnect(self, reason: Any = None) -> None:
        live = _live()
        live.connections.remove(request.sid)
        live.presence.leave_all(request.sid)  # the next flush says who left

    def on_join(self, *args: Any) -> Reply:
        data = _message(args)
        return _guarded("join", data, lambda: _join(schemas.JoinSchema().load(_dict(data))))

    def on_leave(self, *args: Any) -> Reply:
        data = _message(args)

        def leave() -> Reply:
            plan_id = str(schemas.LeaveSchema().load(_dict(data))["plan_id"])
            live = _live()
            live.dispatcher.leave_rooms(request.sid, plan_id)
            live.connections.leave(request.sid, plan_id)
            live.presence.leave(plan_id, request.sid)
            return {"ok": True}

        return _guarded("leave", data, leave)

    def on_focus(self, *args: Any) -> Reply:
        data = _message(args)
        return _guarded("focus", data, lambda: _focus(schemas.FocusSchema().load(_dict(data))))

    def on_command(self, *args: Any) -> Reply:
        data = _message(args)
        command_id = data.get("command_id") if isinstance(data, dict) else None
        if not (isinstance(command_id, str) and len(command_id) <= 64):
            command_id = None  # echo only what could be a command id
        reply = _guarded("command", data, lambda: _finished_before_stopping(data))
        return {**reply, "command_id": command_id}


def _person_of(credential: Credential) -> str | None:
    """Whose the credential still is, checked again while connected (a token's use is noted
    only when it connects)."""
    if credential.kind == TOKEN:
        return system().tokens.person_for(credential.secret, note_use=False)
    return system().accounts.session_person(credential.secret)


def _guarded(kind: str, data: Any, handler: Callable[[], Reply]) -> Reply:
    """Run a message's handler once the connection's guard lets it through."""
    connection = _live().connections.get(request.sid)
    refusal = (connection.guard.refusal(kind, data, _person_of) if connection
               else not_signed_in())
    if refusal is not None:
        if refusal["error"] == "not_signed_in":
            # Its session or token has ended (perhaps in another process): so does the socket.
            emit("signed_out", {"error": "not_signed_in"})
            disconnect()
        return {"ok": False, "error": refusal}
    return _answer(handler)


def _join(message: dict[str, Any]) -> Reply:
    live, sid, plan_id = _live(), request.sid, str(message["plan_id"])
    connection = live.connections.get(sid)
    if connection is None:
        return {"ok": False, "error": not_signed_in()}
    budget_id = str(message["budget_id"]) if message["budget_id"] else None
    person, position, presence = live.dispatcher.join(
        sid, plan_id, connection.person_id, budget_id, present=message["presence"],
        presence_changes=message["presence_changes"])
    changes: list[dict[str, Any]] | None = []
    if message["since"] is not None:
        changes = live.history.changes_since(plan_id, message["since"], position)
    if live.connections.person_in(sid, plan_id) is None:  # removed while catching up
        raise NotAllowed(NOT_A_MEMBER, plan_id=plan_id)
    return {"ok": True, "position": position, "changes": changes or [],
            "reset": changes is None, "presence": presence, "you": person}


def _focus(message: dict[str, Any]) -> Reply:
    live, sid, plan_id = _live(), request.sid, str(message["plan_id"])
    person = live.connections.person_in(sid, plan_id)
    if person is None:
        raise NotAllowed(translatable("Join the plan's meeting first."), plan_id=plan_id)
    if not live.dispatcher.may_read(plan_id, person["person_id"]):  # the plan now, not the join
        live.dispatcher.end_access(sid, plan_id)
        raise NotAllowed(NOT_A_MEMBER, plan_id=plan_id)
    cell = message["cell"]
    if cell:
        cell = {"line_id": str(cell["line_id"]), "field": cell["field"]}
    budget = str(message["budget_id"]) if message["budget_id"] else None
    live.presence.focus(plan_id, sid, budget, cell)  # shows at the next flush
    return {"ok": True}


def _finished_before_stopping(data: Any) -> Reply:
    """A command that has started is finished (and answered) before the process stops;
    one that comes while it stops is answered `busy` (web/draining.py)."""
    with drain_of(current_app).command():
        return _command(schemas.load_command(data))


def _command(command: dict[str, Any]) -> Reply:
    app = system().app
    budget = app.load(Budget, command["budget_id"], copy=False)
    person = _live().connections.person_in(request.sid, budget.plan_id)
    if person is None:
        raise NotAllowed(translatable("Join the plan's meeting before changing its budget."),
                         plan_id=budget.plan_id)
    with acting_as(person["person_id"], person["org_id"], str(command["command_id"])):
        saved = RUN[command["type"]](app, command)
    reply = {"ok": True, "position": saved.positions[-1] if saved.positions else None,
             "aggregate_version": saved.version, "version": saved.field_version,
             "line_id": saved.entity_id, "duplicate": saved.duplicate}
    if command["type"] in ("undo", "redo"):  # what was undone or redone, and what was skipped
        reply.update(undone=saved.undone, redone=saved.redone,
                     skipped=_skipped(list(saved.skipped)))
    return reply


def _skipped(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Changes an undo skipped, each with why in the reader's language and who changed it."""
    names = _live().names
    return [{**entry, "message": skip_message(entry),
             **({"set_by_name": names.person(entry["set_by"])} if entry.get("set_by") else {})}
            for entry in entries]


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
    """Conflicts name who set the current value, not just their ids; an undo with nothing left
    to undo says, in the reader's language, what it skipped."""
    if isinstance(error.get("skipped"), list):
        error["skipped"] = _skipped(error["skipped"])
    if error.get("error") == "conflict" and error.get("set_by"):  # a refused redo
        error["set_by_name"] = _live().names.person(error["set_by"])
    if error.get("error") == "stale_edit":
        live = _live()
        names = live.names
        error["set_by_name"] = names.person(error.get("set_by"))
        orgs = (names.org(plan_id, error.get("set_for"))
                for plan_id in live.connections.plans_of(request.sid))
        org = next((o for o in orgs if o), None)
        error["set_for_name"] = org and org["name"]
    return error


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
