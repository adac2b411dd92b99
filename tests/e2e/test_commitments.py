"""The commitments ledger over HTTP: every member reads it; a representative pledges, confirms,
records deliveries and withdraws for their own organisation; a facilitator verifies; anyone
else is refused with a page that says why, and a refused or spoilt form stores nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.commitments import Commitment
from domain.plans import Plan
from projections import queries
from tests.e2e.demo_years import Y1
from tests.e2e.form_helpers import events_stored, post, signed_in_as, text_of


def _ledger(plan_id: str, rest: str = "") -> str:
    return f"/plans/{plan_id}/commitments{rest}"


def _actor(system: System, plan_id: str, name: str) -> str:
    actors = system.app.load(Plan, plan_id).actors
    return next(a for a, v in actors.items() if v["name"] == name)


def _service(system: System, demo: DemoPlan, name: str = "Servicepunkt Ramsjö Lanthandel") -> str:
    with system.engine.connect() as conn:
        return next(s["service_id"] for s in queries.services_catalogue(conn, demo.plan_id)
                    if s["name"] == name)


def _cards(page: str) -> dict[str, str]:
    """Each commitment's card on the page, by its id."""
    return dict(re.findall(r'data-commitment="([0-9a-f-]{36})" data-status="(\w+)"', page))


def _balance_row(page: str, actor_id: str, year: int) -> list[str]:
    body = page.split(f'<tbody data-actor="{actor_id}">', 1)[1].split("</tbody>", 1)[0]
    row = body.split(f'<th scope="row">{year}</th>', 1)[1].split("</tr>", 1)[0]
    return [c.replace("\u00a0", " ") for c in re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)]


def test_every_member_reads_the_ledger_and_an_observer_gets_no_forms(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    gunnar = signed_in_as(app, "Gunnar Persson")
    reply = gunnar.get(_ledger(demo.plan_id))
    page = text_of(reply)
    assert reply.status_code == 200
    cards = _cards(page)
    assert len(cards) == 12  # the demo's commitments, in every state
    assert set(cards.values()) == {"pledged", "confirmed", "delivered", "verified", "withdrawn"}
    assert "Regionens del av skyltningen" in page and "overdue" in page
    assert "Pledge for" not in page and "Record a delivery" not in page
    assert "Confirm</button>" not in page and "Verify</summary>" not in page


def test_the_overdue_mark_goes_to_open_commitments_past_their_due_date_only(
        app: Flask, demo: DemoPlan) -> None:
    page = text_of(signed_in_as(app, "Gunnar Persson").get(_ledger(demo.plan_id)))
    for card in page.split('<li class="commitment ')[1:]:
        overdue = card.startswith(("status-pledged overdue", "status-confirmed overdue"))
        due = date.fromisoformat(re.search(r"<dt>Due</dt><dd>([\d-]+)</dd>", card).group(1))
        status = re.search(r'data-status="(\w+)"', card).group(1)
        assert overdue == (status in ("pledged", "confirmed") and due < date.today()), card[:300]
        assert ("overdue-mark" in card) == overdue


def test_a_representative_pledges_confirms_and_delivers_and_the_facilitator_verifies(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    maria, anna = signed_in_as(app, "Maria Johansson"), signed_in_as(app, "Anna Berg")
    handel = _actor(demo_system, demo.plan_id, "Ramsjö Lanthandel AB")
    punkt = _service(demo_system, demo)
    before = _cards(text_of(maria.get(_ledger(demo.plan_id))))
    reply = post(maria, _ledger(demo.plan_id), actor_id=handel, kind="money",
                  quantity="12 500,50", due=f"{Y1}-10-01", toward=f"service:{punkt}",
                  description="Kassasystem till servicepunkten")
    assert reply.status_code == 302
    page = text_of(maria.get(reply.headers["Location"]))
    assert "The pledge is recorded." in page
    (new,) = set(_cards(page)) - set(before)
    pledged = demo_system.app.load(Commitment, new)
    assert (pledged.actor_id, pledged.kind, pledged.quantity, pledged.status) == (
        handel, "money", 1_250_050, "pledged")
    assert post(maria, _ledger(demo.plan_id, f"/{new}/confirm")).status_code == 302
    first = post(maria, _ledger(demo.plan_id, f"/{new}/deliveries"), quantity="10 000",
                  on=date.today().isoformat(), note="Första delen")
    assert first.status_code == 302
    page = text_of(maria.get(_ledger(demo.plan_id)))
    assert "2,500.50 SEK still to deliver" in page.replace("\u00a0", " ")
    assert post(maria, _ledger(demo.plan_id, f"/{new}/deliveries"), quantity="2 500,50",
                 on=date.today().isoformat()).status_code == 302
    assert demo_system.app.load(Commitment, new).status == "delivered"
    verified = post(anna, _ledger(demo.plan_id, f"/{new}/verify"), note="Mot kvitto")
    assert verified.status_code == 302
    assert "The commitment is verified." in text_of(anna.get(verified.headers["Location"]))
    assert demo_system.app.load(Commitment, new).status == "verified"
    trail = anna.get(f"/api/plans/{demo.plan_id}/audit").get_json()["entries"]
    sentences = [e["sentence"] for e in trail if new in (e["aggregate"], e.get("aggregate_id"))]
    named = "the commitment “Kassasystem till servicepunkten”"
    assert any(s.startswith("Anna Berg") and s.endswith("verified " + named) for s in sentences)
    assert any(s.startswith("Maria Johansson") and s.endswith("confirmed " + named)
               for s in sentences), sentences
    assert sum("recorded a delivery on " + named in s for s in sentences) == 2, sentences


def test_the_wrong_people_are_refused_and_nothing_is_stored(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    maria, erik = signed_in_as(app, "Maria Johansson"), signed_in_as(app, "Erik Lindqvist")
    gunnar = signed_in_as(app, "Gunnar Persson")
    region = _actor(demo_system, demo.plan_id, "Region Gävleborg")
    page = text_of(erik.get(_ledger(demo.plan_id, f"?organisation={region}")))
    by_status = {status: cid for cid, status in _cards(page).items()}
    before = events_stored(demo_system)
    confirm_other = post(maria, _ledger(demo.plan_id, f"/{by_status['pledged']}/confirm"))
    assert confirm_other.status_code == 403
    assert "own organisation" in text_of(confirm_other)
    deliver_other = post(maria, _ledger(demo.plan_id, f"/{by_status['confirmed']}/deliveries"),
                          quantity="1", on=date.today().isoformat())
    assert deliver_other.status_code == 403
    verify_as_representative = post(erik, _ledger(demo.plan_id, f"/{by_status['delivered']}/verify")
                                     if "delivered" in by_status else
                                     _ledger(demo.plan_id, f"/{by_status['confirmed']}/verify"))
    assert verify_as_representative.status_code == 403
    pledge_as_observer = post(gunnar, _ledger(demo.plan_id), actor_id=region, kind="money",
                               quantity="100", due=f"{Y1}-10-01",
                               toward=f"service:{_service(demo_system, demo)}")
    assert pledge_as_observer.status_code == 403
    pledge_for_other = post(maria, _ledger(demo.plan_id), actor_id=region, kind="money",
                             quantity="100", due=f"{Y1}-10-01",
                             toward=f"service:{_service(demo_system, demo)}")
    assert pledge_for_other.status_code == 403
    assert events_stored(demo_system) == before


def test_spoilt_forms_are_refused_next_to_their_field_and_store_nothing(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    maria = signed_in_as(app, "Maria Johansson")
    handel = _actor(demo_system, demo.plan_id, "Ramsjö Lanthandel AB")
    punkt = _service(demo_system, demo)
    page = text_of(maria.get(_ledger(demo.plan_id, f"?organisation={handel}&status=confirmed")))
    confirmed = next(iter(_cards(page)))
    before = events_stored(demo_system)
    bad_amount = post(maria, _ledger(demo.plan_id), actor_id=handel, kind="money",
                       quantity="12,345,6", due=f"{Y1}-10-01", toward=f"service:{punkt}")
    text = text_of(bad_amount)
    assert bad_amount.status_code == 400
    assert 'id="pledge-quantity-error"' in text and "Write an amount in kronor" in text
    assert 'value="12,345,6"' in text  # what was written stays
    no_target = post(maria, _ledger(demo.plan_id), actor_id=handel, kind="staff_hours",
                      quantity="12.5", due="someday", toward="elsewhere")
    text = text_of(no_target)
    assert no_target.status_code == 400
    for field in ("quantity", "due", "toward"):
        assert f'id="pledge-{field}-error"' in text, field
    future = post(maria, _ledger(demo.plan_id, f"/{confirmed}/deliveries"), quantity="1",
                   on=(date.today() + timedelta(days=3)).isoformat())
    assert future.status_code == 400 and "cannot be dated in the future" in text_of(future)
    too_much = post(maria, _ledger(demo.plan_id, f"/{confirmed}/deliveries"),
                     quantity="100000", on=date.today().isoformat())
    assert too_much.status_code == 422 and "mark it as an over-delivery" in text_of(too_much)
    no_reason = post(maria, _ledger(demo.plan_id, f"/{confirmed}/withdraw"), reason="")
    assert no_reason.status_code == 400 and 'id="c-' in text_of(no_reason)
    assert maria.get(_ledger(demo.plan_id, "?status=lost")).status_code == 400
    assert maria.get(_ledger(demo.plan_id, "?organisation=nobody")).status_code == 404
    unsigned = maria.post(_ledger(demo.plan_id, f"/{confirmed}/withdraw"), data={"reason": "x"})
    assert unsigned.status_code == 400  # no CSRF token
    assert events_stored(demo_system) == before


def test_a_commitment_is_only_reached_through_its_own_plan(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    anna = signed_in_as(app, "Anna Berg")
    other = post(anna, "/plans", name="Annan plan", place="Annanstans", start_year=str(Y1),
                  end_year=str(Y1 + 1))
    other_id = other.headers["Location"].rsplit("/", 1)[-1]
    page = text_of(anna.get(_ledger(demo.plan_id, "?status=pledged")))
    pledged = next(iter(_cards(page)))
    before = events_stored(demo_system)
    assert post(anna, _ledger(other_id, f"/{pledged}/confirm")).status_code == 404
    assert events_stored(demo_system) == before


def test_the_balance_sets_each_organisations_share_beside_its_commitments(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    region = _actor(demo_system, demo.plan_id, "Region Gävleborg")
    page = text_of(signed_in_as(app, "Erik Lindqvist").get(_ledger(demo.plan_id)))
    asked, pledged, confirmed, delivered, verified, unconfirmed = _balance_row(page, region, Y1)
    # The region's confirmed commitments due in the first year: 15 000 kr for the service
    # point (delivered and verified) and 12 500 kr for the signage (confirmed only).
    assert (confirmed, delivered, verified) == ("27,500 SEK", "15,000 SEK", "15,000 SEK")
    with demo_system.engine.connect() as conn:  # asked: the region's net share on the sheet
        share = queries.budget_sheet(conn, demo.budget_id).by_actor[region]["years"][Y1]["net"]
    assert share > 0 and asked == f"{share // 100:,} SEK"
    assert unconfirmed == f"{max(share - 2_750_000, 0) // 100:,} SEK"
    assert pledged == "0 SEK"  # its open pledge (the defibrillator) is due after the first year
