"""Systems on a real SQLite file and (where the machine has it; always in CI) PostgreSQL.

`settings` gives both stores in the SQLite pass and PostgreSQL alone in the PostgreSQL pass
(tests/stores.py); `store_settings` is the store of the run; `sqlite_settings` and
`pg_settings` are the one store each, for the tests about that store.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from adapters.bootstrap import System, bootstrap
from adapters.settings import Settings
from tests import stores
from tests.stores import PG_URL

__all__ = ["PG_URL", "require_postgres"]


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
    if (os.environ.get("SAMVERKAN_REQUIRE_SERVICES") or os.environ.get("CI") == "true"
            or stores.on_postgres()):
        pytest.fail(f"PostgreSQL is required here but {PG_URL} does not answer.")
    pytest.skip("PostgreSQL is not running on this machine.")


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var")


@pytest.fixture
def pg_settings(tmp_path: Path) -> Settings:
    """A throw-away schema per test, so tests never see each other's events."""
    require_postgres()
    return stores.postgres_settings(tmp_path / "var")


@pytest.fixture
def store_settings(tmp_path: Path) -> Settings:
    """The run's store."""
    if stores.on_postgres():
        require_postgres()
    return stores.store_settings(tmp_path / "var")


@pytest.fixture(params=["postgres"] if stores.on_postgres() else ["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest) -> Settings:
    """Run a test against both stores (in the PostgreSQL pass, PostgreSQL alone)."""
    name = "sqlite_settings" if request.param == "sqlite" else "pg_settings"
    return request.getfixturevalue(name)


@pytest.fixture
def system(settings: Settings) -> Iterator[System]:
    built = bootstrap(settings)
    try:
        yield built
    finally:
        built.close()
