"""The audit page's "verified up to #N" is kept current by the running server, not only at start."""

from __future__ import annotations

import re

from tests.e2e.process_support import (
    Served,
    Store,
    change_amounts,
    eventually,
    first_budget,
    log_head,
    serve,
    store,
    tamper,
)

__all__ = ["store"]  # the fixture
OLD_EVENT = 20  # one of the demo's first events


def _banner(server: Served, plan_id: str) -> tuple[str, int | None, str]:
    status, page = server.get(f"/plans/{plan_id}/audit?lang=en")
    assert status == 200, status
    section = page[page.index('data-part="verification"'):]
    section = section[:section.index("</section>")]
    state = re.search(r'data-state="(\w+)"', section).group(1)
    position = re.search(r'data-position="(\d+)"', section)
    return state, int(position.group(1)) if position else None, section


def test_the_banner_follows_new_events_and_shows_an_old_event_changed_in_the_store(store: Store) -> None:
    server = serve(store, "server", {"SAMVERKAN_VERIFY_PERIOD": "1"})
    try:
        plan_id, budget_id = first_budget(server)
        assert _banner(server, plan_id)[:2] == ("ok", log_head(store))  # checked at start
        sheet = server.json(f"/api/budgets/{budget_id}/sheet")
        line_id, year = sheet["lines"][0]["line_id"], sheet["budget"]["years"][0]
        edits = [(line_id, year, 7_000_00 + n) for n in range(3)]
        replies = change_amounts(server, plan_id, budget_id, edits)
        assert all(reply["ok"] for reply in replies), replies
        top = log_head(store)
        eventually(lambda: _banner(server, plan_id)[:2] == ("ok", top),
                   message="the banner's position did not follow the new events")
        assert f"Verified up to #{top} at" in _banner(server, plan_id)[2]
        tamper(store, OLD_EVENT)
        _state, position, section = eventually(
            lambda: (found := _banner(server, plan_id))[0] == "failed" and found, timeout=30,
            message="the background pass did not report the changed event")
        assert position == OLD_EVENT and 'role="alert"' in section
        assert "A stored event differs from what was chained at its position." in section
        assert "broken at #20: changed" in server.errors()  # one line in the operator's log
        assert server.stop() == 0
    finally:
        server.stop()
