"""The first account and the set-password links, on a real SQLite file and PostgreSQL:
of submissions racing each other, exactly one gets through."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.accounts import credentials
from adapters.bootstrap import System
from adapters.first_run import AlreadySetUp
from adapters.password_links import LinkUsed, PasswordLinks
from adapters.people import people
from domain.errors import Conflict

PASSWORD = "a-first-password"


def _at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released together; each result or the error raised."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as error:  # the refusals are what the test looks at
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _count(system: System, table: Any) -> int:
    with system.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_of_first_accounts_submitted_at_once_exactly_one_is_made(system: System) -> None:
    assert system.first_run.needed()
    results = _at_once(4, lambda i: system.first_run.create_first_account(
        f"Person {i}", f"person{i}@example.se", PASSWORD))
    made = [r for r in results if isinstance(r, str)]
    assert len(made) == 1, results
    assert all(isinstance(r, AlreadySetUp) for r in results if not isinstance(r, str)), results
    assert (_count(system, people), _count(system, credentials)) == (1, 1)
    assert not system.first_run.needed()
    person = system.people.get(made[0])
    assert system.accounts.authenticate(person.email, PASSWORD).id == made[0]  # type: ignore[union-attr]


def test_a_first_account_is_refused_once_anyone_has_a_password(system: System) -> None:
    system.accounts.register("Ada Lund", "ada@example.se", PASSWORD)
    assert not system.first_run.needed()
    with pytest.raises(AlreadySetUp):
        system.first_run.create_first_account("Bo Ek", "bo@example.se", PASSWORD)
    assert _count(system, people) == 1


def test_a_first_account_for_an_address_already_in_the_people_store_is_refused(
        system: System) -> None:
    system.people.add("Kari Nordmann", "kari@example.no")  # added by `people add`, no password yet
    assert system.first_run.needed()
    with pytest.raises(Conflict) as refused:
        system.first_run.create_first_account("Someone", "KARI@example.no", PASSWORD)
    assert refused.value.details["field"] == "email"
    assert (_count(system, people), _count(system, credentials)) == (1, 0)
    assert system.first_run.needed()  # nothing of the refused attempt stayed


def test_a_set_password_link_used_twice_at_once_sets_one_password(system: System) -> None:
    person = system.people.add("Kari Nordmann", "kari@example.no")
    token = system.password_links.issue(person)
    results = _at_once(3, lambda i: system.password_links.use(token, f"password-number-{i}"))
    used = [i for i, r in enumerate(results) if r == person]
    assert len(used) == 1, results
    assert all(isinstance(r, LinkUsed) for r in results if r != person)
    assert system.accounts.authenticate("kari@example.no", f"password-number-{used[0]}")
    assert system.password_links.person_for(token) is None


def test_a_set_password_link_expires_after_fourteen_days(system: System) -> None:
    now = [datetime.now(UTC)]
    links = PasswordLinks(system.engine, system.accounts, clock=lambda: now[0])
    person = system.people.add("Kari Nordmann", "kari@example.no")
    token = links.issue(person)
    now[0] += timedelta(days=14, seconds=-1)
    assert links.person_for(token) == person
    now[0] += timedelta(seconds=2)
    assert links.person_for(token) is None
    with pytest.raises(LinkUsed):
        links.use(token, PASSWORD)
    assert not system.accounts.has_password(person)


def test_a_new_link_stops_the_older_one_and_erasure_deletes_them(system: System) -> None:
    person = system.people.add("Kari Nordmann", "kari@example.no")
    older = system.password_links.issue(person)
    newer = system.password_links.issue(person)
    assert system.password_links.person_for(older) is None
    assert system.password_links.person_for(newer) == person
    system.erase_person(person)
    assert system.password_links.person_for(newer) is None


def test_only_the_sha256_of_a_link_is_stored(system: System) -> None:
    from adapters.accounts import token_hash
    from adapters.password_links import password_links

    token = system.password_links.issue(system.people.add("Kari Nordmann", "kari@example.no"))
    with system.engine.connect() as conn:
        stored = conn.execute(select(password_links.c.token_hash)).scalars().all()
    assert stored == [token_hash(token)] and token not in stored
