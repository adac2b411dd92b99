"""The audit trail: filters, newest-first paging, changes in words, exports that match the API."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.budgets import Budget
from domain.commitments import Commitment
from domain.context import acting_as
from domain.plans import Plan
from domain.services import SharedService
from projections import queries
from projections.audit import _shape
from projections.audit_queries import KINDS
from projections.tables import audit_log
from tests.e2e.auth_helpers import sign_in
from tests.e2e.demo_years import SPAN, Y1, Y2, Y3
from web.audit_text import PHRASES
from web.views.audit import KIND_LABELS

ANNA = "anna.berg@ljusdal.example.se"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, ANNA).status_code == 302
    client.get("/?lang=en")  # sentences in English, whatever the catalogues hold
    return client


def _person(demo: DemoPlan, first_name: str) -> str:
    return next(p.person_id for p in demo.people if p.name.startswith(first_name))


def _actors(system: System, plan_id: str) -> dict[str, str]:
    return {a["name"]: a["actor_id"] for a in _overview(system, plan_id)["actors"]}


def _overview(system: System, plan_id: str) -> dict[str, Any]:
    with system.engine.connect() as conn:
        return queries.plan_overview(conn, plan_id)


def _first_line(system: System, budget_id: str) -> dict[str, Any]:
    with system.engine.connect() as conn:
        return queries.budget_sheet(conn, budget_id).lines[0]


def _caught_up(system: System) -> None:
    system.projections.wait(system.app.recorder.max_notification_id(), timeout=10)


def _all(client: FlaskClient, plan_id: str, query: str = "") -> list[dict[str, Any]]:
    """Every entry the API gives for a filter, following the cursor page by page."""
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        reply = client.get(f"/api/plans/{plan_id}/audit?{query}"
                           + (f"&before={cursor}" if cursor else ""))
        assert reply.status_code == 200, reply.get_json()
        body = reply.get_json()
        assert len(body["entries"]) <= 50
        entries += body["entries"]
        cursor = body["next"]
        if cursor is None:
            return entries


def _positions_in_store(system: System, plan_id: str, **where: Any) -> list[int]:
    query = select(audit_log.c.position).where(audit_log.c.plan_id == plan_id)
    for column, value in where.items():
        values = value if isinstance(value, list | tuple) else [value]
        query = query.where(audit_log.c[column].in_(values))
    with system.engine.connect() as conn:
        return list(conn.execute(query.order_by(audit_log.c.position.desc())).scalars())


def test_paging_is_newest_first_without_gaps_or_duplicates(client: FlaskClient, demo_system: System,
                                                           demo: DemoPlan) -> None:
    entries = _all(client, demo.plan_id)
    positions = [e["position"] for e in entries]
    assert len(positions) > 100  # the demo alone fills three pages
    assert positions == sorted(set(positions), reverse=True)
    assert positions == _positions_in_store(demo_system, demo.plan_id)


@pytest.mark.parametrize(("param", "column", "value"), [
    ("person", "person_id", lambda s, d: _person(d, "Erik")),
    ("org", "org_id", lambda s, d: _actors(s, d.plan_id)["Ramsjö Byalag"]),
    ("sector", "sector", lambda s, d: "private"),
    ("aggregate", "aggregate_id", lambda s, d: d.budget_id),
    ("line", "subject_id", lambda s, d: _first_line(s, d.budget_id)["line_id"]),
    ("event_type", "event_type", lambda s, d: "CostShareChanged"),
])
def test_each_filter_narrows_to_exactly_the_matching_changes(
        client: FlaskClient, demo_system: System, demo: DemoPlan, param: str, column: str,
        value: Any) -> None:
    wanted = value(demo_system, demo)
    entries = _all(client, demo.plan_id, f"{param}={wanted}")
    expected = _positions_in_store(demo_system, demo.plan_id, **{column: wanted})
    assert 0 < len(expected) < len(_positions_in_store(demo_system, demo.plan_id))
    assert [e["position"] for e in entries] == expected
    key = {"event_type": "kind"}.get(column, column)
    assert {e[key] for e in entries} == {wanted}


def test_several_kinds_of_change_merge_newest_first_across_pages(
        client: FlaskClient, demo_system: System, demo: DemoPlan) -> None:
    line = _first_line(demo_system, demo.budget_id)["line_id"]
    with acting_as(_person(demo, "Anna")):
        for amount in range(1, 40):
            demo_system.app.change_amount(demo.budget_id, line, Y2, amount * 100_000)
    _caught_up(demo_system)
    entries = _all(client, demo.plan_id, "kind=amounts&kind=shares")
    kinds = {t for k in ("amounts", "shares") for _, t in KINDS[k]}
    expected = _positions_in_store(demo_system, demo.plan_id, event_type=sorted(kinds))
    assert len(expected) > 50
    assert [e["position"] for e in entries] == expected


def test_a_date_range_keeps_the_days_asked_for(client: FlaskClient, demo: DemoPlan) -> None:
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    everything = _all(client, demo.plan_id)
    assert _all(client, demo.plan_id, f"from={today}&to={today}") == everything
    assert _all(client, demo.plan_id, f"from={today + timedelta(days=1)}") == []
    assert _all(client, demo.plan_id, f"to={today - timedelta(days=1)}") == []


def test_a_changed_amount_reads_as_a_sentence_in_kronor(
        client: FlaskClient, demo_system: System, demo: DemoPlan) -> None:
    line = _first_line(demo_system, demo.budget_id)
    with acting_as(_person(demo, "Anna")):
        demo_system.app.change_amount(demo.budget_id, line["line_id"], Y1, 4_800_000)
        demo_system.app.change_amount(demo.budget_id, line["line_id"], Y1, 5_200_000)
    _caught_up(demo_system)
    newest = client.get(f"/api/plans/{demo.plan_id}/audit?kind=amounts").get_json()["entries"][0]
    assert newest["sentence"] == (f"Anna Berg (Ljusdals kommun, public) changed {line['label']} {Y1} "
                                  "from 48,000\u00a0SEK to 52,000\u00a0SEK")
    assert (newest["before"], newest["after"]) == ("48,000\u00a0SEK", "52,000\u00a0SEK")
    swedish = client.get(f"/plans/{demo.plan_id}/audit?kind=amounts&lang=sv").get_data(as_text=True)
    assert re.search(r"48\s000\skr.{1,40}52\s000\skr", swedish)


def test_an_erased_person_shows_as_erased_in_the_page_and_the_exports(
        client: FlaskClient, demo_system: System, demo: DemoPlan) -> None:
    maria = _person(demo, "Maria")
    demo_system.erase_person(maria)
    erased = f"erased person #{maria[:8]}"
    page = client.get(f"/plans/{demo.plan_id}/audit?person={maria}").get_data(as_text=True)
    exported_csv = client.get(f"/plans/{demo.plan_id}/audit.csv?person={maria}").get_data(as_text=True)
    exported_json = client.get(f"/plans/{demo.plan_id}/audit.json?person={maria}").get_data(as_text=True)
    for shown in (page, exported_csv, exported_json):
        assert erased in shown
        assert "Maria" not in shown and "Johansson" not in shown
    assert {r["person"] for r in json.loads(exported_json)} == {erased}


@pytest.mark.parametrize("query", ["", "sector=public", "kind=shares&person={erik}"])
def test_exports_parse_and_match_the_filtered_api_rows(
        client: FlaskClient, demo: DemoPlan, query: str) -> None:
    query = query.format(erik=_person(demo, "Erik"))
    api = _all(client, demo.plan_id, query)
    bodies = {}
    for extension in ("csv", "json"):  # a streamed body is read before the next request
        reply = client.get(f"/plans/{demo.plan_id}/audit.{extension}?{query}&heads=names")
        assert reply.status_code == 200
        assert reply.is_streamed
        assert reply.headers["Content-Disposition"].startswith("attachment;")
        assert reply.headers["Content-Disposition"].endswith(f'.{extension}"')
        bodies[extension] = reply.get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(bodies["csv"])))
    records = json.loads(bodies["json"])
    for exported in (rows, records):
        assert [int(r["position"]) for r in exported] == [e["position"] for e in api]
        assert [r["sentence"] for r in exported] == [e["sentence"] for e in api]
        assert [(r["person"], r["organisation"], r["kind"], r["before"], r["after"]) for r in exported] == [
            (e["person"], e["organisation"], e["kind"], e["before"], e["after"]) for e in api]


def test_the_page_lists_changes_with_an_older_link_and_exports_carrying_the_filters(
        client: FlaskClient, demo: DemoPlan) -> None:
    page = client.get(f"/plans/{demo.plan_id}/audit?sector=public").get_data(as_text=True)
    assert page.count('class="audit-sentence"') == 50
    assert re.search(r'href="[^"]*/audit\?sector=public&amp;before=\d+"', page)
    assert f"/plans/{demo.plan_id}/audit.csv?sector=public" in page
    assert f"/plans/{demo.plan_id}/audit.json?sector=public" in page
    for label in ("audit-person", "audit-org", "audit-sector", "audit-kind", "audit-aggregate",
                  "audit-line", "audit-from", "audit-to"):
        assert f'<label for="{label}">' in page and f'id="{label}"' in page
    plan_page = client.get(f"/plans/{demo.plan_id}").get_data(as_text=True)
    assert f"/plans/{demo.plan_id}/audit" in plan_page


def test_the_page_shows_the_latest_verification(client: FlaskClient, demo_system: System,
                                                demo: DemoPlan) -> None:
    from projections.chain import audit_verification, audit_watch, record_verification

    demo_system.follower.watch.stop()  # what was verified is this test's to say
    with demo_system.engine.begin() as conn:
        conn.execute(audit_verification.delete())
        conn.execute(audit_watch.delete())
    page = client.get(f"/plans/{demo.plan_id}/audit").get_data(as_text=True)
    assert "not been verified yet" in page
    with demo_system.engine.begin() as conn:
        record_verification(conn, True, 123, None)
    assert "Verified up to #123 at" in client.get(f"/plans/{demo.plan_id}/audit").get_data(as_text=True)


def test_a_failed_verification_is_shown_as_an_alert_that_says_what_broke(
        client: FlaskClient, demo_system: System, demo: DemoPlan) -> None:
    from projections.chain import record_verification

    demo_system.follower.watch.stop()
    with demo_system.engine.begin() as conn:
        record_verification(conn, False, 20, "#20: changed (the stored event's sha256 is …)")
    page = client.get(f"/plans/{demo.plan_id}/audit").get_data(as_text=True)
    banner = page[page.index('data-part="verification"'):page.index("</section>")]
    assert 'data-state="failed"' in banner and 'role="alert"' in banner
    assert "failed at #20" in banner
    assert "A stored event differs from what was chained at its position." in banner


@pytest.mark.parametrize("query", ["person=not-an-id", "kind=everything", "from=2027-13-01",
                                   "before=-1", "before=abc", "sector=martian",
                                   "from=2027-05-01&to=2027-04-01", "event_type=Drop;Table"])
@pytest.mark.parametrize("path", ["/api/plans/{plan}/audit", "/plans/{plan}/audit",
                                  "/plans/{plan}/audit.csv", "/plans/{plan}/audit.json"])
def test_bad_parameters_are_refused_with_400(client: FlaskClient, demo: DemoPlan, query: str,
                                             path: str) -> None:
    reply = client.get(path.format(plan=demo.plan_id) + "?" + query)
    assert reply.status_code == 400
    if path.startswith("/api/"):
        assert reply.get_json()["fields"]
    else:
        assert "invalid" in reply.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/plans/{plan}/audit", "/plans/{plan}/audit",
                                  "/plans/{plan}/audit.csv", "/plans/{plan}/audit.json"])
def test_people_outside_the_plan_are_refused(app: Flask, demo_system: System, demo: DemoPlan,
                                             path: str) -> None:
    demo_system.accounts.register("Olle Utomstående", "olle@example.org", "olle-password-1")
    outsider = app.test_client()
    assert sign_in(outsider, "olle@example.org", "olle-password-1").status_code == 302
    reply = outsider.get(path.format(plan=demo.plan_id))
    assert reply.status_code == 403
    assert "Anna" not in reply.get_data(as_text=True)


def test_every_kind_of_event_has_its_own_sentence_and_every_kind_a_label() -> None:
    events = [c for agg in (Plan, Budget, SharedService, Commitment)
              for c in (getattr(agg, name) for name in dir(agg))
              if isinstance(c, type) and c.__qualname__.startswith(agg.__name__ + ".")
              and dataclasses.is_dataclass(c) and c.__name__ != "Event"]
    shapes = {_shape(c)[:2] for c in events}
    assert ("budget", "LineItemAmountChanged") in shapes
    assert shapes - set(PHRASES) == set()
    assert set(KIND_LABELS) == set(KINDS)


def test_governance_changes_read_as_sentences(client: FlaskClient, demo_system: System,
                                              demo: DemoPlan) -> None:
    app, anna = demo_system.app, _person(demo, "Anna")
    line = _first_line(demo_system, demo.budget_id)
    actors = _actors(demo_system, demo.plan_id)
    with acting_as(anna):
        app.set_line_kind(demo.budget_id, line["line_id"], "income")
        app.add_budget_year(demo.budget_id, Y3 + 1)
        app.remove_budget_year(demo.budget_id, Y3 + 1)
        app.undo_last_change(demo.budget_id)  # the year goes on no undo: the kind goes back
        app.redo_last_undo(demo.budget_id)
        app.propose_budget(demo.budget_id)
        app.record_decision(demo.plan_id, datetime.now().date(), "Budgeten antas", "Antas.",
                            [anna], demo.budget_id)
        revision = app.start_revision(demo.budget_id).aggregate_id
        app.propose_budget(revision)
        app.record_decision(demo.plan_id, datetime.now().date(), "Revision 2 antas", "Antas.",
                            [anna], revision)
        club = app.add_actor(demo.plan_id, "Skoterklubben", "voluntary").entity_id
        app.remove_actor(demo.plan_id, club)
        lars = _person(demo, "Lars")
        app.change_member(demo.plan_id, lars, "observer")
        app.remove_actor(demo.plan_id, actors["Ramsjö Bensin & Service"])
        app.archive_plan(demo.plan_id)
    _caught_up(demo_system)
    entries = client.get(f"/api/plans/{demo.plan_id}/audit?limit=200").get_json()["entries"]
    said = [e["sentence"] for e in entries]
    who, label = "Anna Berg (Ljusdals kommun, public)", line["label"]
    expected = [
        f"{who} archived the plan",
        f"{who} marked Ramsjö Bensin & Service as having left the plan",
        f"{who} removed the organisation Skoterklubben",
        f"{who}: Budget {SPAN} revision 1 was superseded by revision 2 (decision “Revision 2 "
        f"antas”, {datetime.now().date().isoformat()})",
        f"{who} adopted Budget {SPAN} revision 1 by the decision “Budgeten antas” "
        f"({datetime.now().date().isoformat()})",
        f"{who} changed {label} from cost to income (redoing an undone change)",
        f"{who} changed {label} from income to cost (undoing an earlier change)",
        f"{who} removed the year {Y3 + 1} from Budget {SPAN}",
        f"{who} added the year {Y3 + 1} to Budget {SPAN}",
        f"{who} changed {label} from cost to income",
    ]
    for sentence in expected:
        assert sentence in said, (sentence, said[:20])
    kinds = client.get(f"/api/plans/{demo.plan_id}/audit?kind=budget_years").get_json()
    assert [e["kind"] for e in kinds["entries"]] == ["YearRemoved", "YearAdded"]
    left = client.get(f"/api/plans/{demo.plan_id}/audit?kind=organisations").get_json()
    assert {"ActorRemoved", "ActorLeft"} <= {e["kind"] for e in left["entries"]}
