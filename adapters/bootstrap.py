"""The composition root: builds the application, read models, people store and projections.

Nothing connects at import time; tests pass settings (or an in-memory store) through here.

A process's role says what it runs (`SAMVERKAN_ROLE`, or `role=`):
- `all`: one process does everything (`samverkan serve` on its own): it follows the log when
  no other process does, and serves pages and sockets;
- `web`: appends events, serves pages and sockets, runs no projections (read-your-writes
  waits until the worker's views include the write);
- `worker` (`samverkan worker`): follows the log, runs the projections and the hash chain, and
  publishes each committed batch.
Published changes go through Redis when `SAMVERKAN_REDIS_URL` is set (every web process
hears them), else they stay in the process that projects them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from adapters.accounts import Accounts, hasher
from adapters.chain_watch import ChainWatch
from adapters.db import make_engine
from adapters.demo_accounts import DemoAccounts
from adapters.first_run import FirstRun
from adapters.follower_lock import follower_lock_for
from adapters.following import Follower
from adapters.invitations import Invitations
from adapters.password_links import PasswordLinks
from adapters.people import PeopleDirectory
from adapters.redis_changes import RedisChanges, stream_key
from adapters.schema import upgrade
from adapters.settings import Settings
from adapters.tokens import ApiTokens
from adapters.transcoder import fast_details_json
from domain.usecases import Samverkan
from projections.audit import AuditLogProjection, json_default, standard_json
from projections.budget_sheet import BudgetSheetProjection
from projections.decisions import DecisionProjection
from projections.plans import PlanProjection
from projections.publishing import ChangeFeed, InProcessChanges
from projections.runner import ProjectionRunner
from projections.services import CommitmentLedgerProjection, ServiceCatalogueProjection
from projections.usage import ReadModelUsage

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
    #: Holds the store's follower lock while this process runs the projections (adapters/following.py).
    follower: Follower
    #: One-time links to set a password (`samverkan people add`).
    password_links: PasswordLinks
    #: The first account of an empty installation (/setup).
    first_run: FirstRun
    #: The demo's people who still have the demo password (listed on the sign-in page).
    demo_accounts: DemoAccounts
    #: What this process runs: "all", "web" or "worker" (see the module's docstring).
    role: str = "all"
    #: Where the live layer hears of committed changes (the runner publishes into it).
    changes: ChangeFeed = field(default_factory=InProcessChanges)
    extras: dict[str, Any] = field(default_factory=dict)
    _closed: bool = field(default=False, repr=False)

    def start(self) -> None:
        """Follow the log — or, while another process follows this store, stand by and take
        over when that process stops. A web process never follows."""
        if self.role != "web":
            self.follower.start()

    def erase_person(self, person_id: str) -> None:
        """GDPR erasure: name, e-mail, password, sessions, tokens and invitations go; the event
        log keeps only the person's id, so the history still verifies and reads "erased person #id"."""
        person = self.people.get(person_id)
        self.accounts.erase(person_id)
        self.tokens.erase(person_id)
        self.password_links.erase(person_id)
        if person is not None and person.email:  # invitations are found by the address itself
            self.invitations.erase_email(person.email)
        self.people.erase(person_id)

    def close(self) -> None:
        """Stop following and give back every connection; a second call does nothing (a
        command's System is closed by the command and again when the CLI ends)."""
        if self._closed:
            return
        self._closed = True
        self.follower.stop()
        self.changes.close()
        self.app.close()
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, app_env: dict[str, str] | None = None,
              views_url: str | None = None, role: str | None = None) -> System:
    settings = settings or Settings.from_env()
    role = role or settings.role
    if role != "all" and not settings.redis_url:
        # Alone, a web process would never hear of a change and a worker would tell no one.
        raise ValueError(f"A {role} process needs SAMVERKAN_REDIS_URL (or SAMVERKAN_ROLE=all).")
    env = settings.event_store_env() if app_env is None else app_env
    app = Samverkan(env=env)
    engine = make_engine(views_url or settings.views_url, **settings.views_engine_options)
    people = PeopleDirectory(engine)
    AuditLogProjection.details_json = staticmethod(fast_details_json(standard_json, json_default))
    runner = ProjectionRunner(app, engine, PROJECTIONS)
    # Removing an organisation asks the read models, once they hold every stored event.
    app.organisation_usage = ReadModelUsage(engine, lambda: runner.wait(
        app.recorder.max_notification_id(), timeout=5))
    # The schema comes from the migrations, here and whenever this process takes over the log.
    upgrade(engine)
    runner.prepare = lambda: upgrade(engine)
    accounts = Accounts(engine, people, hasher(settings.argon2_profile))
    watch = ChainWatch(app, engine, runner.chain, period=settings.verify_period)
    follower = Follower(runner, follower_lock_for(env), watch)
    changes = (RedisChanges(settings.redis_url, app.mapper, stream_key(env)) if settings.redis_url
               else InProcessChanges())
    if role != "web":  # the one that follows the log is the one that publishes
        runner.publisher = changes
    return System(settings, app, engine, people, runner, accounts, ApiTokens(engine),
                  Invitations(engine), follower, PasswordLinks(engine, accounts),
                  FirstRun(engine, accounts),
                  DemoAccounts(people, accounts, settings.demo_password), role, changes)
