"""The organisation usage port (domain/ports.py) answered from the read models.

Before it answers, the views catch up with every event stored so far (`catch_up`, from the
composition root), so a share set or a pledge made just before the question is counted.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine

from domain.errors import Busy
from domain.ports import VIEWS_BEHIND, OrganisationUse
from projections.tables import budget, budget_share, commitment, service


class ReadModelUsage:
    def __init__(self, engine: Engine, catch_up: Callable[[], None]) -> None:
        self.engine, self.catch_up = engine, catch_up

    def use_of(self, plan_id: str, actor_id: str) -> OrganisationUse:
        try:
            self.catch_up()
        except TimeoutError:
            raise Busy(VIEWS_BEHIND, retry_after=1, plan_id=plan_id) from None
        with self.engine.connect() as conn:
            shares = conn.execute(
                select(func.count()).select_from(budget_share.join(
                    budget, budget.c.budget_id == budget_share.c.budget_id))
                .where(and_(budget.c.plan_id == plan_id, budget_share.c.actor_id == actor_id,
                            budget_share.c.share > 0))).scalar_one()
            commitments = conn.execute(
                select(func.count()).select_from(commitment)
                .where(and_(commitment.c.plan_id == plan_id,
                            commitment.c.actor_id == actor_id))).scalar_one()
            services = sum(
                (actor_id in row.providers)
                + sum(1 for r in row.risks.values() if r.get("owner_id") == actor_id)
                for row in conn.execute(select(service.c.providers, service.c.risks)
                                        .where(service.c.plan_id == plan_id)))
        return OrganisationUse(shares=shares, commitments=commitments, services=services)
