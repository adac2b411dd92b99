"""The read-model schema comes from Alembic migrations, and the migrations equal the models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from adapters import schema
from adapters.bootstrap import bootstrap
from adapters.db import make_engine
from adapters.people import metadata as people_metadata
from adapters.settings import Settings
from projections.tables import metadata as views_metadata
from tests.stores import store_settings

ROOT = Path(__file__).resolve().parents[2]


def _engine(settings: Settings) -> Engine:
    if not settings.uses_postgres:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.views_url, **settings.views_engine_options)


def test_migrated_schema_equals_the_models(settings: Settings) -> None:
    engine = _engine(settings)
    try:
        schema.upgrade(engine)
        assert schema.current(engine) == schema.head()
        assert schema.differences(engine) == []
    finally:
        engine.dispose()


def test_bootstrap_brings_a_fresh_database_to_the_newest_revision(settings: Settings) -> None:
    system = bootstrap(settings)
    try:
        assert schema.current(system.engine) == schema.head()
        assert schema.differences(system.engine) == []
    finally:
        system.close()


def test_a_column_the_migrations_lack_is_a_difference(settings: Settings) -> None:
    """The comparison can fail: a schema that drifted from the models shows it."""
    engine = _engine(settings)
    try:
        schema.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE plan_view ADD COLUMN stray INTEGER"))
        assert any("stray" in repr(d) for d in schema.differences(engine))
    finally:
        engine.dispose()


def test_upgrading_again_changes_nothing(settings: Settings) -> None:
    engine = _engine(settings)
    try:
        schema.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO people (id, name) VALUES ('p1', 'Anna')"))
        schema.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM people")).scalar() == "Anna"
    finally:
        engine.dispose()


def test_a_database_from_before_migrations_keeps_its_people_and_is_stamped(tmp_path: Path) -> None:
    engine = _engine(store_settings(tmp_path / "var"))
    try:
        people_metadata.create_all(engine)  # as every version before the migrations did
        views_metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO people (id, name) VALUES ('p1', 'Anna')"))
        schema.upgrade(engine)
        assert schema.current(engine) == schema.head()
        assert schema.differences(engine) == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM people")).scalar() == "Anna"
    finally:
        engine.dispose()


def test_downgrading_to_nothing_removes_every_table_the_migrations_own(tmp_path: Path) -> None:
    engine = _engine(store_settings(tmp_path / "var"))
    try:
        schema.upgrade(engine)
        schema.upgrade_to_base(engine)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SAMVERKAN_DATABASE_URL", "SAMVERKAN_PG_SCHEMA")}
    env["SAMVERKAN_DATA"] = str(settings.data_dir)
    if settings.uses_postgres:
        env.update(SAMVERKAN_DATABASE_URL=settings.database_url or "",
                   SAMVERKAN_PG_SCHEMA=settings.pg_schema or "")
    return env


def test_processes_upgrading_together_take_turns(settings: Settings, tmp_path: Path) -> None:
    """`samverkan db upgrade` in four processes at once on a fresh database (PostgreSQL's advisory
    lock, a lock file for SQLite): all succeed, none fails on a table another has just made."""
    if not settings.uses_postgres:
        settings = Settings(data_dir=tmp_path / "shared")
    env = _env(settings)
    runs = [subprocess.Popen([sys.executable, "-m", "web.entry", "db", "upgrade"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)]
    outcomes = [(run.wait(timeout=120), *run.communicate()) for run in runs]
    assert [code for code, _, _ in outcomes] == [0, 0, 0, 0], outcomes
    assert sum("Upgraded the schema from revision (none)" in out for _, out, _ in outcomes) == 1
    engine = _engine(settings)
    try:
        assert schema.current(engine) == schema.head()
        assert schema.differences(engine) == []
    finally:
        engine.dispose()


def test_db_current_says_whether_the_database_is_behind(tmp_path: Path) -> None:
    env = _env(store_settings(tmp_path / "var"))
    behind = subprocess.run([sys.executable, "-m", "web.entry", "db", "current"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert behind.returncode == 1 and f"newest {schema.head()}" in behind.stdout
    subprocess.run([sys.executable, "-m", "web.entry", "db", "upgrade"], cwd=ROOT, env=env,
                   capture_output=True, timeout=60, check=True)
    current = subprocess.run([sys.executable, "-m", "web.entry", "db", "current"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60, check=False)
    assert current.returncode == 0 and current.stdout.startswith(f"revision {schema.head()}")
