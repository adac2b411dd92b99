"""Unit fixtures: aggregates called directly, with a facilitator acting for the whole test."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from domain.budgets import Budget
from domain.context import Acting, acting_as
from domain.plans import Plan


@pytest.fixture
def facilitator() -> str:
    return str(uuid4())


@pytest.fixture
def acting(facilitator: str) -> Iterator[Acting]:
    with acting_as(facilitator, command_id="cmd-1") as acting:
        yield acting


@pytest.fixture
def plan(acting: Acting, facilitator: str) -> Plan:
    return Plan.start("Servicepunkt Byn", "Byn", 2025, 2027, facilitator)


@pytest.fixture
def actors(plan: Plan) -> dict[str, str]:
    """The demo plan's organisations, by a short key."""
    return {
        "kommun": plan.add_actor("Byns kommun", "public"),
        "shop": plan.add_actor("Byns lanthandel", "private"),
        "association": plan.add_actor("Byalaget", "voluntary"),
    }


@pytest.fixture
def budget(plan: Plan) -> Budget:
    return Budget.create(plan.id, "Servicepunkt 2025-2027", plan.years)


@pytest.fixture
def line(budget: Budget) -> str:
    return budget.add_line("Lokalhyra", "premises", {2025: 1_000_000, 2026: 1_200_000})
