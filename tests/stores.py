"""Which store the suite runs on: SQLite files (the default) or PostgreSQL for the whole run.

`SAMVERKAN_TEST_STORE=postgres ./scripts/test tests/e2e` runs the same tests on PostgreSQL
(`./scripts/test` does it in CI after the SQLite pass). A test names a data folder, as it
always has; on PostgreSQL that folder gets a schema of its own (or, for a cloned demo, a
database of its own) whose name starts with a prefix drawn once per run, so tests never see
each other's events, and two runs on one server never meet. The fixture `drop_test_stores`
(tests/conftest.py) drops them after each test.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import Engine

from adapters.settings import Settings

STORE = os.environ.get("SAMVERKAN_TEST_STORE") or "sqlite"
if STORE not in ("sqlite", "postgres"):
    raise ValueError(f"SAMVERKAN_TEST_STORE takes sqlite or postgres (got {STORE!r}).")
PG_URL = os.environ.get("SAMVERKAN_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
#: Every schema and database this run makes starts with it (a letter first: a valid identifier).
RUN = f"t{secrets.token_hex(4)}"
#: The schema inside each cloned demo database (a database keeps its schemas when cloned).
CLONED_SCHEMA = "samverkan"
STORE_VARIABLES = ("SAMVERKAN_DATA", "SAMVERKAN_DATABASE_URL", "SAMVERKAN_PG_SCHEMA")

if STORE == "postgres":
    # Every session of the run (this process and the servers it starts inherit libpq's
    # variables): named, so a test that leaves sessions open can be told apart; and without
    # waiting for each commit to reach the disk, which only a crash of the server itself
    # would show (no test crashes it), and which halves the time of the PostgreSQL pass.
    os.environ["PGAPPNAME"] = RUN
    os.environ["PGOPTIONS"] = " ".join(filter(None, (os.environ.get("PGOPTIONS"),
                                                     "-c synchronous_commit=off")))


def on_postgres() -> bool:
    return STORE == "postgres"


@dataclass(frozen=True)
class _Place:
    url: str
    schema: str
    database: str | None = None  # set when the test has a database of its own (a cloned demo)


_places: dict[Path, _Place] = {}  # data folder -> where its store lives, for the running test
_counter = iter(range(1, 10**9))
_used_postgres = False


def _admin(url: str = PG_URL) -> Any:
    import psycopg

    global _used_postgres
    _used_postgres = True
    return psycopg.connect(_libpq(url), autocommit=True, connect_timeout=5)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _place(folder: Path) -> _Place:
    key = folder.resolve()
    if key not in _places:
        schema = f"{RUN}_{next(_counter)}"
        with _admin() as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        _places[key] = _Place(PG_URL, schema)
    return _places[key]


def store_settings(folder: Path, **changes: Any) -> Settings:
    """Settings for the store of the data folder `folder` (its own schema on PostgreSQL)."""
    if not on_postgres():
        return Settings(data_dir=folder, **changes)
    return postgres_settings(folder, **changes)


def postgres_settings(folder: Path, **changes: Any) -> Settings:
    """Settings for a PostgreSQL schema of `folder`'s own, whatever store the run is on."""
    place = _place(folder)
    return Settings(data_dir=folder, database_url=place.url, pg_schema=place.schema, **changes)


def app_env() -> dict[str, str]:
    """An event store of its own for an application-level test: in memory, or on PostgreSQL a
    new schema. Close the application when done (on PostgreSQL it holds a pool of sessions)."""
    if not on_postgres():
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    return store_settings(_nowhere()).event_store_env()


def views_engine() -> Engine:
    """A read-model database of its own: SQLite in memory, or on PostgreSQL a new schema.
    Dispose of it when done."""
    from sqlalchemy.pool import StaticPool

    from adapters.db import make_engine

    if not on_postgres():
        return make_engine("sqlite://", poolclass=StaticPool)
    settings = store_settings(_nowhere())
    return make_engine(settings.views_url, **settings.views_engine_options)


def _nowhere() -> Path:
    """A data folder name no file is ever made in: the key of a store that lives in the server."""
    return Path(f"/nonexistent/{RUN}/{next(_counter)}")


def store_env(folder: Path) -> dict[str, str]:
    """The variables that point a `samverkan` process at the store of `folder`."""
    env = {"SAMVERKAN_DATA": str(folder)}
    if on_postgres():
        place = _place(folder)
        env.update(SAMVERKAN_DATABASE_URL=place.url, SAMVERKAN_PG_SCHEMA=place.schema)
    return env


def environment_for(folder: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (the test's own environment by default) with its store variables for `folder`."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in STORE_VARIABLES}
    return {**env, **store_env(folder)}


def point_environment_at(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make `Settings.from_env()` in this process find the store of `folder`."""
    for name in STORE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in store_env(folder).items():
        monkeypatch.setenv(name, value)


def made_so_far() -> set[Path]:
    return set(_places)


def drop_stores(keep: set[Path] | frozenset[Path] = frozenset()) -> None:
    """Drop every schema and database made since, except those of the folders in `keep`
    (made for a fixture that outlives the test, such as a module's shared server)."""
    places = [place for folder, place in _places.items() if folder not in keep]
    for folder in set(_places) - set(keep):
        del _places[folder]
    if not places:
        return
    with _admin() as conn:
        for place in places:
            if place.database:
                # FORCE ends what is still connected (a server the test killed may linger).
                conn.execute(f'DROP DATABASE IF EXISTS "{place.database}" WITH (FORCE)')
            else:
                conn.execute(f'DROP SCHEMA IF EXISTS "{place.schema}" CASCADE')


def drop_run() -> None:
    """At the end of the run: drop what is left under this run's prefix (the demo templates)."""
    if not _used_postgres:
        return
    drop_stores()
    with _admin() as conn:
        for (name,) in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                    (f"{RUN}\\_%",)).fetchall():
            conn.execute(f'ALTER DATABASE "{name}" IS_TEMPLATE false')
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        for (name,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                                    (f"{RUN}\\_%",)).fetchall():
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


_templates: dict[str, tuple[Path, Any]] = {}


def cloned_store(name: str, folder: Path, fill: Callable[[Path], Any],
                 tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Give `folder` a copy of a store that `fill(template_folder)` fills once per run.

    SQLite copies the data folder; PostgreSQL fills a database of its own once and clones it
    per test with CREATE DATABASE … TEMPLATE, a file copy inside the server. `fill` must close
    everything it opened (a template with a session left on it cannot be cloned). Returns what
    `fill` returned (e.g. the ids of the demo plan)."""
    if name not in _templates:
        template = tmp_path_factory.mktemp(name) / "var"
        if on_postgres():
            database = f"{RUN}_{name}"
            with _admin() as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
            url = _with_database(PG_URL, database)
            with _admin(url) as conn:
                conn.execute(f'CREATE SCHEMA "{CLONED_SCHEMA}"')
            _places[template.resolve()] = _Place(url, CLONED_SCHEMA)
            try:
                made = fill(template)
            finally:
                _places.pop(template.resolve(), None)
            with _admin() as conn:
                conn.execute(f'ALTER DATABASE "{database}" IS_TEMPLATE true')
        else:
            made = fill(template)
        _templates[name] = (template, made)
    template, made = _templates[name]
    if on_postgres():
        database = f"{RUN}_{next(_counter)}"
        with _admin() as conn:
            conn.execute(f'CREATE DATABASE "{database}" TEMPLATE "{RUN}_{name}"')
        _places[folder.resolve()] = _Place(_with_database(PG_URL, database), CLONED_SCHEMA, database)
        folder.mkdir(parents=True, exist_ok=True)
        for file in template.glob("*"):  # what the folder holds besides the store (a secret key)
            if file.is_file():
                shutil.copy2(file, folder / file.name)
    else:
        shutil.copytree(template, folder, dirs_exist_ok=True)
    return made


# -- reading and changing a store behind the application's back ------------------------------


def events_table(settings: Settings) -> tuple[str, str]:
    """The events table of the store and its position column."""
    if settings.uses_postgres:
        return "samverkan_events", "notification_id"
    return "stored_events", "rowid"


def _events_engine(settings: Settings) -> Engine:
    if settings.uses_postgres:
        return create_engine(settings.views_url, **settings.views_engine_options)
    return create_engine(f"sqlite:///{settings.events_path.resolve()}",
                         connect_args={"timeout": 10})


@contextmanager
def event_log(settings: Settings) -> Iterator[Connection]:
    """A connection (in a transaction, committed at the end) to the store's events table; a
    test may change rows through it as someone with write access to the database could."""
    engine = _events_engine(settings)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def stored_events(settings: Settings) -> list[tuple[int, str, int, str, bytes]]:
    """(position, originator id, version, topic, state) of every stored event, in order."""
    table, position = events_table(settings)
    with event_log(settings) as conn:
        rows = conn.execute(text(  # nosec B608 (our own table names)
            f"SELECT {position}, originator_id, originator_version, topic, state "
            f"FROM {table} ORDER BY {position}")).all()
    return [(p, str(o).replace("-", ""), v, t, bytes(s)) for p, o, v, t, s in rows]


def every_row(settings: Settings) -> list[tuple[Any, ...]]:
    """Every row of every table of the store: its events, read models and people."""
    engines = [_events_engine(settings)]
    if not settings.uses_postgres:
        engines.append(create_engine(settings.views_url))
    rows: list[tuple[Any, ...]] = []
    try:
        for engine in engines:
            with engine.connect() as conn:
                schema = settings.pg_schema if settings.uses_postgres else None
                for table in inspect(conn).get_table_names(schema=schema):
                    rows += [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{table}"'))]  # nosec B608
    finally:
        for engine in engines:
            engine.dispose()
    return rows
