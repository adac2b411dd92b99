"""Fuzzing every state-changing HTTP route with random forms and JSON bodies (hypothesis).

Whatever arrives: never a 5xx, and a refused input (4xx) stores nothing — no event, no person,
no password, token or invitation.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import System
from tests.e2e.auth_helpers import csrf_token, sign_in
from tests.e2e.test_authorisation_matrix import ROUTES, World, _state

FIELDS = ("email", "password", "next", "current_password", "new_password", "repeat_password",
          "label", "confirm_email", "role", "org_id", "name", "csrf_token")
TEXT = st.one_of(st.text(max_size=40), st.text(max_size=3000), st.sampled_from(
    ["", "facilitator", "observer", "representative", "x" * 400, "a@b.c",
     "00000000-0000-0000-0000-000000000000", "../../etc/passwd", "<script>alert(1)</script>",
     "' OR 1=1 --", "\x00", "😀" * 50]))
FORMS = st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)), TEXT, max_size=6)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=4), max_leaves=12)
# Signing out ends the fuzzing session itself; everything else is fair game.
POSTS = sorted(r for r in ROUTES if r[1] == "POST" and r[0] != "auth.sign_out")


@pytest.fixture
def facilitator(app: Flask, demo_system: System, demo: Any) -> tuple[Any, World]:
    world = World(demo_system, demo)
    _, world.ids["invite_token"] = demo_system.invitations.create(
        demo.plan_id, "fuzz@example.org", "observer", None, world.person("Anna"))
    world.ids.update(plan=demo.plan_id, budget=demo.budget_id, maria=world.person("Maria"),
                     token=demo_system.tokens.issue(world.person("Anna"), "Fuzz")[0],
                     invitation=demo_system.invitations.pending(demo.plan_id)[0].id)
    client = app.test_client()
    sign_in(client, "anna.berg@ljusdal.example.se")
    return client, world


@pytest.mark.slow
@pytest.mark.parametrize("route", POSTS, ids=lambda r: r[0])
def test_random_forms_and_json_never_crash_and_refusals_store_nothing(
        facilitator: tuple[Any, World], route: tuple[str, str]) -> None:
    client, world = facilitator
    path = ROUTES[route].path.format(**world.ids)
    token = csrf_token(client, "/account")

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(form=FORMS, body=JSON, as_json=st.booleans())
    def post(form: dict[str, str], body: Any, as_json: bool) -> None:
        before = _state(world.system)
        if as_json:
            reply = client.post(path, json=body, headers={"X-CSRFToken": token})
        else:
            reply = client.post(path, data={"csrf_token": token, **form})
        assert reply.status_code < 500, (route, reply.status_code)
        if reply.status_code >= 400:
            assert _state(world.system) == before, f"a refused {route} stored something"

    post()
