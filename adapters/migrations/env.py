"""Alembic's environment: the connection comes from adapters.schema (or, for `alembic` run by
hand with alembic.ini, from the settings in the environment)."""

from __future__ import annotations

from alembic import context

from adapters.schema import TARGET, include_name


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # `alembic …` from the command line
        from adapters.db import make_engine
        from adapters.settings import Settings

        settings = Settings.from_env()
        engine = make_engine(settings.views_url, **settings.views_engine_options)
        with engine.begin() as connection:
            _migrate(connection)
        engine.dispose()
        return
    _migrate(connection)


def _migrate(connection: object) -> None:
    # render_as_batch: SQLite alters a table by copying it, which batch mode does for us.
    context.configure(connection=connection, target_metadata=TARGET, compare_type=True,
                      include_name=include_name, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
