"""Shared fixtures for the browser tests: a real server, Debian's chromium, signed-in people.

Test modules import the fixtures they use from here (conftest.py belongs to the other e2e
tests); each fixture function is called `<name>_fixture`, so that a test argument `<name>`
does not shadow the import. The server is `samverkan serve` in a subprocess on a free port
with the demo plan in a temporary folder, so the browser talks to what `./scripts/serve` runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.auth_helpers import DEMO_EMAILS, DEMO_PASSWORD, http_sign_in
from tests.stores import cloned_store, environment_for

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SAMVERKAN_CHROMIUM", "/usr/bin/chromium")
BUNDLE = ROOT / "web/static/dist/budget.js"
SOURCES = ROOT / "web/static/js"
WAIT_MS = 10_000  # the longest any one browser step may take
SECRET = "browser-tests"
AXE = Axe()
PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 768}
#: Who reads the sheet for the tests' own checks: the observer, who can read but not change.
READER = DEMO_EMAILS["Gunnar Persson"]

needs_browser = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and os.environ.get("CI") != "true",
    reason=f"no chromium at {CHROMIUM} (apt-get install chromium; CI always runs these)")


def violations(page: Any) -> str:
    """axe's report of the page as it is now ("" when it finds nothing)."""
    results = AXE.run(page)
    assert results.response["testEngine"]["name"] == "axe-core"  # axe did run on the page
    return results.generate_report() if results.violations_count else ""


def overflow(page: Any) -> int:
    """How far the page runs off the side of the window (0: not at all)."""
    return page.evaluate("() => Math.max(document.documentElement.scrollWidth, "
                         "document.body.scrollWidth) - document.documentElement.clientWidth")


def money(ore: int, lang: str = "en", unit: bool = True) -> str:
    """Öre as the page shows them: "12,345.67 SEK" in English, "12 345,67 kr" in Swedish."""
    kronor, rest = divmod(ore, 100)
    group, decimal, suffix = (",", ".", "SEK") if lang == "en" else ("\u00a0", ",", "kr")
    text = f"{kronor:,}".replace(",", group) + (f"{decimal}{rest:02d}" if rest else "")
    return f"{text}\u00a0{suffix}" if unit else text


@dataclass
class Server:
    url: str
    plan_id: str
    budget_id: str
    log: Path
    _reader: urllib.request.OpenerDirector | None = field(default=None, repr=False, compare=False)

    def get(self, path: str) -> str:
        """A page or JSON as a signed-in member reads it (signing in again if the session
        ended, as a restart with a new secret key does)."""
        for _ in range(2):
            if self._reader is None:
                self._reader = http_sign_in(self.url, READER)
            try:
                with self._reader.open(self.url + path, timeout=5) as reply:
                    if urllib.parse.urlparse(reply.url).path != "/sign-in":
                        return reply.read().decode()
            except urllib.error.HTTPError as error:
                if error.code != 401:
                    raise
            self._reader = None
        raise AssertionError(f"{path}: signed in, yet sent to sign in again")

    def sheet(self) -> dict[str, Any]:
        return json.loads(self.get(f"/api/budgets/{self.budget_id}/sheet"))

    def budget_path(self, lang: str = "en") -> str:
        return f"/budgets/{self.budget_id}?lang={lang}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bundle_is_current() -> bool:
    if not BUNDLE.exists():
        return False
    built = BUNDLE.stat().st_mtime
    return all(p.stat().st_mtime <= built for p in SOURCES.rglob("*.js"))


def ensure_bundle() -> None:
    """The page loads web/static/dist/budget.js; build it when the sources are newer."""
    if _bundle_is_current():
        return
    npm = shutil.which("npm")
    if npm is None or not (ROOT / "node_modules").exists():
        pytest.fail("web/static/dist/budget.js is missing or stale: run `npm ci && npm run build` "
                    "(./scripts/test does it)")
    subprocess.run([npm, "run", "build"], cwd=ROOT, check=True, capture_output=True, timeout=60)


def start_server(data_dir: Path, port: int | None = None, secret: str = SECRET,
                 extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], Server]:
    """`samverkan serve` on `data_dir` (it loads the demo plan if the folder has no events,
    unless `extra_env` says SAMVERKAN_DEMO=off: then the server has no plan to find)."""
    port = port or _free_port()
    log = data_dir / f"server-{port}-{time.monotonic_ns()}.log"
    env = {**environment_for(data_dir / "var"), "PORT": str(port),
           "SAMVERKAN_SECRET_KEY": secret, "SAMVERKAN_DEMO_PASSWORD": DEMO_PASSWORD,
           **(extra_env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "web.entry", "serve"], cwd=ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/sign-in", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the server did not start:\n{log.read_text()}")
            time.sleep(0.1)
    server = Server(url, "", "", log)
    if env.get("SAMVERKAN_DEMO") == "off":
        return process, server
    server.plan_id = re.search(r"/plans/([0-9a-f-]{36})", server.get("/")).group(1)
    server.budget_id = re.search(r"/budgets/([0-9a-f-]{36})",
                                 server.get(f"/plans/{server.plan_id}")).group(1)
    return process, server


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


class RunningServer(Server):
    """A server a test may also stop and start again (same port, same data)."""

    process: subprocess.Popen[bytes]
    data_dir: Path

    def restart(self, pause: float = 0.0, secret: str = SECRET) -> None:
        """Stop and start again; a new `secret` ends every session (as a restart without
        SAMVERKAN_SECRET_KEY does)."""
        stop_server(self.process)
        time.sleep(pause)
        port = int(self.url.rsplit(":", 1)[1])
        self.process, _ = start_server(self.data_dir, port, secret)


def _samverkan_demo(data: Path) -> None:
    env = {**environment_for(data), "SAMVERKAN_DEMO_PASSWORD": DEMO_PASSWORD}
    subprocess.run([sys.executable, "-c", "from web.cli import main; main()", "demo"],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)


def copy_demo(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Give `folder` (a test's folder, as start_server takes) the demo plan as `samverkan demo`
    leaves it: made once per run, copied (on PostgreSQL: cloned) for each test."""
    cloned_store("cli_demo", folder / "var", _samverkan_demo, tmp_path_factory)


@pytest.fixture(name="server")
def server_fixture(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A fresh server with the demo plan: each test edits its own copy of the budget."""
    ensure_bundle()
    copy_demo(tmp_path, tmp_path_factory)
    process, srv = start_server(tmp_path)
    running = RunningServer(srv.url, srv.plan_id, srv.budget_id, srv.log)
    running.process, running.data_dir = process, tmp_path
    try:
        yield running
    finally:
        stop_server(running.process)


@pytest.fixture(name="shared_server", scope="module")
def shared_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for tests that only read."""
    ensure_bundle()
    process, srv = start_server(tmp_path_factory.mktemp("server"))
    try:
        yield srv
    finally:
        stop_server(process)


@pytest.fixture(name="browser", scope="module")
def browser_fixture() -> Iterator[Any]:
    """Chromium, one per test module (each module that imports this fixture gets its own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield chromium
        finally:
            chromium.close()


class Person:
    """One person in their own browser context (own cookies, own localStorage); a name that
    is not a demo person's ("nobody") is an anonymous visitor."""

    def __init__(self, browser: Any, server: Server, name: str) -> None:
        self.server, self.name, self.email = server, name, DEMO_EMAILS.get(name)
        self.context = browser.new_context(viewport={"width": 1600, "height": 1000},
                                           locale="sv-SE")
        self.context.set_default_timeout(WAIT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def sign_in(self, next_path: str | None = None) -> Person:
        """Through the real sign-in page: e-mail address, password, the button; then on to
        `next_path` (the budget page unless told)."""
        assert self.email, f"{self.name} has no demo account"
        target = next_path or self.server.budget_path()
        self.page.goto(f"{self.server.url}/sign-in?next={urllib.parse.quote(target)}")
        self.fill_in_sign_in(self.email, DEMO_PASSWORD)
        path = urllib.parse.urlparse(target).path
        self.page.wait_for_url(lambda url: urllib.parse.urlparse(url).path == path)
        return self

    def fill_in_sign_in(self, email: str, password: str) -> None:
        """Fill in the sign-in form of the page shown and send it."""
        self.page.locator("#email").fill(email)
        self.page.locator("#password").fill(password)
        self.page.locator("form.sign-in [type='submit']").click()

    def open_budget(self, lang: str = "en") -> BudgetPage:
        """The budget page, live (the tests read English UI text; amounts in any language)."""
        if "/budgets/" not in self.page.url or f"lang={lang}" not in self.page.url:
            self.page.goto(self.server.url + self.server.budget_path(lang))
        budget = BudgetPage(self.page)
        budget.wait_until_live()
        return budget

    def close(self) -> None:
        self.context.close()


class BudgetPage:
    """The live budget grid as a person sees it."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def wait_until_live(self) -> None:
        self.page.wait_for_selector("[data-budget-app][data-ready='true']")
        self.page.wait_for_selector("[data-part='status'][data-connection='connected']")

    def cell(self, line_id: str, field: str) -> Any:
        return self.page.locator(f"tr[data-line='{line_id}'] [data-field='{field}']")

    def value(self, line_id: str, field: str) -> Any:
        return self.cell(line_id, field).locator(".value")

    def footer(self, field: str, row: str = "net") -> Any:
        """A figure of the grid's footer: the `row` costs, income, net (the default) or gap."""
        return self.page.locator(f"tfoot tr[data-row='foot-{row}'] [data-field='{field}'] .value")

    def figure(self, name: str) -> Any:
        return self.page.locator(f"[data-figure='{name}']")

    def status(self) -> Any:
        return self.page.locator("[data-part='status']")

    def announcer(self) -> Any:
        return self.page.locator("[data-part='announcer']")

    def part(self, name: str) -> Any:
        return self.page.locator(f"[data-part='{name}']")

    def edit(self, line_id: str, field: str, text: str) -> None:
        """Double-click the cell, replace its text, press Enter."""
        self.cell(line_id, field).dblclick()
        editor = self.cell(line_id, field).locator("input")
        editor.fill(text)
        editor.press("Enter")

    def rows(self) -> Any:
        return self.page.locator("[data-part='grid'] tbody tr")

    def line_ids(self) -> list[str]:
        return self.rows().evaluate_all("rows => rows.map(r => r.dataset.line)")

    def focused(self) -> dict[str, Any]:
        """Which cell (or input) has the keyboard focus."""
        return self.page.evaluate("""() => {
            const el = document.activeElement;
            const cell = el.closest('td, th');
            return {tag: el.tagName, line: cell?.parentElement?.dataset.line ?? null,
                    row: cell?.parentElement?.dataset.row ?? null,
                    field: cell?.dataset.field ?? null, label: el.getAttribute('aria-label'),
                    inGrid: !!el.closest('table[role=grid]'), inDialog: !!el.closest('dialog')};
        }""")


@pytest.fixture(name="people")
def people_fixture(browser: Any, server: Server) -> Iterator[dict[str, Person]]:
    """Anna Berg (Ljusdals kommun) and Erik Lindqvist (Region Gävleborg), signed in."""
    opened: dict[str, Person] = {}
    try:
        for name in ("Anna Berg", "Erik Lindqvist"):
            opened[name] = Person(browser, server, name).sign_in()
        yield opened
    finally:
        for person in opened.values():
            person.close()
