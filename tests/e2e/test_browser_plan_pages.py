"""The pages that start and run a plan, the confirmations and the decision document in a real
browser: axe finds nothing in sv, nb and en, at 1366 px and on a 390 px phone nothing runs off
the side, each flow works by keyboard alone, and the decision document prints."""

from __future__ import annotations

import io
import re
import urllib.parse
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    LAPTOP,
    PHONE,
    Person,
    RunningServer,
    Server,
    browser_fixture,
    needs_browser,
    overflow,
    server_fixture,
    shared_server_fixture,
    violations,
)
from tests.e2e.demo_years import Y1, Y3
from tests.e2e.pdf_reading import plain

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(180)]
LANGUAGES = ("sv", "nb", "en")


def _checked(page: Any, url: str, what: str) -> None:
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(url)
        assert violations(page) == "", (what, size, page.url)
        assert overflow(page) <= 0, (what, size)


def _path(page: Any) -> str:
    return urllib.parse.urlparse(page.url).path


def _ids(server: Server) -> dict[str, str]:
    plan = server.get(f"/plans/{server.plan_id}")
    region = re.search(r'data-actor="([0-9a-f-]{36})"><th scope="row">Region', plan).group(1)
    return {"plan": server.plan_id, "budget": server.budget_id, "region": region}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_new_pages_have_no_violations_and_fit_a_phone(browser: Any, shared_server: Server,
                                                          lang: str) -> None:
    anna = Person(browser, shared_server, "Anna Berg").sign_in(next_path="/")
    try:
        ids = _ids(shared_server)
        pages = {"plans": "/", "new plan": "/plans/new", "plan": "/plans/{plan}",
                 "details": "/plans/{plan}/details", "archive": "/plans/{plan}/archive",
                 "organisations": "/plans/{plan}/organisations",
                 "remove organisation": "/plans/{plan}/organisations/{region}/remove",
                 "new budget": "/plans/{plan}/budgets/new", "propose": "/budgets/{budget}/propose",
                 "decision form": "/plans/{plan}/decisions/new?budget={budget}"}
        for what, path in pages.items():
            url = shared_server.url + path.format(**ids)
            _checked(anna.page, url + ("&" if "?" in url else "?") + f"lang={lang}", what)
        # A refused form: the errors next to their fields, and the summary, are clean too.
        anna.page.goto(f"{shared_server.url}/plans/new?lang={lang}")
        anna.page.locator("form.page-form [type='submit']").click()
        anna.page.wait_for_selector("#plan-errors")
        assert anna.page.locator("#plan-name").get_attribute("aria-invalid") == "true"
        assert violations(anna.page) == "", "new plan with errors"
        assert overflow(anna.page) <= 0
    finally:
        anna.close()


def _tab_to(page: Any, selector: str, most: int = 60) -> None:
    """Press Tab until the element is focused, as a keyboard user does."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_plan_is_started_and_given_an_organisation_by_keyboard_alone_on_a_phone(
        browser: Any, shared_server: Server) -> None:
    anna = Person(browser, shared_server, "Anna Berg").sign_in(next_path="/")
    page = anna.page
    try:
        page.set_viewport_size(PHONE)
        page.goto(f"{shared_server.url}/?lang=en")
        _tab_to(page, "a[href='/plans/new']")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: _path_of(url) == "/plans/new")
        _tab_to(page, "#plan-name")
        for text in ("Servicepunkt Tallåsen", "Tallåsen", str(Y1), str(Y3), "Byns servicepunkt."):
            page.keyboard.type(text)
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # the focus is on "Start the plan"
        page.wait_for_url(lambda url: re.fullmatch(r"/plans/[0-9a-f-]{36}", _path_of(url)) is not None)
        expect(page.locator(".notice[role=status]:not([hidden])").first).to_contain_text(
            "You are its facilitator")
        _tab_to(page, "a[href$='/organisations']")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: _path_of(url).endswith("/organisations"))
        _tab_to(page, "#new-org-name")
        page.keyboard.type("Tallåsens byalag")
        page.keyboard.press("Tab")
        page.keyboard.type("v")  # a closed select takes the first letters of its choice
        assert page.locator("#new-org-sector").input_value() == "voluntary"
        _tab_to(page, ".add-organisation [type='submit']")
        page.keyboard.press("Enter")
        page.wait_for_selector("li.organisation h2:has-text('Tallåsens byalag')")
        assert violations(page) == "" and overflow(page) <= 0
    finally:
        anna.close()


def _path_of(url: str) -> str:
    return urllib.parse.urlparse(url).path


def test_a_budget_is_proposed_and_adopted_by_a_decision_each_after_a_confirmation(
        browser: Any, server: RunningServer) -> None:
    anna = Person(browser, server, "Anna Berg").sign_in(next_path=server.budget_path("en"))
    page = anna.page
    try:
        page.get_by_role("link", name="Propose for decision …").click()
        page.wait_for_url(lambda url: _path_of(url).endswith("/propose"))
        assert "can then no longer be edited" in page.locator("#confirm-consequences").inner_text()
        assert violations(page) == ""
        page.get_by_role("button", name="Propose for decision").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: _path_of(url) == f"/budgets/{server.budget_id}")
        page.get_by_role("link", name="Adopt the budget …").click()
        page.wait_for_selector("#decision-adopts")
        assert violations(page) == ""
        page.get_by_label("Title").fill("Budgeten för servicepunkten antas")
        page.get_by_label("What was decided").fill("Mötet antar budgeten för Ramsjö.")
        page.get_by_role("checkbox", name=re.compile("Anna Berg")).check()
        page.get_by_role("checkbox", name=re.compile("Erik Lindqvist")).check()
        page.get_by_role("button", name="Record the decision").click()
        page.wait_for_selector("#confirm-consequences")
        assert "can then no longer be edited" in page.locator("#confirm-consequences").inner_text()
        for size in (LAPTOP, PHONE):
            page.set_viewport_size(size)
            assert violations(page) == "" and overflow(page) <= 0, size
        page.set_viewport_size(LAPTOP)
        page.get_by_role("button", name="Record the decision and adopt the budget").click()
        page.wait_for_url(lambda url: _path_of(url).startswith("/decisions/"))
        expect(page.locator(".notice[role=status]:not([hidden])").first).to_contain_text("adopted")
        _the_decision_document_reads_and_prints(page)
    finally:
        anna.close()


def _the_decision_document_reads_and_prints(page: Any) -> None:
    sheet_rows = page.locator(".decision-budget table tr").count()
    assert sheet_rows > 20  # the lines, the organisations, the sectors, the totals
    url = page.url
    for lang in LANGUAGES:
        page.goto(f"{url}?lang={lang}")
        for size in (LAPTOP, PHONE):
            page.set_viewport_size(size)
            assert violations(page) == "", (lang, size)
            assert overflow(page) <= 0, (lang, size)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{url}?lang=en")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator(".no-print").is_hidden()
    assert violations(page) == "", "print"
    printed = page.pdf(format="A4", print_background=False)
    from pypdf import PdfReader

    text = plain(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(printed)).pages))
    assert "Budgeten för servicepunkten antas" in text and "Funding gap" in text
    gap = page.locator("tfoot tr:has(th:text-is('Funding gap')) td").last.inner_text()
    assert plain(gap) in text
    page.emulate_media(media="screen")


def test_archiving_asks_first_then_shows_a_banner_and_no_edit_controls(
        browser: Any, server: RunningServer) -> None:
    anna = Person(browser, server, "Anna Berg").sign_in(next_path=f"/plans/{server.plan_id}?lang=en")
    page = anna.page
    try:
        page.get_by_role("link", name="Archive the plan …").click()
        assert "cannot be undone" in page.locator("#archive-consequences").inner_text()
        page.get_by_label("Reason (optional)").fill("Planperioden är slut.")
        page.get_by_role("button", name="Archive the plan").click()
        page.wait_for_url(lambda url: _path_of(url) == f"/plans/{server.plan_id}")
        for path in (f"/plans/{server.plan_id}", f"/budgets/{server.budget_id}",
                     f"/plans/{server.plan_id}/members", f"/plans/{server.plan_id}/organisations"):
            for lang in LANGUAGES:
                page.goto(f"{server.url}{path}?lang={lang}")
                assert page.locator(".archived-banner").is_visible(), path
                assert page.locator("main form:visible").count() == 0, path
                assert violations(page) == "", (path, lang)
        page.goto(f"{server.url}/budgets/{server.budget_id}?lang=en")
        assert page.locator("[data-budget-app]").get_attribute("data-can-edit") == "false"
        assert page.get_by_role("link", name="Propose for decision …").count() == 0
    finally:
        anna.close()
