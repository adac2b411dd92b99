"""Settings from the environment: where events and read models live."""

from __future__ import annotations

import os
import secrets
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
    #: argon2-cffi parameter profile for password hashes (tests use the cheapest).
    argon2_profile: str = field(default_factory=lambda: os.environ.get(
        "SAMVERKAN_ARGON2_PROFILE") or "RFC_9106_LOW_MEMORY")
    #: Origins (scheme://host[:port]) whose pages may open live connections; empty: same origin.
    allowed_origins: tuple[str, ...] = ()
    #: The password of the demo plan's people (printed by `samverkan serve`).
    demo_password: str = "ramsjo-demo-2027"
    #: Whether `samverkan serve` loads the demo plan on an empty store (SAMVERKAN_DEMO=off: never).
    demo: bool = True
    #: Where people reach this installation (for the links `samverkan people add` prints).
    base_url: str = "http://127.0.0.1:5000"
    #: How many events the read models may be behind the log while /readyz still says ready.
    ready_max_lag: int = 1000
    #: Log lines as text (for a person at a terminal) or json (one object a line, for a collector).
    log_format: str = "text"
    #: Where rate-limit counters live (memory:// for one process; redis://… for several).
    ratelimit_storage: str = "memory://"
    #: Seconds between the follower's background re-checks of the whole hash chain.
    verify_period: float = 3600.0
    #: Redis for the changes the worker publishes to every web process (None: in-process).
    redis_url: str | None = None
    #: What this process runs: all (one process does everything), web or worker (see bootstrap).
    role: str = "all"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            data_dir=Path(env.get("SAMVERKAN_DATA", "var")),
            database_url=env.get("SAMVERKAN_DATABASE_URL") or None,
            secret_key=env.get("SAMVERKAN_SECRET_KEY") or None,
            pg_schema=env.get("SAMVERKAN_PG_SCHEMA") or None,
            argon2_profile=env.get("SAMVERKAN_ARGON2_PROFILE") or "RFC_9106_LOW_MEMORY",
            allowed_origins=_origins(env.get("SAMVERKAN_ALLOWED_ORIGINS", "")),
            demo_password=env.get("SAMVERKAN_DEMO_PASSWORD") or "ramsjo-demo-2027",
            demo=_switch(env.get("SAMVERKAN_DEMO") or "on", "SAMVERKAN_DEMO"),
            base_url=base_url(env.get("SAMVERKAN_BASE_URL") or "http://127.0.0.1:5000",
                              "SAMVERKAN_BASE_URL"),
            ready_max_lag=_count(env.get("SAMVERKAN_READY_MAX_LAG") or "1000", "SAMVERKAN_READY_MAX_LAG"),
            log_format=_choice(env.get("SAMVERKAN_LOG_FORMAT") or "text", ("text", "json"),
                               "SAMVERKAN_LOG_FORMAT"),
            ratelimit_storage=env.get("SAMVERKAN_RATELIMIT_STORAGE") or "memory://",
            verify_period=_seconds(env.get("SAMVERKAN_VERIFY_PERIOD") or "3600", "SAMVERKAN_VERIFY_PERIOD"),
            redis_url=env.get("SAMVERKAN_REDIS_URL") or None,
            role=_role(env.get("SAMVERKAN_ROLE") or "all"),
        )

    def session_secret(self) -> str:
        """SAMVERKAN_SECRET_KEY, or a random key kept in the data folder (readable by the owner
        only), so sessions survive a restart and every process on this data signs alike."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32))
        return path.read_text().strip()

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


def _origins(text: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in text.split(",") if o.strip())
    if "*" in origins:
        raise ValueError("SAMVERKAN_ALLOWED_ORIGINS never takes '*': name each origin.")
    return origins


ROLES = ("all", "web", "worker")


def _role(text: str) -> str:
    if text not in ROLES:
        raise ValueError(f"SAMVERKAN_ROLE takes all, web or worker (got {text!r}).")
    return text


def _switch(text: str, name: str) -> bool:
    value = text.strip().lower()
    if value in ("on", "yes", "true", "1"):
        return True
    if value in ("off", "no", "false", "0"):
        return False
    raise ValueError(f"{name} takes on or off (got {text!r}).")


def base_url(text: str, name: str = "--base-url") -> str:
    """An http(s) address with a host and no query, without a trailing slash."""
    from urllib.parse import urlsplit

    url = text.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{name} takes an address such as https://samverkan.example.se "
                         f"(got {text!r}).")
    return url


def _seconds(text: str, name: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 10**7:
        raise ValueError(f"{name} takes a number of seconds, such as 3600 (got {text!r}).")
    return seconds


def _count(text: str, name: str) -> int:
    if not text.strip().isdigit():
        raise ValueError(f"{name} takes a whole number, such as 1000 (got {text!r}).")
    return int(text)


def _choice(text: str, choices: tuple[str, ...], name: str) -> str:
    value = text.strip().lower()
    if value not in choices:
        raise ValueError(f"{name} takes {' or '.join(choices)} (got {text!r}).")
    return value


def _sqlalchemy_postgres_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
