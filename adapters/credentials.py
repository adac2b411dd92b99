"""Which of many page sessions and API tokens are still open, in one query.

A web process re-checks every live connection's credential about once a second, so that a
sign-out, password change, revoked token or erasure made in another process ends the
connection there too, even one that sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import literal, select, union_all
from sqlalchemy.engine import Engine

from adapters.accounts import web_sessions
from adapters.tokens import api_tokens

SESSION, TOKEN = "session", "token"


def open_credentials(engine: Engine, wanted: Iterable[tuple[str, str]]) -> set[tuple[str, str, str]]:
    """Of `wanted` (kind, hash) pairs, those still open, as (kind, hash, person id)."""
    wanted = list(wanted)
    sessions = sorted({h for kind, h in wanted if kind == SESSION})
    tokens = sorted({h for kind, h in wanted if kind == TOKEN})
    if not sessions and not tokens:
        return set()
    query = union_all(
        select(literal(SESSION).label("kind"), web_sessions.c.token_hash.label("hash"),
               web_sessions.c.person_id).where(web_sessions.c.token_hash.in_(sessions),
                                               web_sessions.c.expires_at >= datetime.now(UTC)),
        select(literal(TOKEN).label("kind"), api_tokens.c.token_hash.label("hash"),
               api_tokens.c.person_id).where(api_tokens.c.token_hash.in_(tokens),
                                             api_tokens.c.revoked_at.is_(None)))
    with engine.connect() as conn:
        return {(row.kind, row.hash, row.person_id) for row in conn.execute(query)}
