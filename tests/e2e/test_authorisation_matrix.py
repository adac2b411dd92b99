"""The authorisation matrix: every HTTP route × every kind of person (the socket events are in
test_authorisation_matrix_live.py).

People: anonymous, a signed-in non-member, an observer (Gunnar), a representative of one
organisation acting on another organisation's things (Erik of Region Gävleborg, on Maria of
Ramsjö Lanthandel), and a facilitator (Anna). A route or socket event without a row here fails
the first two tests, so nothing new ships without someone deciding who may use it.
"""

from __future__ import annotations

import datetime
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from adapters.accounts import credentials
from adapters.bootstrap import System
from adapters.demo import DemoPlan
from adapters.first_run import first_run
from adapters.invitations import invitations
from adapters.people import people
from adapters.tokens import api_tokens
from domain.context import acting_as
from domain.plans import Plan
from tests.e2e.auth_helpers import DEMO_PASSWORD, csrf_token, sign_in
from tests.e2e.demo_years import Y1, Y3

PERSONAS = ("anonymous", "non_member", "observer", "representative", "facilitator")
SIGNED_IN = set(PERSONAS) - {"anonymous"}
MEMBERS = {"observer", "representative", "facilitator"}
EDITORS = {"representative", "facilitator"}
OUTSIDER = ("Olle Utomstående", "olle@example.org", "olle-password-1")
EMAILS = {"observer": "gunnar.persson@ljusdal.example.se",
          "representative": "erik.lindqvist@region.example.se",
          "facilitator": "anna.berg@ljusdal.example.se", "non_member": OUTSIDER[1]}
NS = "/live"


@dataclass
class World:
    system: System
    demo: DemoPlan
    ids: dict[str, str] = field(default_factory=dict)

    def person(self, name: str) -> str:
        return next(p.person_id for p in self.demo.people if p.name.startswith(name))


def _propose(w: World) -> None:
    with acting_as(w.person("Anna")):
        w.system.app.propose_budget(w.demo.budget_id)


def _adopt(w: World) -> None:
    """Proposed, then adopted the only way there is: by a recorded decision."""
    _propose(w)
    with acting_as(w.person("Anna")):
        saved = w.system.app.record_decision(w.demo.plan_id, datetime.date.today(), "Antas",
                                             "Budgeten antas.", [w.person("Anna")],
                                             w.demo.budget_id)
    w.system.projections.wait(saved.positions[-1], timeout=5)


def _spare_organisation(w: World) -> None:
    """An organisation nobody represents and that took no part: one a facilitator may remove."""
    with acting_as(w.person("Anna")):
        w.ids["spare"] = w.system.app.add_actor(w.demo.plan_id, "Tillfällig förening",
                                                "voluntary").entity_id


def _year_after(w: World) -> None:
    with acting_as(w.person("Anna")):
        w.system.app.add_budget_year(w.demo.budget_id, Y3 + 1)


@dataclass(frozen=True)
class Route:
    """One HTTP route: what to send, who may, and what has to be true before."""

    path: str
    allowed: set[str]
    data: Callable[[World, str], dict[str, Any]] | None = None
    prepare: Callable[[World], None] | None = None
    #: Public only while nobody has an account; in this world (the demo) gone: 404 for all.
    gone: bool = False


def _invite(w: World, _: str) -> dict[str, Any]:
    return {"email": f"ny-{uuid.uuid4().hex[:6]}@example.org", "role": "representative",
            "org_id": w.ids["region"]}


def _fresh_password_link(w: World, who: str) -> dict[str, Any]:
    """A new person added by an operator, whose link this persona opens."""
    person = w.system.people.add("Ny Person", f"ny-{uuid.uuid4().hex[:6]}@example.org")
    w.ids["password_token"] = w.system.password_links.issue(person)
    return {"password": "ny-person-password", "repeat_password": "ny-person-password"}


def _decision(w: World) -> None:
    """A recorded decision of the demo plan, for its printable page and PDF."""
    with acting_as(w.person("Anna")):
        saved = w.system.app.record_decision(w.demo.plan_id, datetime.date.today(), "Beslut",
                                             "Mötet beslutar.", [w.person("Anna")])
    w.system.projections.wait(saved.positions[-1], timeout=5)
    w.ids["decision"] = str(saved.aggregate_id)


def _budget_file() -> tuple[io.BytesIO, str]:
    """A hand-filled budget (the template's columns) as an upload."""
    return io.BytesIO(f"Budgetpost,Kategori,Typ,{Y1}\r\nHyra,Lokal,Kostnad,1200\r\n".encode()), "b.csv"


def _decision_form(w: World, _: str) -> dict[str, Any]:
    return {"decided_on": datetime.date.today().isoformat(), "title": "Beslut",
            "text": "Mötet beslutar.", "attendees": [w.person("Anna"), w.person("Erik")]}


ROUTES: dict[tuple[str, str], Route] = {
    ("plans.index", "GET"): Route("/", SIGNED_IN),
    ("plans.plan", "GET"): Route("/plans/{plan}", MEMBERS),
    ("plans.budget", "GET"): Route("/budgets/{budget}", MEMBERS),
    ("api.budget_sheet", "GET"): Route("/api/budgets/{budget}/sheet", MEMBERS),
    ("budgets.export_xlsx", "GET"): Route("/budgets/{budget}/export.xlsx", MEMBERS),
    ("budgets.export_csv", "GET"): Route("/budgets/{budget}/export.csv", MEMBERS),
    ("audit.page", "GET"): Route("/plans/{plan}/audit", MEMBERS),
    ("audit.api_page", "GET"): Route("/api/plans/{plan}/audit", MEMBERS),
    ("audit.export_csv", "GET"): Route("/plans/{plan}/audit.csv", MEMBERS),
    ("audit.export_json", "GET"): Route("/plans/{plan}/audit.json", MEMBERS),
    ("audit.export_xlsx", "GET"): Route("/plans/{plan}/audit.xlsx", MEMBERS),
    ("api.me", "GET"): Route("/api/me", SIGNED_IN),
    ("api.my_plans", "GET"): Route("/api/plans", SIGNED_IN),
    ("api.plan_detail", "GET"): Route("/api/plans/{plan}", MEMBERS),
    ("history.changes", "GET"): Route("/budgets/{budget}/changes", MEMBERS),
    ("history.budget_at", "GET"): Route("/budgets/{budget}/history?version=2", MEMBERS),
    ("history.budget_diff", "GET"): Route("/budgets/{budget}/diff?from=1&to=3", MEMBERS),
    ("history.api_budget_at", "GET"): Route("/api/budgets/{budget}/at?version=2", MEMBERS),
    ("history.api_service_at", "GET"): Route("/api/services/{service}/at?version=1", MEMBERS,
                                             prepare=lambda w: _history_ids(w)),
    ("history.api_commitment_at", "GET"): Route("/api/commitments/{commitment}/at?version=1",
                                                MEMBERS, prepare=lambda w: _history_ids(w)),
    ("account.index", "GET"): Route("/account", SIGNED_IN),
    ("account.change_password", "POST"): Route("/account/password", SIGNED_IN, lambda w, who: {
        "current_password": w.ids.get("password:" + who, "x"), "new_password": "a-new-password-9",
        "repeat_password": "a-new-password-9"}),
    ("account.create_token", "POST"): Route("/account/tokens", SIGNED_IN, lambda w, who: {
        "label": "Excel"}),
    ("account.revoke_token", "POST"): Route(  # the facilitator's token: nobody else's to revoke
        "/account/tokens/{token}/revoke", {"facilitator"}),
    ("account.erase", "POST"): Route("/account/erase", SIGNED_IN, lambda w, who: {
        "confirm_email": EMAILS.get(who, "")}),
    ("members.index", "GET"): Route("/plans/{plan}/members", MEMBERS),
    ("members.invite", "POST"): Route("/plans/{plan}/invitations", {"facilitator"}, _invite),
    ("members.revoke", "POST"): Route("/plans/{plan}/invitations/{invitation}/revoke",
                                      {"facilitator"}),
    ("members.change", "POST"): Route("/plans/{plan}/members/{maria}", {"facilitator"},
                                      lambda w, who: {"role": "observer", "org_id": ""}),
    ("members.remove", "POST"): Route("/plans/{plan}/members/{maria}/remove", {"facilitator"}),
    ("budgets.propose", "POST"): Route("/budgets/{budget}/propose", {"facilitator"}),
    ("budgets.return_to_draft", "POST"): Route("/budgets/{budget}/return-to-draft",
                                               {"facilitator"}, prepare=_propose),
    ("budgets.add_year", "POST"): Route("/budgets/{budget}/years", {"facilitator"},
                                        lambda w, who: {"year": str(Y3 + 1)}),
    ("budgets.remove_year", "POST"): Route(f"/budgets/{{budget}}/years/{Y3 + 1}/remove",
                                           {"facilitator"}, prepare=_year_after),
    # Anyone signed in may start a plan (and becomes its facilitator); the rest of the plan's
    # shape is a facilitator's.
    ("plans_admin.create", "POST"): Route("/plans", SIGNED_IN, lambda w, who: {
        "name": f"Plan {uuid.uuid4().hex[:6]}", "place": "Ramsjö", "start_year": "2027",
        "end_year": "2029", "description": "En ny plan."}),
    ("plans_admin.change_details", "POST"): Route("/plans/{plan}/details", {"facilitator"},
                                                  lambda w, who: {"name": "Ny plan",
                                                                  "place": "Ramsjö"}),
    ("plans_admin.change_gender_split", "POST"): Route(
        "/plans/{plan}/gender-split", {"facilitator"},
        lambda w, who: {"gender_split_required": "on"}),
    ("plans_admin.archive", "POST"): Route("/plans/{plan}/archive", {"facilitator"}),
    ("organisations.index", "GET"): Route("/plans/{plan}/organisations", {"facilitator"}),
    ("organisations.add", "POST"): Route(
        "/plans/{plan}/organisations", {"facilitator"},
        lambda w, who: {"name": f"Org {uuid.uuid4().hex[:6]}", "sector": "private"}),
    ("organisations.change", "POST"): Route(
        "/plans/{plan}/organisations/{region}", {"facilitator"},
        lambda w, who: {"name": f"Region {uuid.uuid4().hex[:6]}"}),
    ("organisations.remove_form", "GET"): Route(
        "/plans/{plan}/organisations/{spare}/remove", {"facilitator"}, prepare=_spare_organisation),
    ("organisations.remove", "POST"): Route(
        "/plans/{plan}/organisations/{spare}/remove", {"facilitator"},
        prepare=_spare_organisation),
    # The forms and confirmation pages in front of those posts: for whoever may send them.
    ("plans_admin.new_plan", "GET"): Route("/plans/new", SIGNED_IN),
    ("plans_admin.details_form", "GET"): Route("/plans/{plan}/details", {"facilitator"}),
    ("plans_admin.archive_form", "GET"): Route("/plans/{plan}/archive", {"facilitator"}),
    ("plans_admin.new_budget", "GET"): Route("/plans/{plan}/budgets/new", {"facilitator"}),
    ("budgets.confirm_propose", "GET"): Route("/budgets/{budget}/propose", {"facilitator"}),
    ("budgets.confirm_revision", "GET"): Route("/budgets/{budget}/revision", {"facilitator"},
                                               prepare=_adopt),
    ("plans_admin.create_budget", "POST"): Route("/plans/{plan}/budgets", {"facilitator"},
                                                 lambda w, who: {"title": "Budget 2028"}),
    ("budgets.revision", "POST"): Route("/budgets/{budget}/revision", {"facilitator"},
                                        prepare=_adopt),
    # Importing a budget from a file: as creating one (a facilitator's).
    ("budget_import.form", "GET"): Route("/plans/{plan}/budgets/import", {"facilitator"}),
    ("budget_import.template", "GET"): Route("/plans/{plan}/budgets/template.xlsx",
                                             {"facilitator"}),
    ("budget_import.upload", "POST"): Route("/plans/{plan}/budgets/import", {"facilitator"},
                                            lambda w, who: {"file": _budget_file()}),
    ("decisions.index", "GET"): Route("/plans/{plan}/decisions", MEMBERS),
    ("decisions.new", "GET"): Route("/plans/{plan}/decisions/new?budget={budget}", {"facilitator"}),
    ("decisions.create", "POST"): Route("/plans/{plan}/decisions/new", {"facilitator"},
                                        _decision_form),
    ("decisions.show", "GET"): Route("/decisions/{decision}", MEMBERS, prepare=_decision),
    ("decisions.pdf", "GET"): Route("/decisions/{decision}.pdf", MEMBERS, prepare=_decision),
    # The commitments ledger: every member reads it; an organisation's own people pledge and
    # move its commitments along (Erik the region's, Anna the municipality's); a facilitator
    # verifies.
    ("commitments.index", "GET"): Route("/plans/{plan}/commitments", MEMBERS),
    ("commitments.pledge", "POST"): Route("/plans/{plan}/commitments", EDITORS,
                                          lambda w, who: _pledge(w, who),
                                          prepare=lambda w: _ledger_ids(w)),
    ("commitments.confirm", "POST"): Route("/plans/{plan}/commitments/{region_pledged}/confirm",
                                           {"representative"}, prepare=lambda w: _ledger_ids(w)),
    ("commitments.deliver", "POST"): Route(
        "/plans/{plan}/commitments/{region_confirmed}/deliveries", {"representative"},
        lambda w, who: {"quantity": "1", "on": datetime.date.today().isoformat()},
        prepare=lambda w: _ledger_ids(w)),
    ("commitments.verify", "POST"): Route("/plans/{plan}/commitments/{delivered}/verify",
                                          {"facilitator"}, prepare=lambda w: _ledger_ids(w)),
    ("commitments.withdraw", "POST"): Route(
        "/plans/{plan}/commitments/{region_pledged}/withdraw", {"representative"},
        lambda w, who: {"reason": "Prioriteras om."}, prepare=lambda w: _ledger_ids(w)),
    # Shared services: every member reads the board and a service's page; a facilitator sets
    # services up, changes them, their providers and their stage; editors record needs.
    ("services.board", "GET"): Route("/plans/{plan}/services", MEMBERS),
    ("services.show", "GET"): Route("/plans/{plan}/services/{service}", MEMBERS,
                                    prepare=lambda w: _ledger_ids(w)),
    ("services.create", "POST"): Route("/plans/{plan}/services", {"facilitator"},
                                       lambda w, who: {"name": "Paketskåp", "place": "Ramsjö"}),
    ("services.change_details", "POST"): Route(
        "/plans/{plan}/services/{service}/details", {"facilitator"},
        lambda w, who: {"name": f"Tjänst {uuid.uuid4().hex[:6]}", "place": "Ramsjö"},
        prepare=lambda w: _ledger_ids(w)),
    ("services.move", "POST"): Route(
        "/plans/{plan}/services/{service}/stage", {"facilitator"},
        lambda w, who: {"stage": "ended", "reason": "Ersätts av en ny tjänst."},
        prepare=lambda w: _ledger_ids(w)),
    ("services.add_need", "POST"): Route(
        "/plans/{plan}/services/{service}/needs", EDITORS,
        lambda w, who: {"text": f"Behov {uuid.uuid4().hex[:6]}"}, prepare=lambda w: _ledger_ids(w)),
    ("services.add_provider", "POST"): Route(
        "/plans/{plan}/services/{service}/providers", {"facilitator"},
        lambda w, who: {"actor_id": w.ids["region"]}, prepare=lambda w: _ledger_ids(w)),
    ("services.remove_provider", "POST"): Route(
        "/plans/{plan}/services/{service}/providers/{kommun}/remove", {"facilitator"},
        prepare=lambda w: _ledger_ids(w)),
    ("services.define_kpi", "POST"): Route(
        "/plans/{plan}/services/{service}/kpis", EDITORS,
        lambda w, who: {"name": "Leveranser", "unit": "st", "target": "25"},
        prepare=lambda w: _ledger_ids(w)),
    ("services.measure_kpi", "POST"): Route(
        "/plans/{plan}/services/{service}/kpis/{kpi}/measurements", EDITORS,
        lambda w, who: {"on": datetime.date.today().isoformat(), "value": "7"},
        prepare=lambda w: _ledger_ids(w)),
    ("risks.register", "GET"): Route("/plans/{plan}/risks", MEMBERS),
    ("risks.record", "POST"): Route(
        "/plans/{plan}/risks", EDITORS, lambda w, who: {
            "service_id": w.ids["service"], "title": "Ny risk", "likelihood": "2", "impact": "2"},
        prepare=lambda w: _ledger_ids(w)),
    ("risks.reassess", "POST"): Route(
        "/plans/{plan}/risks/{service}/{risk}", EDITORS, lambda w, who: {
            "title": "Omvärderad risk", "likelihood": "1", "impact": "2", "status": "mitigated"},
        prepare=lambda w: _ledger_ids(w)),
    ("dashboard.page", "GET"): Route("/plans/{plan}/dashboard", MEMBERS),
    ("dashboard.download", "GET"): Route("/plans/{plan}/dashboard/commitments.csv", MEMBERS),
    # Public: an invitation link is its own key; signing in is for everyone.
    ("invitations.accept_form", "GET"): Route("/invitations/{invite_token}", set(PERSONAS)),
    ("invitations.accept", "POST"): Route("/invitations/{invite_token}", {"anonymous"},
                                          lambda w, who: {"name": "Ny Person",
                                                          "password": "ny-person-password",
                                                          "repeat_password": "ny-person-password"}),
    # The first-run page is for an installation where nobody has an account yet.
    ("setup.form", "GET"): Route("/setup", set(), gone=True),
    ("setup.create", "POST"): Route("/setup", set(), lambda w, who: {
        "name": "Eve", "email": "eve@example.org", "password": "eve-password-1",
        "repeat_password": "eve-password-1"}, gone=True),
    # A set-password link is its own key (each persona here holds a fresh one).
    ("passwords.form", "GET"): Route("/set-password/{password_token}", set(PERSONAS)),
    ("passwords.set_password", "POST"): Route("/set-password/{password_token}", set(PERSONAS),
                                              _fresh_password_link),
    ("auth.sign_in_form", "GET"): Route("/sign-in", set(PERSONAS)),
    ("auth.sign_in", "POST"): Route("/sign-in", set(PERSONAS), lambda w, who: {
        "email": EMAILS.get(who, "nobody@example.org"),
        "password": w.ids.get("password:" + who, "wrong-password")} if who != "anonymous" else {
        "email": EMAILS["facilitator"], "password": DEMO_PASSWORD}),
    ("auth.sign_out", "POST"): Route("/sign-out", SIGNED_IN),
    ("static", "GET"): Route("/static/css/app.css", set(PERSONAS)),
    # Probes for the load balancer: for everyone, and they say nothing about anyone.
    ("health.alive", "GET"): Route("/healthz", set(PERSONAS)),
    ("health.ready", "GET"): Route("/readyz", set(PERSONAS)),
}


def _history_ids(w: World) -> None:
    """A service and a commitment of the demo plan, for the time-travel APIs."""
    from projections import queries

    with w.system.engine.connect() as conn:
        w.ids["service"] = queries.services_catalogue(conn, w.demo.plan_id)[0]["service_id"]
        w.ids["commitment"] = queries.commitments_ledger(conn, w.demo.plan_id)[0]["commitment_id"]


def _ledger_ids(w: World) -> None:
    """Commitments of the demo in the states the ledger's actions start from."""
    from projections import queries

    with w.system.engine.connect() as conn:
        rows = queries.commitments_ledger(conn, w.demo.plan_id)
        service = queries.services_catalogue(conn, w.demo.plan_id)[0]
    w.ids["service"] = service["service_id"]
    w.ids["kpi"] = next(k["id"] for k in service["kpis"] if not k["by_gender"])
    w.ids["risk"] = service["risks"][0]["id"]
    kommun = next(a for a, v in w.system.app.load(Plan, w.demo.plan_id).actors.items()
                  if v["name"] == "Ljusdals kommun")
    w.ids["kommun"] = kommun

    def first(actor: str | None, status: str) -> str:
        return next(r["commitment_id"] for r in rows
                    if r["status"] == status and actor in (None, r["actor_id"]))

    w.ids.update(region_pledged=first(w.ids["region"], "pledged"),
                 region_confirmed=first(w.ids["region"], "confirmed"),
                 delivered=first(None, "delivered"))


def _pledge(w: World, who: str) -> dict[str, Any]:
    """A pledge for the persona's own organisation (the region's for those who have none)."""
    actor = w.ids["kommun"] if who == "facilitator" else w.ids["region"]
    return {"actor_id": actor, "kind": "money", "quantity": "1 000", "due": f"{Y3}-06-30",
            "toward": f"service:{w.ids['service']}"}


def _routes(app: Flask) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_http_route_has_a_row_in_the_matrix(app: Flask) -> None:
    routes = _routes(app)
    assert routes - set(ROUTES) == set(), "new routes need a row in ROUTES"
    assert set(ROUTES) - routes == set(), "rows for routes that are gone"


@pytest.fixture(name="world")
def world_fixture(demo_system: System, demo: DemoPlan) -> World:
    w = World(demo_system, demo)
    w.system.accounts.register(*OUTSIDER)
    plan = w.system.app.load(Plan, demo.plan_id)
    w.ids.update({"plan": demo.plan_id, "budget": demo.budget_id, "maria": w.person("Maria"),
                  "region": next(a for a, v in plan.actors.items() if v["name"] == "Region Gävleborg")})
    w.ids["token"] = w.system.tokens.issue(w.person("Anna"), "Matrix")[0]
    _, w.ids["invite_token"] = w.system.invitations.create(
        demo.plan_id, "inbjuden@example.org", "observer", None, w.person("Anna"))
    w.ids["invitation"] = w.system.invitations.pending(demo.plan_id)[0].id
    w.ids["password_token"] = w.system.password_links.issue(
        w.system.people.add("Per Länk", "per.lank@example.org"))
    for who in SIGNED_IN:
        w.ids["password:" + who] = OUTSIDER[2] if who == "non_member" else DEMO_PASSWORD
    return w


def _state(system: System) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    with system.engine.connect() as conn:
        stored = tuple(conn.execute(select(func.count()).select_from(t)).scalar()
                       for t in (people, credentials, api_tokens, invitations, first_run))
        revoked = conn.execute(select(func.count()).select_from(api_tokens)
                               .where(api_tokens.c.revoked_at.is_not(None))).scalar()
        used = conn.execute(select(func.count()).select_from(invitations)
                            .where(invitations.c.accepted_at.is_not(None)
                                   | invitations.c.revoked_at.is_not(None))).scalar()
        hashes = tuple(conn.execute(select(credentials.c.password_hash)
                                    .order_by(credentials.c.person_id)).scalars())
    return (system.app.recorder.max_notification_id(), stored, revoked, used, hashes)


def _client(app: Flask, who: str, w: World) -> FlaskClient:
    client = app.test_client()
    if who != "anonymous":
        reply = sign_in(client, EMAILS[who], w.ids["password:" + who])
        assert reply.status_code == 302, f"{who} could not sign in"
    return client


def _send(client: FlaskClient, who: str, method: str, path: str, data: dict[str, Any] | None) -> Any:
    if method == "GET":
        reply = client.get(path)
        reply.get_data()  # as a browser does: a streamed export (audit.csv) ends its request context
        return reply
    page = "/sign-in" if who == "anonymous" else "/account"  # a page of theirs, with its token
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, page)})


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[1]} {r[0]}")
def test_each_route_lets_in_exactly_the_people_its_row_names(
        app: Flask, world: World, route: tuple[str, str]) -> None:
    row = ROUTES[route]
    if row.prepare:
        row.prepare(world)
    # Refusals first (they must change nothing), then the people who may.
    for who in sorted(PERSONAS, key=lambda p: (p in row.allowed, PERSONAS.index(p))):
        client = _client(app, who, world)
        before = _state(world.system)
        data = row.data(world, who) if row.data else None
        reply = _send(client, who, route[1], row.path.format(**world.ids), data)
        where = reply.headers.get("Location", "")
        if who in row.allowed:
            assert reply.status_code in (200, 201, 302, 303), (who, reply.status_code)
            assert "/sign-in" not in where or route[0] in ("auth.sign_out", "account.erase"), who
        else:
            if row.gone:
                assert reply.status_code == 404, (who, reply.status_code)
            elif who == "anonymous":
                assert reply.status_code == 401 or "/sign-in" in where, (who, reply.status_code)
            else:
                assert reply.status_code in (403, 404), (who, reply.status_code)
            assert _state(world.system) == before, f"{who}'s refused {route} changed something"
