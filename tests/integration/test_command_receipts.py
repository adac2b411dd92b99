"""A command id's receipt belongs to whoever made it, and a re-sent command's receipt is the
first one exactly (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import create_engine, text

from adapters.bootstrap import System, bootstrap
from adapters.command_log import NEW_COLUMNS, TABLE
from adapters.settings import Settings
from domain.access import OBSERVER, REPRESENTATIVE
from domain.context import acting_as
from domain.errors import CommandIdTaken, NotAllowed
from domain.usecases import Samverkan
from tests.integration.scenario import plan_a_budget


def _events(system: System) -> int:
    return system.app.recorder.max_notification_id() or 0


def _twice(app: Samverkan, person: str, org: str | None, run: Callable[[Samverkan], Any]) -> tuple:
    command = str(uuid4())
    with acting_as(person, org, command):
        first = run(app)
    with acting_as(person, org, command):
        again = run(app)
    return first, again


#: One command of every kind a client can send over the socket, and more (use cases that create
#: an aggregate, save several together, or add an entity), each run twice with one command id.
COMMANDS: dict[str, Callable[[Samverkan, dict[str, str]], Any]] = {
    "add_line": lambda app, ids: app.add_line(ids["budget"], "Kaffehörna", amounts={2027: 5}),
    "add_line_with_id": lambda app, ids: app.add_line(ids["budget"], "PC", line_id=ids["new"]),
    "rename_line": lambda app, ids: app.rename_line(ids["budget"], ids["pc"], "Ny", 2),
    "recategorise_line": lambda app, ids: app.recategorise_line(ids["budget"], ids["pc"], "X", 1),
    "change_amount": lambda app, ids: app.change_amount(ids["budget"], ids["pc"], 2029, 9, 1),
    "set_share": lambda app, ids: app.set_share(ids["budget"], ids["pc"], ids["shop"], 100, 0),
    "move_line": lambda app, ids: app.move_line(ids["budget"], ids["rent"], 1),
    "remove_line": lambda app, ids: app.remove_line(ids["budget"], ids["rent"]),
    "undo": lambda app, ids: app.undo_last_change(ids["budget"]),
    "set_line_kind": lambda app, ids: app.set_line_kind(ids["budget"], ids["pc"], "income", 1),
    "add_budget_year": lambda app, ids: app.add_budget_year(ids["budget"], 2030),
    "remove_actor": lambda app, ids: app.remove_actor(ids["plan"], ids["spare"]),
    "unchanged": lambda app, ids: app.change_amount(ids["budget"], ids["pc"], 2028, 1_500_000),
    "add_actor": lambda app, ids: app.add_actor(ids["plan"], "Byalaget", "voluntary"),
    "start_plan": lambda app, ids: app.start_plan("Plan B", "By", 2027, 2028),
    "create_budget": lambda app, ids: app.create_budget(ids["plan"], "Budget B"),
    "record_decision": lambda app, ids: app.record_decision(
        ids["plan"], date(2026, 3, 1), "Beslut", "Text", [ids["person"]]),
}


@pytest.mark.parametrize("kind", sorted(COMMANDS))
def test_a_resent_command_gets_the_first_receipt_exactly_but_duplicate(
        system: System, kind: str) -> None:
    ids = {**plan_a_budget(system.app, edits=0), "new": str(uuid4())}
    with acting_as(ids["person"]):
        ids["spare"] = system.app.add_actor(ids["plan"], "Ingen alls", "private").entity_id
    if kind == "remove_actor":
        system.start()  # removing an organisation asks the read models, which follow the log
    first, again = _twice(system.app, ids["person"], ids["kommun"],
                          lambda app: COMMANDS[kind](app, ids))
    assert not first.duplicate and again.duplicate
    assert replace(again, duplicate=False) == first
    if kind in ("rename_line", "change_amount", "set_share"):
        assert again.field_version is not None and again.positions
    if kind.startswith("add_line"):
        assert again.entity_id is not None
    if kind == "remove_actor":
        assert again.effect == "removed"


def test_a_resent_undo_or_redo_says_again_what_it_undid_redid_and_skipped(system: System) -> None:
    app = system.app
    ids = plan_a_budget(app, edits=0)
    erik = _member(app, ids, REPRESENTATIVE)
    with acting_as(ids["person"], ids["kommun"]):
        app.change_amount(ids["budget"], ids["pc"], 2029, 100)
    with acting_as(erik):
        app.change_amount(ids["budget"], ids["pc"], 2029, 200)  # overwrites it
    undone, undone_again = _twice(app, ids["person"], ids["kommun"],
                                  lambda a: a.undo_last_change(ids["budget"]))
    assert undone.skipped and undone.skipped[0]["reason_code"] == "changed_since"
    assert undone.undone["type"] == "LineItemChanged"  # the rename before it
    assert replace(undone_again, duplicate=False) == undone
    redone, redone_again = _twice(app, ids["person"], ids["kommun"],
                                  lambda a: a.redo_last_undo(ids["budget"]))
    assert ({k: redone.redone[k] for k in ("version", "type", "line_id", "field")}
            == {k: undone.undone[k] for k in ("version", "type", "line_id", "field")})
    assert replace(redone_again, duplicate=False) == redone


def _member(app: Samverkan, ids: dict[str, str], role: str) -> str:
    person = str(uuid4())
    with acting_as(ids["person"]):
        app.add_member(ids["plan"], person, role, ids["shop"] if role == REPRESENTATIVE else None)
    return person


def test_another_members_replay_of_a_command_id_is_refused_and_stores_nothing(
        system: System) -> None:
    app = system.app
    ids = plan_a_budget(app, edits=0)
    command = str(uuid4())
    with acting_as(ids["person"], ids["kommun"], command):
        app.change_amount(ids["budget"], ids["pc"], 2029, 100, expected_version=1)
    erik, observer = _member(app, ids, REPRESENTATIVE), _member(app, ids, OBSERVER)
    stored = _events(system)
    with acting_as(erik, ids["shop"], command), pytest.raises(CommandIdTaken) as taken:
        app.change_amount(ids["budget"], ids["pc"], 2027, 555)
    assert taken.value.code == "command_id_taken" and taken.value.details["command_id"] == command
    with acting_as(observer, None, command), pytest.raises(NotAllowed):  # the right comes first
        app.change_amount(ids["budget"], ids["pc"], 2029, 100, expected_version=1)
    assert _events(system) == stored


def test_a_command_id_of_one_plan_is_refused_in_another_plan_even_to_its_maker(
        system: System) -> None:
    app = system.app
    ids = plan_a_budget(app, edits=0)
    other = plan_a_budget(app, edits=0)
    with acting_as(other["person"]):
        app.add_member(other["plan"], ids["person"], "facilitator", other["kommun"])
    command = str(uuid4())
    with acting_as(ids["person"], ids["kommun"], command):
        app.change_amount(ids["budget"], ids["pc"], 2029, 100)
    stored = _events(system)
    with acting_as(ids["person"], other["kommun"], command), pytest.raises(CommandIdTaken):
        app.change_amount(other["budget"], other["pc"], 2029, 100)
    with acting_as(ids["person"], ids["kommun"], command), pytest.raises(CommandIdTaken):
        app.change_plan_details(ids["plan"], "Nytt namn", "By")  # nor for another aggregate…
    with acting_as(ids["person"], ids["kommun"], command), pytest.raises(CommandIdTaken):
        app.create_budget(other["plan"], "Budget C")  # …nor for a new one in another plan
    assert _events(system) == stored


def test_the_right_is_checked_before_a_makers_own_receipt_is_returned(system: System) -> None:
    app = system.app
    ids = plan_a_budget(app, edits=0)
    erik = _member(app, ids, REPRESENTATIVE)
    command = str(uuid4())
    with acting_as(erik, ids["shop"], command):
        app.change_amount(ids["budget"], ids["pc"], 2029, 100)
    with acting_as(ids["person"]):
        app.remove_member(ids["plan"], erik)
    with acting_as(erik, ids["shop"], command), pytest.raises(NotAllowed):
        app.change_amount(ids["budget"], ids["pc"], 2029, 100)


# ---- stores made before owners were kept ---------------------------------------------------


OLD_TABLE = (f"CREATE TABLE {TABLE} (command_id TEXT PRIMARY KEY, originator_id TEXT NOT NULL, "
             "originator_version INTEGER NOT NULL, events INTEGER NOT NULL)")


def _columns(system: System) -> set[str]:
    recorder = system.app.recorder
    if system.settings.uses_postgres:
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute("SELECT column_name FROM information_schema.columns WHERE table_schema "
                         "= %s AND table_name = %s", (recorder.datastore.schema, TABLE))
            return {row["column_name"] for row in curs.fetchall()}
    with recorder.datastore.transaction(commit=False) as c:
        c.execute(f"PRAGMA table_info({TABLE})")
        return {row["name"] for row in c.fetchall()}


def _make_old_store(settings: Settings, command: str) -> None:
    """A command log as the first release made it, with one command in it (no owner)."""
    row = (command, uuid4(), 3, 1)
    if settings.uses_postgres:
        engine = create_engine(settings.views_url, **settings.views_engine_options)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE TABLE "{settings.pg_schema}".{TABLE} (command_id text '
                              "PRIMARY KEY, originator_id uuid NOT NULL, originator_version "
                              "bigint NOT NULL, events integer NOT NULL)"))
            conn.execute(text(f'INSERT INTO "{settings.pg_schema}".{TABLE} VALUES '
                              "(:c, :o, :v, :e)"), dict(zip("cove", row, strict=True)))
        engine.dispose()
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(settings.events_path) as db:
        db.execute(OLD_TABLE)
        db.execute(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?)", (row[0], row[1].hex, 3, 1))


def test_a_store_made_before_owners_were_kept_gets_the_new_columns_and_works(
        settings: Settings) -> None:
    old_command = str(uuid4())
    _make_old_store(settings, old_command)
    system = bootstrap(settings)
    try:
        assert set(NEW_COLUMNS) <= _columns(system)
        ids = plan_a_budget(system.app, edits=0)
        first, again = _twice(system.app, ids["person"], ids["kommun"], lambda app: app.change_amount(
            ids["budget"], ids["pc"], 2029, 5, 1))
        assert replace(again, duplicate=False) == first
        with acting_as(ids["person"], ids["kommun"], old_command), pytest.raises(CommandIdTaken):
            system.app.change_amount(ids["budget"], ids["pc"], 2029, 6)  # nobody's to repeat
    finally:
        system.close()
    bootstrap(settings).close()  # and starting again on the upgraded store changes nothing
