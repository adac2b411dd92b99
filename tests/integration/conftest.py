"""Systems on a real SQLite file and (where the machine has it; always in CI) PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from adapters.bootstrap import System, bootstrap
from adapters.settings import Settings

PG_URL = os.environ.get("SAMVERKAN_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_available() -> bool:
    try:
        engine = create_engine(Settings(database_url=PG_URL).views_url,
                               connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def require_postgres() -> None:
    if postgres_available():
        return
    if os.environ.get("SAMVERKAN_REQUIRE_SERVICES") or os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required here (CI) but {PG_URL} does not answer.")
    pytest.skip("PostgreSQL is not running on this machine.")


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var")


@pytest.fixture
def pg_settings() -> Iterator[Settings]:
    """A throw-away schema per test, so tests never see each other's events."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(Settings(database_url=PG_URL).views_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield Settings(database_url=PG_URL, pg_schema=schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest) -> Settings:
    """Run a test against both stores."""
    name = "sqlite_settings" if request.param == "sqlite" else "pg_settings"
    return request.getfixturevalue(name)


@pytest.fixture
def system(settings: Settings) -> Iterator[System]:
    built = bootstrap(settings)
    try:
        yield built
    finally:
        built.close()
