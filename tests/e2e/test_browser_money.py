"""The browser's money code agrees with the server's: the same split, the same text.

web/static/js/totals.js and money.js are loaded as ES modules in chromium and fed the same
cases as domain.budgets.split_amount and web.formatting.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from domain.shares import split_amount
from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    Person,
    Server,
    browser_fixture,
    needs_browser,
    shared_server_fixture,
)
from web.formatting import CURRENCY_SUFFIX, money, share

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(60)]
ACTORS = ["0b4c2f7e-91d3-4f0a-8e7b-2c5d6a1f9e30", "5717607b-788b-415b-85df-18d9ba6e6d8a",
          "96ec8f75-46a6-4591-9614-6026b08ef6e0", "a58a59ed-9a28-4c82-925e-66811801795b",
          "a6f9b4a2-028c-40dd-8595-7e246a6da769"]


@pytest.fixture(scope="module")
def page(browser: Any, shared_server: Server) -> Iterator[Any]:
    person = Person(browser, shared_server, "nobody")
    person.page.goto(shared_server.url + "/sign-in")  # any page of the site: the modules are public
    try:
        yield person.page
    finally:
        person.close()


def _shares(rng: random.Random) -> dict[str, int]:
    left, shares = 10_000, {}
    for actor in rng.sample(ACTORS, rng.randint(0, len(ACTORS))):
        bps = min(left, rng.choice([0, 1, 3333, 2500, 5000, rng.randint(0, left)]))
        shares[actor] = bps
        left -= bps
    return shares


def test_the_split_per_organisation_rounds_exactly_like_the_server(page: Any) -> None:
    rng = random.Random(20270101)
    cases = [(rng.choice([0, 1, 7, 99, 10**13, rng.randint(0, 10**13), rng.randint(0, 10_000)]),
              _shares(rng)) for _ in range(3000)]
    cases += [(100, {ACTORS[1]: 3333, ACTORS[2]: 3333, ACTORS[3]: 3334}),
              (1, {ACTORS[4]: 5000, ACTORS[3]: 5000}), (10**13, {ACTORS[2]: 10_000})]
    got = page.evaluate("""async cases => {
        const { splitAmount } = await import('/static/js/totals.js');
        return cases.map(([amount, shares]) => {
            const { parts, rest } = splitAmount(amount, shares);
            return [Object.fromEntries([...parts].map(([a, v]) => [a, String(v)])), String(rest)];
        });
    }""", [[amount, shares] for amount, shares in cases])
    for (amount, shares), (parts, rest) in zip(cases, got, strict=True):
        expected_parts, expected_rest = split_amount(amount, shares)
        assert {a: int(v) for a, v in parts.items()} == expected_parts, (amount, shares)
        assert int(rest) == expected_rest


@pytest.mark.parametrize("locale", ["sv", "nb", "en"])
def test_amounts_and_shares_read_as_the_server_writes_them_and_back(page: Any, locale: str) -> None:
    amounts = [0, 1, 99, 100, 5_200_000, 123_456_789, 100_000_050, 10**13]
    bps = [0, 1, 10, 2500, 3333, 3330, 10_000]
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context(), force_locale(locale):
        expected = {"money": [money(a) for a in amounts], "plain": [money(a, False) for a in amounts],
                    "share": [share(b) for b in bps]}
    got = page.evaluate("""async ([locale, unit, amounts, bps]) => {
        const { Numbers } = await import('/static/js/money.js');
        const n = new Numbers(locale, unit);
        return {money: amounts.map(a => n.money(a)), plain: amounts.map(a => n.money(a, false)),
                share: bps.map(b => n.share(b)),
                back: amounts.map(a => n.parseMoney(n.money(a))),
                backPlain: amounts.map(a => n.parseMoney(n.money(a, false))),
                shareBack: bps.map(b => n.parseShare(n.share(b)))};
    }""", [locale, CURRENCY_SUFFIX[locale], amounts, bps])
    assert got["money"] == expected["money"]
    assert got["plain"] == expected["plain"]
    assert got["share"] == expected["share"]
    assert got["back"] == amounts and got["backPlain"] == amounts
    assert got["shareBack"] == bps


@pytest.mark.parametrize(("typed", "ore"), [
    ("52 000", 5_200_000), ("52000", 5_200_000), ("52 000 kr", 5_200_000), ("52.000", 5_200_000),
    ("1 234,5", 123_450), ("12.50", 1_250), ("", 0), ("-5", None), ("tio", None), ("1,2,3", None),
    ("0,001", None), ("100000000001", None),
])
def test_what_people_type_for_an_amount_is_read_as_whole_ore(
        page: Any, typed: str, ore: int | None) -> None:
    got = page.evaluate("""async typed => {
        const { Numbers } = await import('/static/js/money.js');
        return new Numbers('sv', 'kr').parseMoney(typed);
    }""", typed)
    assert got == ore
