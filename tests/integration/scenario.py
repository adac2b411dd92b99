"""A scripted stretch of planning work used by several integration tests."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from sqlalchemy import select
from sqlalchemy.engine import Engine

from domain.context import acting_as
from domain.usecases import Samverkan
from projections.tables import metadata, view_tracking


def plan_a_budget(app: Samverkan, edits: int = 10) -> dict[str, str]:
    """A plan with two organisations, a budget, a service and commitments; returns ids."""
    person = str(uuid4())
    with acting_as(person):
        plan = str(app.start_plan("Serviceplan Ramsjö", "Ramsjö", 2027, 2029).aggregate_id)
        kommun = app.add_actor(plan, "Ljusdals kommun", "public").entity_id
        shop = app.add_actor(plan, "Ramsjö Lanthandel", "private").entity_id
        app.change_member(plan, person, "facilitator", kommun)  # represents the kommun
    with acting_as(person, kommun):
        budget = str(app.create_budget(plan, "Budget 2027–2029").aggregate_id)
        rent = app.add_line(budget, "Lokalhyra", "Lokaler", {2027: 4_800_000}).entity_id
        pc = app.add_line(budget, "Publik dator", "IT", {2028: 1_500_000}).entity_id
        app.set_share(budget, rent, kommun, 6000)
        app.set_share(budget, rent, shop, 4000)
        app.set_share(budget, pc, kommun, 2500)
        for i in range(edits):
            app.change_amount(budget, rent, 2027 + i % 3, 4_800_000 + i * 10_000)
        app.move_line(budget, pc, 0)
        service = str(app.create_service(plan, "Servicepunkt", "Ramsjö").aggregate_id)
        app.record_risk(service, "Butiken stänger", 2, 5, owner_id=shop)
        app.rename_line(budget, pc, "Publik dator med internet")
        commitment = str(app.pledge(plan, kommun, "money", 2_000_000, date(2027, 12, 31),
                                    budget_id=budget, line_id=rent).aggregate_id)
        app.confirm_commitment(commitment)
        app.record_delivery(commitment, 500_000, date(2027, 6, 1))
    return {"plan": plan, "kommun": kommun, "shop": shop, "budget": budget, "rent": rent,
            "pc": pc, "service": service, "commitment": commitment, "person": person}


def dump_views(engine: Engine) -> dict[str, list[tuple]]:
    """Every read-model row, sorted, for comparing two builds of the views."""
    with engine.connect() as conn:
        return {
            table.name: sorted(tuple(str(v) for v in row)
                               for row in conn.execute(select(table)).all())
            for table in metadata.sorted_tables if table is not view_tracking
        }
