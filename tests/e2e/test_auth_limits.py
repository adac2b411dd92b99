"""Rate limits: failed sign-ins lock the account and the address for a while, and so do wrong
current passwords in a password change; a success or a refused new password does not count."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from adapters.bootstrap import System
from tests.e2e.auth_helpers import DEMO_PASSWORD, post_form, sign_in
from tests.e2e.test_auth import (
    ANNA,
    ERIK,
    GUNNAR,
    NEW_PASSWORD,
    _lands_on,
    _password_change,
    _sid,
    _signed_in,
)
from web.app import create_app

# ---- rate limits ---------------------------------------------------------------------------


@pytest.fixture
def limited(demo_system: System) -> Iterator[Flask]:
    """The app with low sign-in limits (its own counters)."""
    yield create_app({"SYSTEM": demo_system, "TESTING": True, "SECRET_KEY": "test",
                      "SIGN_IN_LIMIT_PER_ACCOUNT": "3 per minute",
                      "SIGN_IN_LIMIT_PER_ADDRESS": "5 per minute"})


def test_three_failed_sign_ins_lock_the_account_for_a_while_but_not_others(limited: Flask) -> None:
    client = limited.test_client()
    client.get("/sign-in?lang=en")
    for email in (ANNA, ANNA.upper(), ANNA):  # the address's spelling makes no difference
        assert sign_in(client, email, "wrong password").status_code == 401
    locked = sign_in(client, ANNA)  # even with the right password
    assert locked.status_code == 429
    assert "Too many attempts. Wait a few minutes and try again." in locked.text
    assert _sid(client) is None
    assert sign_in(limited.test_client(), ERIK).status_code == 302  # same address, other account


def test_a_successful_sign_in_does_not_count_toward_the_limit(limited: Flask) -> None:
    for _ in range(4):
        assert sign_in(limited.test_client(), ANNA).status_code == 302


def test_too_many_failed_sign_ins_from_one_address_lock_that_address_only(limited: Flask) -> None:
    client = limited.test_client()
    emails = [f"person{n}@example.org" for n in range(5)]
    for email in emails:
        assert sign_in(client, email, "wrong password").status_code == 401
    assert sign_in(client, GUNNAR).status_code == 429  # an account not tried before
    elsewhere = limited.test_client()
    reply = post_form(elsewhere, "/sign-in", {"email": GUNNAR, "password": DEMO_PASSWORD},
                      environ_overrides={"REMOTE_ADDR": "192.0.2.7"})
    assert _lands_on(reply) == "/"


@pytest.fixture
def password_limited(demo_system: System) -> Iterator[Flask]:
    """The app with low limits on the password change's current-password check."""
    yield create_app({"SYSTEM": demo_system, "TESTING": True, "SECRET_KEY": "test",
                      "PASSWORD_CHECK_LIMIT_PER_ACCOUNT": "3 per minute",
                      "PASSWORD_CHECK_LIMIT_PER_ADDRESS": "5 per minute"})


def test_wrong_current_passwords_lock_the_password_change_for_that_account(
        password_limited: Flask) -> None:
    client = _signed_in(password_limited)
    client.get("/account?lang=en")
    for _ in range(3):
        assert _password_change(client, "not the password", NEW_PASSWORD).status_code == 400
    locked = _password_change(client, DEMO_PASSWORD, NEW_PASSWORD)  # even the right one now
    assert locked.status_code == 429
    assert "Too many attempts. Wait a few minutes and try again." in locked.text
    assert sign_in(password_limited.test_client(), ANNA, NEW_PASSWORD).status_code == 401
    # the same account from another session is locked too; another account is not
    again = _signed_in(password_limited)
    assert _password_change(again, DEMO_PASSWORD, NEW_PASSWORD).status_code == 429
    erik = _signed_in(password_limited, ERIK)
    assert _lands_on(_password_change(erik, DEMO_PASSWORD, NEW_PASSWORD)) == "/account"


def test_a_refused_new_password_does_not_count_toward_the_password_check_limit(
        password_limited: Flask) -> None:
    client = _signed_in(password_limited)
    for _ in range(4):  # the current password is right; only the new one is refused
        assert _password_change(client, DEMO_PASSWORD, "short").status_code == 400
    assert _lands_on(_password_change(client, DEMO_PASSWORD, NEW_PASSWORD)) == "/account"


def test_wrong_current_passwords_from_one_address_lock_that_address(password_limited: Flask) -> None:
    people = [ANNA, ERIK, GUNNAR]
    clients = [_signed_in(password_limited, email) for email in people]
    for n in range(5):  # spread over accounts, so no one account reaches its own limit
        assert _password_change(clients[n % 3], "wrong", NEW_PASSWORD).status_code == 400
    assert _password_change(clients[2], DEMO_PASSWORD, NEW_PASSWORD).status_code == 429
    elsewhere = password_limited.test_client()
    assert sign_in(elsewhere, GUNNAR).status_code == 302
    reply = post_form(elsewhere, "/account/password", {
        "current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD}, page="/account",
        environ_overrides={"REMOTE_ADDR": "192.0.2.7"})
    assert _lands_on(reply) == "/account"
