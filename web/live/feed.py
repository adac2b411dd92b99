"""Stored changes for the live layer: the published feed (in log order, to the dispatcher) and
the history a joining client catches up from.

The projection runner is the log's only follower: after each batch of views commits it
publishes the batch (projections/publishing.py), in this process or through Redis. The feed
turns each published event into a change message and hands it to the dispatcher, so what a
browser is told is already in the views a page reloads from. A client that joins gets what it
missed from the store itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from domain.plans import Plan
from domain.usecases import Samverkan
from projections.publishing import ChangeFeed
from web.live.dispatcher import Dispatcher
from web.live.messages import change_message
from web.live.names import NameBook

log = logging.getLogger(__name__)
MAX_CATCH_UP = 10_000  # log entries a join may replay; beyond that the client reloads


class PublishedFeed:
    """Feeds every published change to the dispatcher once, in log order."""

    def __init__(self, changes: ChangeFeed, names: NameBook, dispatcher: Dispatcher,
                 views_position: Callable[[], int]) -> None:
        self.changes, self.names, self.dispatcher = changes, names, dispatcher
        self.views_position = views_position
        # Start-up and delivery take turns, so the first delivery sees the starting position.
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            start = self.changes.listen(self._deliver)
            # Listening first, then reading the views: a batch committed in between is either
            # delivered (after the position) or skipped as included in it; nobody has joined yet.
            self.dispatcher.position = self.views_position() if start is None else start

    def stop(self) -> None:
        self.changes.close()

    def _deliver(self, batch: list[tuple[Any, int]]) -> None:
        with self._lock:
            for event, position in batch:
                if position <= self.dispatcher.position:
                    continue  # sent again by a restarted worker, or already in the views we started at
                if isinstance(event, Plan.ActorAdded | Plan.ActorChanged):
                    # The views hold the new name now: read it from there.
                    self.names.forget_orgs(event.plan_id)
                self.dispatcher.deliver(change_message(event, position, self.names))


class History:
    """A plan's changes as stored, for a client catching up on join."""

    def __init__(self, app: Samverkan, names: NameBook) -> None:
        self.app, self.names = app, names
        self._plans: dict[Any, str] = {}  # aggregate id → plan id (ids never move plans)

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
