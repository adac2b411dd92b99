"""On a real server, over real sockets: a member removed during the meeting is told
`access_ended` and receives nothing of the plan afterwards, while the others go on.

`samverkan serve` runs in its own process on loopback; Anna (facilitator) and Erik
(representative) sign in through the sign-in form with requests, follow the plan with
python-socketio clients, and Anna removes Erik through the members page's form.
"""

from __future__ import annotations

import time
import uuid

import pytest

from tests.e2e.auth_helpers import DEMO_EMAILS
from tests.e2e.browser_support import Server
from tests.e2e.demo_years import Y1
from tests.e2e.real_server import Listener, csrf_token, real_server_fixture, signed_in

pytestmark = pytest.mark.slow
__all__ = ["real_server_fixture"]


def test_a_removed_member_stops_receiving_the_plan_at_once_and_the_others_go_on(
        real_server: Server) -> None:
    url = real_server.url
    anna_http, erik_http = (signed_in(url, DEMO_EMAILS[n]) for n in ("Anna Berg", "Erik Lindqvist"))
    erik_id = erik_http.get(f"{url}/api/me", timeout=5).json()["person_id"]
    sheet = anna_http.get(f"{url}/api/budgets/{real_server.budget_id}/sheet", timeout=5).json()
    line = sheet["lines"][0]["line_id"]
    anna, erik = Listener(url, anna_http), Listener(url, erik_http)
    try:
        for who in (anna, erik):
            assert who.refused is None, who.refused
            assert who.call("join", {"plan_id": real_server.plan_id,
                                     "budget_id": real_server.budget_id})["ok"]
        before = anna.call("command", {"command_id": str(uuid.uuid4()), "type": "change_amount",
                                       "budget_id": real_server.budget_id, "line_id": line,
                                       "year": Y1, "amount": 1_111})
        erik.wait_for(lambda: any(c["position"] == before["position"] for c in erik.named("change")))

        members = f"{url}/plans/{real_server.plan_id}/members"
        removed = anna_http.post(f"{members}/{erik_id}/remove",
                                 data={"csrf_token": csrf_token(anna_http, members)}, timeout=5)
        assert removed.ok, removed.status_code
        [ended] = erik.wait_for(lambda: erik.named("access_ended"))
        assert ended["plan_id"] == real_server.plan_id and ended["error"] == "not_allowed"
        assert ended["message"]

        after = anna.call("command", {"command_id": str(uuid.uuid4()), "type": "change_amount",
                                      "budget_id": real_server.budget_id, "line_id": line,
                                      "year": Y1, "amount": 2_222})
        assert after["ok"], after
        assert anna.call("focus", {"plan_id": real_server.plan_id,
                                   "budget_id": real_server.budget_id,
                                   "cell": {"line_id": line, "field": f"amount:{Y1}"}})["ok"]
        anna.wait_for(lambda: any(c["position"] == after["position"] for c in anna.named("change")))
        anna.wait_for(lambda: any(p["people"][0].get("cell") for p in anna.named("presence")))
        time.sleep(0.5)  # anything still on its way to Erik would be here by now

        told = next(i for i, (name, _) in enumerate(erik.events) if name == "access_ended")
        later = [(name, data) for name, data in erik.events[told + 1:]
                 if name in ("change", "presence")]
        assert later == [], later
        erik_changes = [c["type"] for c in erik.named("change")]
        assert "MemberRemoved" not in erik_changes  # told before the removal itself was sent
        assert [p["name"] for p in anna.named("presence")[-1]["people"]] == ["Anna Berg"]
        assert "MemberRemoved" in [c["type"] for c in anna.named("change")]
        refused = erik.call("focus", {"plan_id": real_server.plan_id, "cell": None})
        assert refused["ok"] is False and refused["error"]["error"] == "not_allowed"
        assert erik.client.connected  # still signed in: only this plan is closed to him
    finally:
        anna.close()
        erik.close()
