"""Settings from the environment: where events and read models live."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

TRANSCODER = "adapters.transcoder:FastJSONTranscoder"


@dataclass(frozen=True)
class Settings:
    """SQLite files under `data_dir` by default; PostgreSQL when `database_url` is set."""

    data_dir: Path = Path("var")
    database_url: str | None = None
    secret_key: str | None = None
    pg_schema: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            data_dir=Path(env.get("SAMVERKAN_DATA", "var")),
            database_url=env.get("SAMVERKAN_DATABASE_URL") or None,
            secret_key=env.get("SAMVERKAN_SECRET_KEY") or None,
            pg_schema=env.get("SAMVERKAN_PG_SCHEMA") or None,
        )

    @property
    def uses_postgres(self) -> bool:
        return bool(self.database_url and self.database_url.startswith("postgres"))

    @property
    def events_path(self) -> Path:
        return self.data_dir / "events.sqlite"

    @property
    def views_url(self) -> str:
        """SQLAlchemy URL of the read-model database (also holds the people store)."""
        if self.uses_postgres:
            return _sqlalchemy_postgres_url(self.database_url or "")
        return f"sqlite:///{(self.data_dir / 'views.sqlite').resolve()}"

    @property
    def views_engine_options(self) -> dict[str, object]:
        if self.uses_postgres and self.pg_schema:
            return {"connect_args": {"options": f"-csearch_path={self.pg_schema}"}}
        return {}

    def event_store_env(self) -> dict[str, str]:
        """Environment for eventsourcing's persistence modules."""
        if self.uses_postgres:
            from urllib.parse import urlparse

            url = urlparse(self.database_url)
            env = {
                "TRANSCODER_TOPIC": TRANSCODER,
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
                "POSTGRES_HOST": url.hostname or "127.0.0.1",
                "POSTGRES_PORT": str(url.port or 5432),
                "POSTGRES_USER": url.username or "postgres",
                "POSTGRES_PASSWORD": url.password or "",
                "APPLICATION_RECORDER_TOPIC": "adapters.command_log:PostgresRecorder",
            }
            if self.pg_schema:
                env["POSTGRES_SCHEMA"] = self.pg_schema
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            env = {
                "TRANSCODER_TOPIC": TRANSCODER,
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.events_path.resolve()),
                "APPLICATION_RECORDER_TOPIC": "adapters.sqlite_subscription:SubscribableSQLiteRecorder",
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        env.update(self.extra_env)
        return env


def _sqlalchemy_postgres_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
