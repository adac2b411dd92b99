"""The dashboard in a real browser: Chart.js draws every chart under the site's CSP with no
console error, axe finds nothing in sv, nb and en, nothing runs off the side on a laptop or a
phone, and a pledge made by another participant reaches the open dashboard without a reload."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.auth_helpers import DEMO_EMAILS
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
from tests.e2e.demo_years import Y1

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.mark.parametrize("lang", ["sv", "nb", "en"])
def test_the_charts_are_drawn_and_the_page_has_no_violations_and_fits_a_phone(
        browser: Any, shared_server: Server, lang: str) -> None:
    gunnar = Person(browser, shared_server, "Gunnar Persson").sign_in(
        next_path=f"/plans/{shared_server.plan_id}/dashboard?lang={lang}")
    try:
        page = gunnar.page
        canvases = page.locator("canvas").count()
        assert canvases == 6
        page.wait_for_function(f"document.body.dataset.chartsDrawn === '{canvases}'")
        for size in (LAPTOP, PHONE):
            page.set_viewport_size(size)
            assert violations(page) == "", size
            assert overflow(page) <= 0, size
        assert not gunnar.errors  # no CSP refusal, no script error
    finally:
        gunnar.close()


def test_a_pledge_made_elsewhere_reaches_the_open_dashboard_without_a_reload(
        browser: Any, server: RunningServer) -> None:
    erik = Person(browser, server, "Erik Lindqvist").sign_in(
        next_path=f"/plans/{server.plan_id}/dashboard?lang=en")
    maria = Person(browser, server, "Maria Johansson").sign_in(
        next_path=f"/plans/{server.plan_id}/commitments?lang=en")
    try:
        page = erik.page
        page.wait_for_function("document.body.dataset.chartsDrawn === '6'")
        page.evaluate("window.__marker = 'not reloaded'; document.body.dataset.chartsDrawn = ''")
        shop = page.locator("section[aria-labelledby='commitments-chart-heading'] tr").filter(
            has_text="Ramsjö Lanthandel AB")
        expect(shop.locator("td").first).to_have_text("0\u00a0SEK")  # nothing pledged, open
        form = maria.page.locator("section.pledge")
        form.get_by_label("What is pledged").select_option("money")
        form.get_by_label("How much").fill("7 000")
        form.get_by_label("Due", exact=True).fill(date.today().isoformat())
        form.get_by_label("Toward").select_option(label="Servicepunkt Ramsjö Lanthandel")
        form.get_by_role("button", name="Pledge").click()
        expect(shop.locator("td").first).to_have_text("7,000\u00a0SEK")
        assert page.evaluate("window.__marker") == "not reloaded"
        page.wait_for_function("document.body.dataset.chartsDrawn === '6'")  # drawn again
        assert not erik.errors and not maria.errors
    finally:
        erik.close()
        maria.close()


def test_a_kpi_measurement_made_elsewhere_appears_in_the_open_dashboard_without_a_reload(
        browser: Any, server: RunningServer) -> None:
    erik = Person(browser, server, "Erik Lindqvist").sign_in(
        next_path=f"/plans/{server.plan_id}/dashboard?lang=en")
    maria = Person(browser, server, "Maria Johansson").sign_in(
        next_path=f"/plans/{server.plan_id}/services?lang=en")
    try:
        page = erik.page
        page.wait_for_function("document.body.dataset.chartsDrawn === '6'")
        page.evaluate("window.__marker = 'not reloaded'; document.body.dataset.chartsDrawn = ''")
        visits = page.locator("article.kpi").filter(has_text="Besök i servicepunkten per månad")
        expect(visits.locator("tbody tr")).to_have_count(2)
        maria.page.get_by_role("link", name="Servicepunkt Ramsjö Lanthandel").first.click()
        kpi = maria.page.locator("li[data-kpi]").filter(has_text="Besök i servicepunkten per månad")
        kpi.locator("summary").click()
        kpi.get_by_label("Value (besök)").fill("530")
        kpi.get_by_label("of which women").fill("300")
        kpi.get_by_label("of which men").fill("230")
        kpi.get_by_role("button", name="Record the measurement").click()
        expect(maria.page.get_by_role("status").first).to_contain_text("The measurement is recorded.")
        expect(visits.locator("tbody tr")).to_have_count(3)  # live, in the open dashboard
        expect(visits.locator("tbody tr").last).to_contain_text("530")
        assert page.evaluate("window.__marker") == "not reloaded"
        page.wait_for_function("document.body.dataset.chartsDrawn === '6'")  # drawn again
        assert not erik.errors and not maria.errors
    finally:
        erik.close()
        maria.close()


def test_the_open_dashboard_refreshes_while_a_steady_stream_of_edits_goes_on(
        browser: Any, server: RunningServer) -> None:
    """Changes arriving closer together than the page's pause still refresh it every couple
    of seconds (livepage.js's maximum wait), not only once the meeting stops editing."""
    from tests.e2e.test_second_client import SecondClient, sign_in

    erik = Person(browser, server, "Erik Lindqvist").sign_in(
        next_path=f"/plans/{server.plan_id}/dashboard?lang=en")
    anna = SecondClient(server.url, sign_in(server.url, DEMO_EMAILS["Anna Berg"]),
                        server.plan_id, server.budget_id)
    anna.connect()
    streaming = threading.Event()
    refused: list[dict[str, Any]] = []
    try:
        page = erik.page
        page.wait_for_function("document.body.dataset.chartsDrawn === '6'")
        page.evaluate("window.__marker = 'not reloaded'; document.body.dataset.chartsDrawn = ''")
        line = next(iter(anna.lines))

        def stream() -> None:  # an edit every 100 ms for 8 s: never a 250 ms pause
            streaming.set()
            for n in range(80):
                started = time.monotonic()
                reply = anna.command({"command_id": str(uuid.uuid4()), "type": "change_amount",
                                      "line_id": line, "year": Y1, "amount": 100_000 + n * 100})
                if not reply.get("ok"):
                    refused.append(reply)
                time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
            streaming.clear()

        editor = threading.Thread(target=stream, daemon=True)
        editor.start()
        deadline = time.monotonic() + 5  # a poll from here: the CSP forbids a string predicate
        while page.evaluate("document.body.dataset.chartsDrawn") != "6":
            assert time.monotonic() < deadline, "the open dashboard did not refresh"
            time.sleep(0.05)
        assert streaming.is_set(), "the dashboard refreshed only after the edits stopped"
        assert page.evaluate("window.__marker") == "not reloaded"
        editor.join(timeout=20)
        assert not refused and not erik.errors
    finally:
        anna.disconnect()
        erik.close()
