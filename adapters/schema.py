"""The read-model schema (views, hash chain, people and accounts) under Alembic migrations.

Every process brings its database to the newest revision at start (`bootstrap`), and
`samverkan db upgrade` does the same as a release step; nothing calls `create_all` on a live
database. On PostgreSQL an advisory lock makes processes that start together take turns, so one
migrates and the others find it done. A database made before migrations existed (tables but no
`alembic_version`) is first brought to the initial revision's shape the way older versions did,
then stamped, so an existing installation upgrades without a rebuild of its people or accounts.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine

import adapters.accounts
import adapters.first_run
import adapters.invitations
import adapters.password_links
import adapters.tokens  # noqa: F401 - each module adds its tables to the people metadata
import projections.decisions  # noqa: F401 - adds decision_view to the views' metadata
from adapters.people import metadata as people_metadata
from projections.chain import chain_metadata
from projections.tables import metadata as views_metadata

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
INITIAL = "0001"
#: Every table the migrations own (the event store's tables belong to eventsourcing).
TARGET: list[MetaData] = [views_metadata, chain_metadata, people_metadata]
OWNED = frozenset(t for m in TARGET for t in m.tables)
_IN_PROCESS = threading.Lock()
LOCK_KEY = 0x5A4D_1E01  # pg_advisory_xact_lock key: "samverkan migrations"


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head() or ""


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema to `revision` (the newest by default); a no-op when it is there.
    Returns the revisions before and after (read while holding the turn)."""
    # Alembic says a few lines at INFO on every run (plugins, DDL mode): one line of ours instead.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # alembic's `context` is one module-wide proxy: one migration at a time in a process, too.
    with _IN_PROCESS, _one_at_a_time(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        before = MigrationContext.configure(conn).get_current_revision()
        if _predates_migrations(conn):
            _adopt(conn)
        command.upgrade(config(conn), revision)
        after = MigrationContext.configure(conn).get_current_revision()
    if after != before:
        log.info("upgraded the read-model schema from revision %s to %s", before or "(none)", after)
    return before, after


@contextmanager
def _one_at_a_time(engine: Engine) -> Iterator[None]:
    """SQLite: processes starting together on one folder take turns on a lock file beside the
    database (PostgreSQL's turn is the advisory lock inside the migration's transaction)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    with open(Path(database).with_name(Path(database).name + ".migrating"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade_to_base(engine: Engine) -> None:
    """Undo every revision (tests and a development reset; the event log stays)."""
    with engine.begin() as conn:
        command.downgrade(config(conn), "base")


def differences(engine: Engine) -> list[object]:
    """What the database's schema lacks or has beyond the models (empty when they agree)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_name": include_name})
        return compare_metadata(context, TARGET)


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Only our tables: the event store's, in the same database, belong to eventsourcing."""
    return type_ != "table" or name in OWNED


def _predates_migrations(conn: Connection) -> bool:
    tables = set(inspect(conn).get_table_names())
    return "alembic_version" not in tables and bool(tables & {"people", "view_tracking"})


def _adopt(conn: Connection) -> None:
    """An installation from before migrations: views whose shape differs from the initial
    revision's are dropped (catching up rebuilds them from the log); then what is missing is
    added, as `create_all` did then, and the database is recorded as at the initial revision."""
    inspector = inspect(conn)
    existing = set(inspector.get_table_names())
    reshaped = any(table.name in existing and {c["name"] for c in inspector.get_columns(table.name)}
                   != set(table.columns.keys()) for table in views_metadata.sorted_tables)
    if reshaped:
        views_metadata.drop_all(conn)
    for metadata in TARGET:
        metadata.create_all(conn)
        for table in metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)
    command.stamp(config(conn), INITIAL)
