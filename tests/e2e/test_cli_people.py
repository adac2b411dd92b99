"""`samverkan people list` and `samverkan people erase EMAIL_OR_ID`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from adapters.bootstrap import System, bootstrap
from adapters.settings import Settings
from tests.stores import point_environment_at, stored_events
from web.cli import cli

ERIK = "erik.lindqvist@region.example.se"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A data folder with the demo plan, as `samverkan demo` leaves it."""
    point_environment_at(monkeypatch, tmp_path / "var")
    assert CliRunner().invoke(cli, ["demo"]).exit_code == 0
    return Settings.from_env()


@pytest.fixture
def system(settings: Settings) -> Iterator[System]:
    built = bootstrap(settings)
    try:
        yield built
    finally:
        built.close()


def _run(*args: str, answer: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["people", *args], input=answer)


def _event_log_digest(settings: Settings) -> str:
    rows = stored_events(settings)
    assert rows
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _erik_id(system: System) -> str:
    return system.people.by_email(ERIK).id  # type: ignore[union-attr]


def test_list_shows_every_person_with_id_name_and_email(system: System) -> None:
    result = _run("list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 7
    erik = next(line for line in lines if ERIK in line)
    assert erik.startswith(_erik_id(system)) and "Erik Lindqvist" in erik
    assert "erased" not in result.output


def test_erase_asks_first_and_a_no_changes_nothing(settings: Settings, system: System) -> None:
    result = _run("erase", ERIK, answer="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert "Erik Lindqvist <erik.lindqvist@region.example.se>" in result.output
    assert not system.people.by_email(ERIK).erased  # type: ignore[union-attr]
    assert system.accounts.authenticate(ERIK, settings.demo_password) is not None


def test_erase_by_email_removes_the_personal_data_and_leaves_the_log_unchanged(
        settings: Settings, system: System) -> None:
    erik = _erik_id(system)
    session = system.accounts.open_session(erik)
    _, secret = system.tokens.issue(erik, "script")
    before = _event_log_digest(settings)

    result = _run("erase", ERIK.upper(), answer="y\n")

    assert result.exit_code == 0, result.output
    assert (f"Erased person #{erik[:8]}: name, e-mail, password, sessions and API tokens removed; "
            "the event log is unchanged.") in result.output
    assert _event_log_digest(settings) == before
    assert system.people.get(erik).display_name == f"erased person #{erik[:8]}"  # type: ignore[union-attr]
    assert system.accounts.authenticate(ERIK, settings.demo_password) is None
    assert system.accounts.session_person(session) is None
    assert system.tokens.person_for(secret) is None
    listed = next(line for line in _run("list").output.splitlines() if line.startswith(erik))
    assert listed.split() == [erik, "erased"]


def test_erase_by_id_or_its_first_eight_characters_with_yes_does_not_ask(system: System) -> None:
    anna = system.people.by_email("anna.berg@ljusdal.example.se").id  # type: ignore[union-attr]
    result = _run("erase", anna[:8], "--yes")
    assert result.exit_code == 0 and "[y/N]" not in result.output
    assert system.people.get(anna).erased  # type: ignore[union-attr]
    gunnar = system.people.by_email("gunnar.persson@ljusdal.example.se").id  # type: ignore[union-attr]
    assert _run("erase", gunnar, "--yes").exit_code == 0
    assert system.people.get(gunnar).erased  # type: ignore[union-attr]


def test_erase_refuses_an_unknown_or_already_erased_person(system: System) -> None:
    unknown = _run("erase", "nobody@example.org", "--yes")
    assert unknown.exit_code != 0 and "No person has the e-mail address or id" in unknown.output
    too_short = _run("erase", _erik_id(system)[:4], "--yes")
    assert too_short.exit_code != 0 and "No person" in too_short.output
    assert _run("erase", ERIK, "--yes").exit_code == 0
    again = _run("erase", _erik_id_after(system), "--yes")
    assert again.exit_code != 0 and "already erased" in again.output


def _erik_id_after(system: System) -> str:
    """Once erased, Erik is found by id only (his e-mail address is gone)."""
    return next(p.id for p in system.people.all() if p.erased)
