"""Settings for the whole suite, and the store it runs on (tests/stores.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# argon2id with its cheapest parameters: hundreds of sign-ins per run would otherwise take
# minutes. The hash format and the checks are the same; production uses RFC 9106's profile.
os.environ.setdefault("SAMVERKAN_ARGON2_PROFILE", "CHEAPEST")

from tests import stores


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, leave out the tests that are about SQLite itself (they ran in the SQLite
    pass); each must say why it is one."""
    kept, left = [], []
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None and not (marker.args or marker.kwargs.get("reason")):
            raise pytest.UsageError(f"{item.nodeid}: sqlite_only needs a reason")
        (left if marker is not None and stores.on_postgres() else kept).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str:
    return f"store: {stores.STORE}" + (f" ({stores.PG_URL}, prefix {stores.RUN})"
                                       if stores.on_postgres() else "")


@pytest.fixture(autouse=True)
def drop_test_stores() -> Iterator[None]:
    """The schemas and databases a test made on PostgreSQL go when it ends (those of wider
    fixtures, set up before it, at the end of the run)."""
    before = stores.made_so_far()
    yield
    stores.drop_stores(keep=before)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stores.drop_run()
