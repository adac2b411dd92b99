"""Delivers stored changes to the sockets that may read them now, in log order.

The dispatcher is fed change messages (web/live/messages.py) in log order — by the feed of what
the projection runner publishes after each commit (web/live/feed.py) — and is the only thing
that emits them. Before it emits a change of a plan's membership (any event of
the Plan aggregate: a removal, a role change, or whatever later takes a right away), it asks
the plan again, as each person in that plan's meeting, whether they may still read it; those
who may not leave the room, drop out of presence and are told `access_ended` first, so they
never receive that change or any after it.

Joining a room happens under the same lock, so a join either sees the plan after a removal
(and is refused) or is in the room before the removal is dispatched (and is checked then).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask
from flask_babel import force_locale, gettext

from domain.access import READ
from domain.context import acting_as
from domain.errors import NotAllowed, NotFound, translatable
from domain.usecases import Samverkan
from web.live.broadcast import broadcast
from web.live.connections import Connections
from web.live.names import NameBook
from web.live.presence import Presence

log = logging.getLogger(__name__)


def room(plan_id: str) -> str:
    return f"plan:{plan_id}"


def presence_room(plan_id: str, changes: bool) -> str:
    """The sockets that get the plan's presence as changes (`presence_changed`), or as the
    whole list (`presence`, for clients written before the changes existed)."""
    return f"plan:{plan_id}:{'presence_changed' if changes else 'presence'}"


class Dispatcher:
    def __init__(self, app: Samverkan, connections: Connections, presence: Presence,
                 names: NameBook, socketio: Any, namespace: str, flask_app: Flask) -> None:
        self.app, self.connections, self.presence, self.names = app, connections, presence, names
        self.socketio, self.namespace, self.flask_app = socketio, namespace, flask_app
        # Held while a change is delivered and while a socket joins a room: a join sees a
        # clean cut (everything up to `position` was emitted before it joined).
        self.lock = threading.RLock()
        self.position = 0

    # ---- fed by the log, in order ------------------------------------------------------------

    def deliver(self, change: dict[str, Any]) -> None:
        """One stored change, after every change before it in the log."""
        plan_id = change["plan_id"]
        with self.lock:
            if change["aggregate_type"] == "Plan":
                self.recheck(plan_id)
            self._emit("change", change, to=room(plan_id))
            self.position = max(self.position, change["position"])

    def recheck(self, plan_id: str) -> None:
        """Everyone in the plan's meeting who may no longer read it is taken out of it; a
        changed role or organisation shows in presence."""
        for sid, person in self.connections.joined_to(plan_id):
            member = self._membership(plan_id, person["person_id"])
            if member is None:
                self.end_access(sid, plan_id)
            elif (member["role"], member["org_id"]) != (person["role"], person["org_id"]):
                entry = self.person_entry(plan_id, person["person_id"], member)
                self.connections.join(sid, plan_id, entry)
                self.presence.refresh(plan_id, sid, entry)  # shows at the next flush

    def end_access(self, sid: str, plan_id: str) -> None:
        """Take a connection out of a plan's meeting it may no longer follow, and tell it."""
        with self.lock:
            self.leave_rooms(sid, plan_id)
            self.connections.leave(sid, plan_id)
            self.presence.leave(plan_id, sid)
            connection = self.connections.get(sid)
            locale = (connection and connection.locale) or self.flask_app.config[
                "BABEL_DEFAULT_LOCALE"]
            with self.flask_app.app_context(), force_locale(locale):
                self._server().emit("access_ended", access_ended(plan_id), to=sid,
                                    namespace=self.namespace)

    # ---- asked by the namespace ----------------------------------------------------------------

    def join(self, sid: str, plan_id: str, person_id: str, budget_id: str | None,
             present: bool = True, presence_changes: bool = False,
             ) -> tuple[dict[str, Any], int, list[dict[str, Any]]]:
        """Enter the plan's room and presence if the person may read it (NotFound/NotAllowed
        otherwise): their person entry, the position up to which changes were emitted before
        (those after it reach the room), and the meeting's presence as every later flush
        changes it (taken under the flushes' lock)."""
        with self.lock:
            with acting_as(person_id):  # the plan itself decides, not a read model
                member = self.app.require(plan_id, READ)
            person = self.person_entry(plan_id, person_id, member)
            server = self._server()
            server.enter_room(sid, room(plan_id), namespace=self.namespace)
            server.leave_room(sid, presence_room(plan_id, not presence_changes),
                              namespace=self.namespace)  # a re-join may change its format
            server.enter_room(sid, presence_room(plan_id, presence_changes),
                              namespace=self.namespace)
            if not self.connections.join(sid, plan_id, person):  # disconnected meanwhile
                self.leave_rooms(sid, plan_id)
                raise NotAllowed(translatable("Join the plan's meeting first."), plan_id=plan_id)
            if present:
                self.presence.enter(plan_id, sid, person, budget_id)
            return person, self.position, self.presence.people(plan_id)

    def may_read(self, plan_id: str, person_id: str) -> bool:
        return self._membership(plan_id, person_id) is not None

    def person_entry(self, plan_id: str, person_id: str, member: dict[str, Any]) -> dict[str, Any]:
        return {**self.names.by(plan_id, person_id, member["org_id"]), "role": member["role"]}

    def leave_rooms(self, sid: str, plan_id: str) -> None:
        for name in (room(plan_id), presence_room(plan_id, True), presence_room(plan_id, False)):
            self._server().leave_room(sid, name, namespace=self.namespace)

    # ---- presence, coalesced (web/live/presence.py) -------------------------------------------

    def flush_presence(self) -> None:
        """One `presence_changed` (and one whole `presence` list, for older clients) per plan
        whose presence changed since the last flush, each encoded once for its room. Under the
        lock, so a flush never overtakes a change: every socket's queue is first in, first out,
        and a change emitted before it is ahead of it in every socket of the room."""
        for plan_id in self.presence.changed_plans():
            with self.lock:
                changes = self.presence.take_changes(plan_id)
                if changes:
                    self._emit("presence_changed", {"plan_id": plan_id, "changes": changes},
                               to=presence_room(plan_id, True))
                    self._emit("presence", {"plan_id": plan_id,
                                            "people": self.presence.people(plan_id)},
                               to=presence_room(plan_id, False))

    # ---- the socket server -------------------------------------------------------------------

    def _membership(self, plan_id: str, person_id: str) -> dict[str, Any] | None:
        try:
            with acting_as(person_id):
                return self.app.require(plan_id, READ)
        except (NotAllowed, NotFound):
            return None

    def _emit(self, event: str, data: Any, to: str) -> None:
        """To a room: one frame for all its sockets (web/live/broadcast.py)."""
        broadcast(self._server(), event, data, to, self.namespace)

    def _server(self) -> Any:
        return self.socketio.server


def access_ended(plan_id: str) -> dict[str, Any]:
    """What a connection is told when it may no longer follow a plan (docs/realtime.md)."""
    return {"plan_id": plan_id, "error": "not_allowed", "message": gettext(
        "You can no longer follow this plan's meeting: you are not a member of it any more.")}
