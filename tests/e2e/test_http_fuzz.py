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
from domain.plans import Plan
from tests.e2e.auth_helpers import csrf_token, sign_in
from tests.e2e.test_authorisation_matrix import (
    ROUTES,
    World,
    _ledger_ids,
    _spare_organisation,
    _state,
)

FIELDS = ("email", "password", "next", "current_password", "new_password", "repeat_password",
          "label", "confirm_email", "role", "org_id", "name", "csrf_token")
TEXT = st.one_of(st.text(max_size=40), st.text(max_size=3000), st.sampled_from(
    ["", "facilitator", "observer", "representative", "x" * 400, "a@b.c",
     "00000000-0000-0000-0000-000000000000", "../../etc/passwd", "<script>alert(1)</script>",
     "' OR 1=1 --", "\x00", "😀" * 50]))
#: Text no store can keep: lone surrogates (only JSON can carry them) and control characters.
UNFIT_IN_JSON = ["\ud800", "a\udfffb", "\udc80" * 3]
UNFIT_ANYWHERE = ["\x00", "x\x1by", "\x7f", "a\x0cb"]
FORMS = st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)),
                        TEXT | st.sampled_from(UNFIT_ANYWHERE), max_size=6)
JSON_TEXT = TEXT | st.sampled_from(UNFIT_IN_JSON + UNFIT_ANYWHERE)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | JSON_TEXT,
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(FIELDS) | JSON_TEXT, inner, max_size=4),
                    max_leaves=12)
# Signing out ends the fuzzing session itself; everything else is fair game.
POSTS = sorted(r for r in ROUTES if r[1] == "POST" and r[0] != "auth.sign_out")


@pytest.fixture
def facilitator(app: Flask, demo_system: System, demo: Any) -> tuple[Any, World]:
    world = World(demo_system, demo)
    plan = demo_system.app.load(Plan, demo.plan_id)
    world.ids["region"] = next(a for a, v in plan.actors.items() if v["name"] == "Region Gävleborg")
    _, world.ids["invite_token"] = demo_system.invitations.create(
        demo.plan_id, "fuzz@example.org", "observer", None, world.person("Anna"))
    world.ids["password_token"] = demo_system.password_links.issue(
        demo_system.people.add("Fuzz Länk", "fuzz.link@example.org"))
    world.ids.update(plan=demo.plan_id, budget=demo.budget_id, maria=world.person("Maria"),
                     token=demo_system.tokens.issue(world.person("Anna"), "Fuzz")[0],
                     invitation=demo_system.invitations.pending(demo.plan_id)[0].id)
    _spare_organisation(world)
    _ledger_ids(world)  # the commitments, service, KPI and risk the ledger's and services' routes act on
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


@pytest.mark.parametrize("route", POSTS, ids=lambda r: r[0])
def test_text_no_store_can_keep_is_refused_at_the_edge_of_every_post_route(
        facilitator: tuple[Any, World], route: tuple[str, str]) -> None:
    """The route's own valid form (or JSON) with one field made unfit: 400 naming that field,
    and nothing stored: the request never reached a use case."""
    client, world = facilitator
    row = ROUTES[route]
    path = row.path.format(**world.ids)
    token = csrf_token(client, "/account?lang=en")
    valid = {k: v for k, v in ((row.data(world, "facilitator") if row.data else None) or {}).items()
             if not isinstance(v, tuple)} or {"label": "Excel"}  # a file (an upload) is no text
    before = _state(world.system)
    for field in valid:
        for value in UNFIT_IN_JSON + UNFIT_ANYWHERE:
            body = {**valid, field: value}
            reply = client.post(path, json=body, headers={"X-CSRFToken": token,
                                                          "Accept": "application/json"})
            assert reply.status_code == 400, (route, field, ascii(value), reply.status_code)
            assert reply.json["error"] == "invalid" and list(reply.json["fields"]) == [field]
            if value in UNFIT_ANYWHERE:  # a form cannot carry a lone surrogate at all
                reply = client.post(path, data={"csrf_token": token, **body})
                assert reply.status_code == 400, (route, field, ascii(value), reply.status_code)
                assert "cannot be stored" in reply.get_data(as_text=True)
            assert _state(world.system) == before, f"{route} stored {field}={value!a}"
