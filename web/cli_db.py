"""`samverkan db …`: the read-model schema's migrations (the release step of docs/deploy.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.engine import Engine

# No app context: building a System would itself migrate (bootstrap does), hiding what
# `current` reports and what `upgrade` did.
db_cli = AppGroup("db", help="The read-model database's schema (Alembic migrations).")


def _engine() -> Engine:
    """The read-model database named by the settings, without building the rest of a System."""
    from adapters.db import make_engine
    from adapters.settings import Settings

    settings = Settings.from_env()
    if not settings.uses_postgres:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.views_url, **settings.views_engine_options)


@db_cli.command("upgrade", with_appcontext=False)
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Bring the schema to REVISION (the newest by default); safe to run again and beside
    running processes (they take turns on a lock)."""
    from adapters import schema

    engine = _engine()
    try:
        before, after = schema.upgrade(engine, revision)
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"The schema is at revision {after}: nothing to do.")
    else:
        click.echo(f"Upgraded the schema from revision {before or '(none)'} to {after}.")


@db_cli.command("current", with_appcontext=False)
def current() -> None:
    """Print the schema's revision and the newest; exit 1 if the database is behind."""
    from adapters import schema

    engine = _engine()
    try:
        found = schema.current(engine)
    finally:
        engine.dispose()
    newest = schema.head()
    click.echo(f"revision {found or '(none)'}; newest {newest}")
    if found != newest:
        raise SystemExit(1)
