"""A running Samverkan on a SQLite file, with the demo plan loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from adapters.bootstrap import System, bootstrap
from adapters.demo import DemoPlan, load_demo
from adapters.settings import Settings
from tests.e2e.auth_helpers import DEMO_PASSWORD
from web.app import create_app
from web.live import live


@pytest.fixture
def demo_system(tmp_path: Path) -> Iterator[System]:
    system = bootstrap(Settings(data_dir=tmp_path / "var", demo_password=DEMO_PASSWORD))
    system.start()
    system.extras["demo"] = load_demo(system.app, system.people, system.accounts, DEMO_PASSWORD)
    system.projections.wait(system.app.recorder.max_notification_id(), timeout=10)
    try:
        yield system
    finally:
        system.close()


@pytest.fixture
def demo(demo_system: System) -> DemoPlan:
    return demo_system.extras["demo"]


@pytest.fixture
def app(demo_system: System) -> Flask:
    return create_app({"SYSTEM": demo_system, "TESTING": True, "SECRET_KEY": "test"})


@pytest.fixture
def running(app: Flask) -> Iterator[Flask]:
    """The app with its live layer running (changes reach socket test clients)."""
    with app.app_context():
        live().start()
    yield app
    with app.app_context():
        live().stop()
