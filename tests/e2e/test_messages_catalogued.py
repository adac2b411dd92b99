"""Every message a person sees when something is refused is in the catalogues.

Validation failures are triggered on pages and in the API, in Swedish; each message shown (and
each field name in "field: message") must be a msgid that extraction finds in the sources, as
./scripts/translations extracts them, or that msgid's Swedish translation, blanks filled. A
message built from English in code ("erased person #…", marshmallow's "Not a valid integer.")
matches neither and fails, whatever the catalogues' translators have done so far.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from tests.e2e.auth_helpers import DEMO_EMAILS, csrf_token, sign_in

ROOT = Path(__file__).resolve().parents[2]
ERASED = "erased person #%(id)s"
BLANK = re.compile(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{\w*(?:![rsa])?(?::[^}]*)?\}")


def _extracted() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(
        re.findall(r"-k (\S+)", (ROOT / "scripts" / "translations").read_text(encoding="utf-8")))}
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    return {msg if isinstance(msg, str) else msg[0] for _, _, msg, _, _ in extract_from_dir(
        ROOT, method_map, options_map, keywords=keywords,
        directory_filter=lambda p: not Path(p).name.startswith((".", "_"))
        and Path(p).name not in {"node_modules", "var"})}


def _pattern(text: str) -> re.Pattern[str]:
    parts = BLANK.split(text)
    return re.compile("".join(re.escape(p) + ("(.+?)" if i < len(parts) - 1 else "")
                              for i, p in enumerate(parts)) + r"\Z", re.S)


@pytest.fixture(scope="module")
def catalogued() -> list[re.Pattern[str]]:
    """Each msgid extraction finds, and its Swedish translation where there is one."""
    ids = _extracted()
    with (ROOT / "web/translations/sv/LC_MESSAGES/messages.po").open("rb") as f:
        swedish = {m.id: m.string for m in read_po(f, locale="sv") if m.id and m.string}
    texts = ids | {s for i, s in swedish.items() if i in ids and isinstance(s, str)}
    return [_pattern(t) for t in texts]


def _is_catalogued(shown: str, patterns: list[re.Pattern[str]]) -> bool:
    return any(p.match(shown) for p in patterns)


def _json_messages(body: Any) -> Iterator[str]:
    if isinstance(body, dict):
        for value in body.values():
            yield from _json_messages(value)
    elif isinstance(body, list):
        for value in body:
            yield from _json_messages(value)
    elif isinstance(body, str):
        yield body


_SHOWN = [re.compile(p, re.S) for p in (
    r'<ul class="error-lines">(.*?)</ul>', r'<div class="alert" role="alert"[^>]*>(.*?)</div>',
    r'<span class="field-error"[^>]*>(.*?)</span>')]


def _page_messages(text: str) -> list[str]:
    found = []
    for pattern in _SHOWN:
        for block in pattern.findall(text):
            items = re.findall(r"<(?:li|p)>(.*?)</(?:li|p)>", block, re.S) or [block]
            found += [html.unescape(re.sub(r"<[^>]+>", "", i)).strip() for i in items]
    return [m for m in found if m]


def _parts(line: str, patterns: list[re.Pattern[str]]) -> list[str]:
    """A "field: message" line is two catalogued texts; a whole catalogued text is one."""
    if _is_catalogued(line, patterns) or ": " not in line:
        return [line]
    field, message = line.split(": ", 1)
    return [field, message]


@pytest.fixture
def anna(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, DEMO_EMAILS["Anna Berg"]).status_code == 302
    client.get("/?lang=sv")
    return client


def _api_refusals(client: FlaskClient, demo: DemoPlan) -> Iterator[tuple[str, Any]]:
    audit, at = f"/api/plans/{demo.plan_id}/audit", f"/api/budgets/{demo.budget_id}/at"
    for query in ("before=abc", "before=0", f"before={2**64}", "person=x", "kind=nothing",
                  "event_type=a;b", "from=2027-05-01&to=2027-04-01", "from=9999-12-31",
                  "sector=a&sector=b", "from=%00"):
        yield f"{audit}?{query}", client.get(f"{audit}?{query}").get_json()
    for query in ("version=abc", "version=0", "at=yesterday", "at=5", "version=2&at=2027-01-01T10:00",
                  "at=0001-01-01T00:00"):
        yield f"{at}?{query}", client.get(f"{at}?{query}").get_json()


def _page_refusals(client: FlaskClient, demo: DemoPlan, system: System) -> Iterator[tuple[str, str]]:
    audit = f"/plans/{demo.plan_id}/audit"
    for query in ("before=abc", "person=x", "from=2027-05-01&to=2027-04-01", "from=1-01-01"):
        yield audit, client.get(f"{audit}?{query}").get_data(as_text=True)
    history = f"/budgets/{demo.budget_id}/history"
    for query in ("version=abc", "at=yesterday", f"version={2**64}"):
        yield history, client.get(f"{history}?{query}").get_data(as_text=True)
    token = csrf_token(client, "/account")
    forms = [(f"/plans/{demo.plan_id}/invitations", {"email": "not an address", "role": "boss"}),
             (f"/plans/{demo.plan_id}/invitations", {"email": "x@example.org"}),
             (f"/plans/{demo.plan_id}/members/{demo.people[1].person_id}", {"org_id": "nowhere"}),
             (f"/plans/{demo.plan_id}/decisions/new", {"decided_on": "someday", "attendees": "x"}),
             ("/account/password", {"new_password": "short"}),
             ("/account/password", {"current_password": "x" * 300, "new_password": "y" * 300,
                                    "repeat_password": "z"}),
             ("/account/tokens", {"label": ""}),
             ("/account/erase", {"confirm_email": "someone@else.org"}),
             ("/account/tokens", {"label": "a\x00b"})]
    for path, form in forms:
        yield path, client.post(path, data={"csrf_token": token, **form}).get_data(as_text=True)
    _, invitation = system.invitations.create(demo.plan_id, f"{uuid.uuid4().hex}@example.org",
                                              "observer", None, demo.people[0].person_id)
    newcomer = client.application.test_client()
    newcomer.get("/sign-in?lang=sv")
    yield "invitation", newcomer.post(f"/invitations/{invitation}", data={
        "csrf_token": csrf_token(newcomer, f"/invitations/{invitation}"), "name": "",
        "password": "short", "repeat_password": "other"}).get_data(as_text=True)


def test_every_refusal_message_in_the_api_is_catalogued(
        anna: FlaskClient, demo: DemoPlan, catalogued: list[re.Pattern[str]]) -> None:
    strange = []
    for where, body in _api_refusals(anna, demo):
        assert body and body.get("error") == "invalid", (where, body)
        for shown in _json_messages({"message": body["message"], "fields": body["fields"]}):
            if not _is_catalogued(shown, catalogued):
                strange.append((where, shown))
    assert not strange, f"messages no catalogue holds: {strange}"


def test_every_refusal_message_on_a_page_is_catalogued(
        anna: FlaskClient, demo: DemoPlan, demo_system: System,
        catalogued: list[re.Pattern[str]]) -> None:
    strange, seen = [], 0
    for where, text in _page_refusals(anna, demo, demo_system):
        shown = _page_messages(text)
        assert shown, f"{where}: a refusal with no message shown"
        for line in shown:
            seen += 1
            strange += [(where, part) for part in _parts(line, catalogued)
                        if not _is_catalogued(part, catalogued)]
    assert seen > 20 and not strange, f"messages no catalogue holds: {strange}"


def test_erased_people_are_named_from_the_catalogue_on_every_page_that_shows_them(
        anna: FlaskClient, demo: DemoPlan, demo_system: System) -> None:
    """"erased person #…" is rendered from its msgid in the reader's language (Swedish here,
    where the catalogue has it), never built in English in code."""
    with (ROOT / "web/translations/sv/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = read_po(f, locale="sv")
    template = catalogue.get(ERASED)
    assert ERASED in _extracted() and template is not None and template.string
    maria = next(p.person_id for p in demo.people if p.name.startswith("Maria"))
    demo_system.erase_person(maria)
    wanted = template.string % {"id": maria[:8]}
    for path in (f"/plans/{demo.plan_id}", f"/plans/{demo.plan_id}/members",
                 f"/plans/{demo.plan_id}/audit?person={maria}",
                 f"/plans/{demo.plan_id}/audit.csv?person={maria}",
                 f"/plans/{demo.plan_id}/audit.json?person={maria}"):
        text = anna.get(path).get_data(as_text=True)
        assert wanted in text, f"{path} does not name the erased person from the catalogue"
        assert ERASED % {"id": maria[:8]} not in text, f"{path}: English on a Swedish page"
