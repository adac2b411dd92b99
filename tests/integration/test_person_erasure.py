"""System.erase_person: personal data goes from every store beside the log; the log is untouched."""

from __future__ import annotations

from typing import Any

from adapters.bootstrap import System
from adapters.demo import load_demo
from domain.plans import Plan
from projections import queries

PASSWORD = "erasure-test-password"


def _log(system: System) -> list[tuple[Any, ...]]:
    """Every stored event, as stored (ids, versions, topics, serialised state)."""
    notifications = system.app.recorder.select_notifications(start=1, limit=100_000)
    return [(n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state))
            for n in notifications]


def test_erasing_a_person_removes_their_personal_data_and_leaves_the_log_as_it_was(
        system: System) -> None:
    system.start()
    demo = load_demo(system.app, system.people, system.accounts, PASSWORD)
    system.projections.wait(system.app.recorder.max_notification_id(), timeout=10)
    erik = next(p for p in demo.people if p.name == "Erik Lindqvist")
    anna = next(p for p in demo.people if p.name == "Anna Berg")
    session = system.accounts.open_session(erik.person_id)
    _, secret = system.tokens.issue(erik.person_id, "script")
    log_before = _log(system)
    with system.engine.connect() as conn:
        history = [e for e in queries.audit_entries(conn, demo.plan_id, limit=1000)
                   if e["person_id"] == erik.person_id]
    assert history, "the demo has changes made by Erik"

    system.erase_person(erik.person_id)

    person = system.people.get(erik.person_id)
    assert person is not None and person.erased
    assert (person.name, person.email) == (None, None)
    assert person.display_name == f"erased person #{erik.person_id[:8]}"
    assert system.people.display_names([erik.person_id]) == {erik.person_id: person.display_name}
    assert system.people.by_email(erik.email) is None
    assert system.accounts.authenticate(erik.email, PASSWORD) is None
    assert not system.accounts.has_password(erik.person_id)
    assert system.accounts.session_person(session) is None
    assert system.tokens.person_for(secret) is None and system.tokens.of(erik.person_id) == []
    # Nothing in the log changed, and what it says still replays: Erik is a member by id.
    assert _log(system) == log_before
    plan = system.app.load(Plan, demo.plan_id)
    assert erik.person_id in plan.members
    with system.engine.connect() as conn:
        after = [e for e in queries.audit_entries(conn, demo.plan_id, limit=1000)
                 if e["person_id"] == erik.person_id]
    assert after == history
    # Everyone else is as before.
    assert system.accounts.authenticate(anna.email, PASSWORD) is not None
    assert system.people.get(anna.person_id).display_name == "Anna Berg"  # type: ignore[union-attr]


def test_erasing_twice_or_erasing_nobody_changes_nothing_more(system: System) -> None:
    system.start()
    person_id = system.accounts.register("Tove Test", "tove@example.org", PASSWORD)
    system.erase_person(person_id)
    system.erase_person(person_id)
    system.erase_person("00000000-0000-0000-0000-000000000000")
    assert system.people.get(person_id).erased  # type: ignore[union-attr]
    # The address is free again: the same person may come back with a new account.
    again = system.accounts.register("Tove Test", "tove@example.org", PASSWORD)
    assert again != person_id
