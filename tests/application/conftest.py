"""Application fixtures: the use cases on the in-memory (POPO) store — or, in the PostgreSQL
pass, a schema of their own (tests/stores.py) — with a facilitator acting."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from uuid import UUID, uuid4

import pytest

from domain.context import Acting, acting_as
from domain.usecases import Samverkan
from tests.stores import app_env


@pytest.fixture
def app() -> Iterator[Samverkan]:
    # Explicit, so that a PERSISTENCE_MODULE set for integration tests never leaks in here.
    app = Samverkan(env=app_env())
    yield app
    app.close()


@pytest.fixture
def facilitator() -> str:
    return str(uuid4())


@pytest.fixture(autouse=True)
def acting(facilitator: str) -> Iterator[Acting]:
    with acting_as(facilitator) as acting:
        yield acting


@pytest.fixture
def plan_id(app: Samverkan) -> UUID:
    return app.start_plan("Servicepunkt Byn", "Byn", 2025, 2027).aggregate_id


@pytest.fixture
def actors(app: Samverkan, plan_id: UUID) -> dict[str, str]:
    return {key: app.add_actor(plan_id, name, sector).entity_id for key, name, sector in [
        ("kommun", "Byns kommun", "public"), ("shop", "Byns lanthandel", "private"),
        ("association", "Byalaget", "voluntary"), ("region", "Region Norr", "public")]}


@pytest.fixture
def budget_id(app: Samverkan, plan_id: UUID) -> UUID:
    return app.create_budget(plan_id, "Servicepunkt 2025-2027").aggregate_id


@pytest.fixture
def line_id(app: Samverkan, budget_id: UUID) -> str:
    return app.add_line(budget_id, "Lokalhyra", "premises", {2025: 1_000_000}).entity_id


@pytest.fixture
def representative(app: Samverkan, plan_id: UUID, actors: dict[str, str]
                   ) -> Callable[[str], AbstractContextManager[Acting]]:
    """`with representative("kommun"):` acts as a new member representing that organisation."""
    def as_representative(key: str) -> AbstractContextManager[Acting]:
        person = str(uuid4())
        app.add_member(plan_id, person, "representative", actors[key])
        return acting_as(person, actors[key])

    return as_representative
