"""Every query parameter of every route is checked against its real range.

Every GET route in the URL map, signed in as a facilitator, gets every parameter name any
route reads set to values that broke things before (beyond 64 bits, years 1 and 9999, huge,
NUL, broken UTF-8, given twice): never a 5xx, and a 400 wherever the route reads the value
and it is out of range. Views read the query string only through web.query.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import fields, validate

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from tests.e2e.auth_helpers import sign_in
from tests.e2e.test_authorisation_matrix import ROUTES, World, _history_ids
from web.query import QuerySchema, query_schema_of

WEB = Path(__file__).resolve().parents[2] / "web"
#: Values that are out of range for every parameter that is not free text.
BAD = {"2**64": str(2**64), "-1": "-1", "0": "0", "year 1": "1-01-01", "year 9999": "9999-12-31",
       "moment in year 1": "0001-01-01T00:00:00", "moment in 9999": "9999-12-31T23:59:59",
       "huge": "9" * 5000, "huger": "x" * 100_000, "NUL": "%00", "surrogate as UTF-8": "%ED%A0%80",
       "not UTF-8": "%FF%FE", "superscript digit": "%C2%B2", "infinity": "1e999", "nan": "NaN"}
#: Values refused on every route, read or not: text no store can keep.
UNFIT = {"NUL"}
GETS = sorted(endpoint for endpoint, method in ROUTES if method == "GET" and endpoint != "static")


def _schemas() -> list[type[QuerySchema]]:
    found, todo = [], list(QuerySchema.__subclasses__())
    while todo:
        schema = todo.pop()
        found.append(schema)
        todo += schema.__subclasses__()
    return found


def _names(schema: type[QuerySchema]) -> dict[str, fields.Field]:
    return {f.data_key or n: f for n, f in schema().fields.items()}


def _accepts(field: fields.Field, raw: str) -> bool:
    """Whether a field may take this raw value at all: free text within its length, a word
    of its own (a choice, a pattern, a boolean); no number, date or id ever takes one."""
    text = raw.replace("%00", "\x00")
    if isinstance(field, fields.List):
        return _accepts(field.inner, raw)
    if isinstance(field, fields.Boolean):
        return text in {str(v) for v in field.truthy | field.falsy}
    if not isinstance(field, fields.String):
        return False
    for check in field.validators:
        if isinstance(check, validate.OneOf) and text not in check.choices:
            return False
        if isinstance(check, validate.Regexp) and not check.regex.match(text):
            return False
        if isinstance(check, validate.Length) and check.max and len(text) > check.max:
            return False
    return True


@pytest.fixture
def facilitator(app: Flask, demo_system: System, demo: DemoPlan) -> tuple[FlaskClient, dict[str, str]]:
    from tests.e2e.test_authorisation_matrix import _decision, _spare_organisation

    world = World(demo_system, demo)
    _, world.ids["invite_token"] = demo_system.invitations.create(
        demo.plan_id, "fuzz@example.org", "observer", None, world.person("Anna"))
    world.ids["password_token"] = demo_system.password_links.issue(
        demo_system.people.add("Fuzz Länk", "fuzz.link@example.org"))
    world.ids.update(plan=demo.plan_id, budget=demo.budget_id)
    _history_ids(world)
    _decision(world)
    _spare_organisation(world)
    client = app.test_client()
    assert sign_in(client, "anna.berg@ljusdal.example.se").status_code == 302
    return client, world.ids


def test_every_query_schema_is_some_routes_and_every_route_reading_one_declares_it(app: Flask) -> None:
    declared = {query_schema_of(app.view_functions[e]) for e in app.view_functions} - {None}
    assert declared == set(_schemas()), "a QuerySchema no route declares, or one not a QuerySchema"


def test_no_view_reads_the_query_string_itself() -> None:
    """Only web.query reads request.args (and web.app, for `lang`, and the input guard)."""
    allowed = {WEB / "query.py", WEB / "input_guard.py"}
    offenders = []
    for path in sorted(WEB.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"request\.(args|values)\b|\.query_string\b", line) and path not in allowed:
                if path == WEB / "app.py" and 'request.args.get("lang")' in line:
                    continue
                offenders.append(f"{path.relative_to(WEB)}:{number}: {line.strip()}")
    assert not offenders, "read the query string with web.query:\n" + "\n".join(offenders)


def _get(client: FlaskClient, path: str, pairs: list[tuple[str, str]]) -> Any:
    query = "&".join(f"{quote(k)}={v}" for k, v in pairs)  # values are sent as written
    reply = client.get(f"{path}?{query}" if query else path)
    reply.get_data()  # a streamed export runs to its end
    return reply


@pytest.mark.slow
@pytest.mark.parametrize("endpoint", GETS)
def test_extreme_query_values_never_give_a_5xx_and_are_refused_where_read(
        app: Flask, facilitator: tuple[FlaskClient, dict[str, str]], endpoint: str) -> None:
    client, ids = facilitator
    base = ROUTES[(endpoint, "GET")].path.format(**ids)
    path, fixed = urlsplit(base).path, [tuple(p.split("=", 1)) for p in urlsplit(base).query.split("&") if p]
    reads = _names(query_schema_of(app.view_functions[endpoint])) if query_schema_of(
        app.view_functions[endpoint]) else {}
    every_name = {name for schema in _schemas() for name in _names(schema)} | {"lang"}
    for label, value in BAD.items():
        unread = [(name, value) for name in sorted(every_name - set(reads))]
        reply = _get(client, path, [*fixed, *unread])
        assert reply.status_code < 500, (endpoint, label, "names it does not read")
        if label in UNFIT:
            assert reply.status_code == 400, (endpoint, label)
        for name, field in reads.items():
            kept = [p for p in fixed if p[0] != name]
            reply = _get(client, path, [*kept, (name, value)])
            assert reply.status_code < 500, (endpoint, name, label, reply.status_code)
            if label in UNFIT or not _accepts(field, value):
                assert reply.status_code == 400, (endpoint, name, label, reply.status_code)
                _refusal_is_shaped_for_its_reader(reply, path)
    for name, field in reads.items():  # repeated: a one-value parameter given twice
        reply = _get(client, path, [*[p for p in fixed if p[0] != name], (name, "1"), (name, "2")])
        assert reply.status_code < 500, (endpoint, name, "twice")
        if not isinstance(field, fields.List):
            assert reply.status_code == 400, (endpoint, name, "twice", reply.status_code)


def _refusal_is_shaped_for_its_reader(reply: Any, path: str) -> None:
    if path.startswith("/api/"):
        body = reply.get_json()
        assert body["error"] == "invalid" and body["fields"], body
    else:
        assert reply.mimetype == "text/html", (path, reply.mimetype)
