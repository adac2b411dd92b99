"""README's "Your first real plan", step by step over HTTP on an empty installation: every link
and button the README names is found on the page it says, by its words, and followed."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient

from adapters.bootstrap import System, bootstrap
from domain.budgets import Budget
from tests.e2e.pdf_reading import pdf_lines
from tests.stores import store_settings
from web.app import create_app
from web.extensions import socketio

README = Path(__file__).resolve().parents[2] / "README.md"
YEAR = date.today().year


@pytest.fixture
def empty_system(tmp_path: Path) -> Iterator[System]:
    system = bootstrap(store_settings(tmp_path / "var"))
    system.start()
    try:
        yield system
    finally:
        system.close()


@pytest.fixture
def empty(empty_system: System) -> Flask:
    return create_app({"SYSTEM": empty_system, "TESTING": True, "SECRET_KEY": "test"})


class Page(HTMLParser):
    """A page's links (words → href) and forms (action, hidden and named fields, buttons)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.forms: list[dict[str, Any]] = []
        self._link: tuple[str, list[str]] | None = None
        self._button: tuple[dict[str, str], list[str]] | None = None
        self.text = html.unescape(text)
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self._link = (a["href"], [])
        elif tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}, "buttons": []})
        elif tag == "input" and self.forms and a.get("type") == "hidden":
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms:
            self._button = (a, [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link:
            self.links.append((" ".join("".join(self._link[1]).split()), self._link[0]))
            self._link = None
        elif tag == "button" and self._button:
            attrs, words = self._button
            self.forms[-1]["buttons"].append((" ".join("".join(words).split()), attrs))
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._link:
            self._link[1].append(data)
        if self._button:
            self._button[1].append(data)

    def link(self, words: str) -> str:
        found = [href for text, href in self.links if text == words]
        assert found, f"no link “{words}” on the page: {[t for t, _ in self.links]}"
        return found[0]

    def form(self, button: str) -> tuple[str, dict[str, str]]:
        """The form whose button says `button`: its action and what it sends with that button."""
        for form in self.forms:
            for words, attrs in form["buttons"]:
                if words == button:
                    sent = dict(form["fields"])
                    if attrs.get("name"):
                        sent[attrs["name"]] = attrs.get("value", "")
                    return form["action"], sent
        raise AssertionError(f"no button “{button}” on the page")


class Browser:
    """A person with their own cookies, reading pages and pressing buttons."""

    def __init__(self, app: Flask) -> None:
        self.app, self.client = app, app.test_client()

    def open(self, path: str) -> Page:
        reply = self.client.get(path)
        if reply.status_code in (302, 303):
            return self.open(reply.headers["Location"])
        assert reply.status_code == 200, (path, reply.status_code)
        return Page(reply.get_data(as_text=True))

    def press(self, page: Page, button: str, **typed: Any) -> Page:
        """Fill in the fields and press the button: the answer (after its redirect)."""
        action, sent = page.form(button)
        reply = self.client.post(action, data={**sent, **typed})
        if reply.status_code in (302, 303):
            return self.open(reply.headers["Location"])
        assert reply.status_code in (200, 201), (action, reply.status_code)
        return Page(reply.get_data(as_text=True))

    def grid(self, plan_id: str, budget_id: str) -> SocketIOTestClient:
        """The budget page's live grid: the socket it sends its edits over."""
        socket = socketio.test_client(self.app, namespace="/live", flask_test_client=self.client)
        assert socket.emit("join", {"plan_id": plan_id, "budget_id": budget_id},
                           namespace="/live", callback=True)["ok"]
        return socket


def _edit(socket: SocketIOTestClient, type_: str, **fields: Any) -> dict[str, Any]:
    reply = socket.emit("command", {"command_id": str(uuid.uuid4()), "type": type_, **fields},
                        namespace="/live", callback=True)
    assert reply["ok"], reply
    return reply


def test_the_readme_walks_a_newcomer_from_an_empty_installation_to_a_printed_decision(
        empty: Flask, empty_system: System) -> None:
    readme = README.read_text()
    section = readme[readme.index("## Your first real plan"):]
    section = section[:section.index("\n## ", 3)]
    for words in (" ".join(w.split()) for w in re.findall(r"\*\*“([^”]+)”\*\*", section)):
        assert words in WORDS_SEEN_ON_PAGES, f"the README names “{words}”; the walk does not press it"

    # 1. The setup page asks for the first account.
    kari = Browser(empty)
    setup = kari.open("/?lang=en")
    plans = kari.press(setup, "Create the account", name="Kari Nordmann",
                       email="kari@kommun.example.se", password="kari-password-1",
                       repeat_password="kari-password-1")
    # 2. A new plan.
    form = kari.open(plans.link("New plan"))
    plan = kari.press(form, "Start the plan", name="Servicepunkt Tallåsen", place="Tallåsen",
                      start_year=str(YEAR), end_year=str(YEAR + 2),
                      description="Paketutlämning, apoteksombud och en publik dator i lanthandeln.")
    assert "The plan is started. You are its facilitator." in plan.text
    plan_path = _plan_path(plan)
    # 3. Organisations.
    orgs = kari.open(plan.link("Add, rename or remove organisations"))
    for name, sector in (("Tallåsens kommun", "public"), ("Tallåsens Lanthandel", "private"),
                         ("Tallåsens byalag", "voluntary")):
        orgs = kari.press(orgs, "Add the organisation", name=name, sector=sector)
        assert "The organisation is added to the plan." in orgs.text
    plan = kari.open(plan_path)
    ids = dict(re.findall(r'data-actor="([0-9a-f-]{36})"><th scope="row">([^<]+)', plan.text))
    actors = {name: actor_id for actor_id, name in ids.items()}
    # 4. Invite the shop's representative, who opens the link and joins.
    members = kari.open(plan.link("Manage members and invite people"))
    invited = kari.press(members, "Create an invitation link", email="lisa@lanthandel.example.se",
                         role="representative", org_id=actors["Tallåsens Lanthandel"])
    link = re.search(r'id="invitation-link" value="([^"]+)"', invited.text).group(1)
    lisa = Browser(empty)
    joined = lisa.press(lisa.open(link.replace("http://localhost", "") + "?lang=en"),
                        "Set the password and join", name="Lisa Ek", password="lisa-password-1",
                        repeat_password="lisa-password-1")
    assert "Lisa Ek – representative, Tallåsens Lanthandel" in joined.text
    # 5. A budget.
    budget = kari.press(kari.open(plan.link("New budget")), "Create the budget",
                        title=f"Budget {YEAR}–{YEAR + 2}", start_year=str(YEAR),
                        end_year=str(YEAR + 2))
    assert "The budget is created as a draft." in budget.text
    budget_id = re.search(r'data-budget-id="([0-9a-f-]{36})"', budget.text).group(1)
    plan_id = plan_path.rsplit("/", 1)[1]
    # 6. Lines, amounts and shares in the grid (each representative sets their own share).
    grid = kari.grid(plan_id, budget_id)
    rent = _edit(grid, "add_line", budget_id=budget_id, label="Lokalhyra", category="Lokal",
                 amounts={str(y): 2_400_000 for y in range(YEAR, YEAR + 3)})["line_id"]
    fees = _edit(grid, "add_line", budget_id=budget_id, label="Paketavgifter", kind="income",
                 amounts={str(YEAR): 600_000})["line_id"]
    _edit(grid, "set_share", budget_id=budget_id, line_id=rent,
          actor_id=actors["Tallåsens kommun"], share=6_000)
    _edit(grid, "set_share", budget_id=budget_id, line_id=fees,
          actor_id=actors["Tallåsens kommun"], share=10_000)
    _edit(lisa.grid(plan_id, budget_id), "set_share", budget_id=budget_id, line_id=rent,
          actor_id=actors["Tallåsens Lanthandel"], share=4_000)
    empty_system.projections.wait(empty_system.app.recorder.max_notification_id(), timeout=5)
    # 7. Propose: a confirmation page says what will happen.
    budget = kari.open(f"/budgets/{budget_id}")
    confirm = kari.open(budget.link("Propose for decision …"))
    assert "The budget can then no longer be edited" in confirm.text
    budget = kari.press(confirm, "Propose for decision")
    assert empty_system.app.load(Budget, budget_id).status == "proposed"
    # 8. Adopt: the decision form with the budget chosen, then its confirmation.
    form = kari.open(budget.link("Adopt the budget …"))
    assert re.search(rf'<option value="{budget_id}" selected>', form.text)
    people = dict(re.findall(r'name="attendees" value="([0-9a-f-]{36})"[^>]*> ([^(]+) \(', form.text))
    asked = kari.press(form, "Record the decision", decided_on=date.today().isoformat(),
                       title="Budgeten för servicepunkten antas",
                       text="Kommunstyrelsen antar budgeten för servicepunkten i Tallåsen.",
                       attendees=list(people), budget_id=budget_id)
    assert "Record the decision and adopt the budget?" in asked.text
    decision = kari.press(asked, "Record the decision and adopt the budget")
    assert "The decision is recorded and the budget adopted." in decision.text
    assert empty_system.app.load(Budget, budget_id).status == "adopted"
    # 9. Print it: the PDF carries the figures; the plan says which budget is in force.
    pdf = kari.client.get(decision.link("Download as PDF") + "?lang=en")
    lines = pdf_lines(pdf.get_data())
    assert "Tallåsens kommun public 8,400 14,400 14,400 37,200" in lines
    assert "Tallåsens Lanthandel private 9,600 9,600 9,600 28,800" in lines
    assert f"In force: Budget {YEAR}–{YEAR + 2}, revision 1" in kari.open(plan_path).text


WORDS_SEEN_ON_PAGES = {
    "Create the account", "New plan", "Start the plan", "Add, rename or remove organisations",
    "Add the organisation", "Manage members and invite people", "Create an invitation link",
    "Set the password and join", "New budget", "Create the budget", "Propose for decision …",
    "Propose for decision", "Adopt the budget …", "Record the decision",
    "Record the decision and adopt the budget", "Download as PDF"}


def _plan_path(page: Page) -> str:
    found = re.search(r'href="(/plans/[0-9a-f-]{36})/decisions"', page.text)
    assert found
    return found.group(1)
