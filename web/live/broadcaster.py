"""Follows the event log and broadcasts each stored change to its plan's room.

Changes go out only after they are stored (the broadcaster reads them back from the store's
subscription), in log order. A client that joins gets what it missed from the store itself.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from domain.usecases import Samverkan
from web.live.messages import change_message
from web.live.names import NameBook

log = logging.getLogger(__name__)
MAX_CATCH_UP = 10_000  # log entries a join may replay; beyond that the client reloads


def room(plan_id: str) -> str:
    return f"plan:{plan_id}"


class Broadcaster:
    def __init__(self, app: Samverkan, names: NameBook, socketio: Any, namespace: str) -> None:
        self.app, self.names, self.socketio, self.namespace = app, names, socketio, namespace
        # Held while a change is emitted and while a socket joins a room, so that a join
        # sees a clean cut: everything up to `position` was emitted before it joined.
        self.lock = threading.RLock()
        self.position = 0
        self._subscription: Any = None
        self._thread: threading.Thread | None = None
        self._plans: dict[Any, str] = {}  # aggregate id → plan id (ids never move plans)

    def start(self) -> None:
        self.position = self.app.recorder.max_notification_id() or 0
        self._subscription = self.app.recorder.subscribe(gt=self.position)
        self._thread = threading.Thread(target=self._follow, name="live-broadcaster",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _follow(self) -> None:
        try:
            with self._subscription:  # joins the subscription's reading thread on stop
                for notification in self._subscription:
                    self._publish(notification)
        except Exception:
            log.exception("the live broadcaster stopped")

    def _publish(self, notification: Any) -> None:
        event = self.app.mapper.to_domain_event(notification)
        self._plans[event.originator_id] = event.plan_id
        message = change_message(event, notification.id, self.names)
        with self.lock:
            self.socketio.emit("change", message, to=room(event.plan_id),
                               namespace=self.namespace)
            self.position = notification.id

    def changes_since(self, plan_id: str, since: int, until: int) -> list[dict[str, Any]] | None:
        """This plan's changes stored after `since` up to `until`, in order (None: too many)."""
        if until - since > MAX_CATCH_UP:
            return None
        changes = []
        recorder, to_event = self.app.recorder, self.app.mapper.to_domain_event
        position = since
        while position < until:
            page = recorder.select_notifications(start=position, limit=1000, stop=until,
                                                 inclusive_of_start=False)
            if not page:
                break
            for notification in page:
                known = self._plans.get(notification.originator_id)
                if known is not None and known != plan_id:
                    continue  # another plan's aggregate: no need to decode it
                event = to_event(notification)
                self._plans[event.originator_id] = event.plan_id
                if event.plan_id == plan_id:
                    changes.append(change_message(event, notification.id, self.names))
            position = page[-1].id
        return changes
