"""A running Samverkan on the run's store (tests/stores.py), with the demo plan loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from adapters.bootstrap import System, bootstrap
from adapters.demo import DemoPlan, load_demo
from tests.e2e.auth_helpers import DEMO_PASSWORD
from tests.stores import cloned_store, store_settings
from web.app import create_app
from web.live import live


def _load_demo(folder: Path) -> DemoPlan:
    system = bootstrap(store_settings(folder, demo_password=DEMO_PASSWORD))
    try:
        system.start()
        demo = load_demo(system.app, system.people, system.accounts, DEMO_PASSWORD)
        system.projections.wait(system.app.recorder.max_notification_id(), timeout=10)
        return demo
    finally:
        system.close()


@pytest.fixture
def demo_system(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The demo, loaded once per run and copied for each test (each test may change it)."""
    demo = cloned_store("demo", tmp_path / "var", _load_demo, tmp_path_factory)
    system = bootstrap(store_settings(tmp_path / "var", demo_password=DEMO_PASSWORD))
    system.start()
    system.extras["demo"] = demo
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
