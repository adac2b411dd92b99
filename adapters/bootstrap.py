"""The composition root: builds the application, read models, people store and projections.

Nothing connects at import time; tests pass settings (or an in-memory store) through here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from adapters.accounts import Accounts, hasher
from adapters.db import make_engine
from adapters.invitations import Invitations
from adapters.people import PeopleDirectory
from adapters.settings import Settings
from adapters.tokens import ApiTokens
from domain.usecases import Samverkan
from projections.audit import AuditLogProjection
from projections.budget_sheet import BudgetSheetProjection
from projections.decisions import DecisionProjection
from projections.plans import PlanProjection
from projections.runner import ProjectionRunner
from projections.services import CommitmentLedgerProjection, ServiceCatalogueProjection

PROJECTIONS = (PlanProjection, BudgetSheetProjection, ServiceCatalogueProjection,
               CommitmentLedgerProjection, AuditLogProjection, DecisionProjection)


@dataclass
class System:
    """Everything a process needs, built once from settings."""

    settings: Settings
    app: Samverkan
    engine: Engine
    people: PeopleDirectory
    projections: ProjectionRunner
    accounts: Accounts
    tokens: ApiTokens
    invitations: Invitations
    extras: dict[str, Any] = field(default_factory=dict)

    def start(self) -> None:
        """Create what is missing and start following the log."""
        self.people.create_table()
        self.projections.start()

    def erase_person(self, person_id: str) -> None:
        """GDPR erasure: name, e-mail, password, sessions, tokens and invitations go; the event
        log keeps only the person's id, so the history still verifies and reads "erased person #id"."""
        person = self.people.get(person_id)
        self.accounts.erase(person_id)
        self.tokens.erase(person_id)
        if person is not None and person.email:  # invitations are found by the address itself
            self.invitations.erase_email(person.email)
        self.people.erase(person_id)

    def close(self) -> None:
        self.projections.stop()
        self.app.close()
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, app_env: dict[str, str] | None = None,
              views_url: str | None = None) -> System:
    settings = settings or Settings.from_env()
    env = settings.event_store_env() if app_env is None else app_env
    app = Samverkan(env=env)
    engine = make_engine(views_url or settings.views_url, **settings.views_engine_options)
    people = PeopleDirectory(engine)
    runner = ProjectionRunner(app, engine, PROJECTIONS)
    runner.create_tables()
    people.create_table()
    accounts = Accounts(engine, people, hasher(settings.argon2_profile))
    return System(settings, app, engine, people, runner, accounts, ApiTokens(engine),
                  Invitations(engine))
