"""Which sessions and API tokens are still open, asked for many at once (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, update

from adapters.accounts import token_hash, web_sessions
from adapters.bootstrap import System
from adapters.credentials import SESSION, TOKEN, open_credentials


def test_open_sessions_and_tokens_are_found_in_one_query(system: System) -> None:
    anna = system.accounts.register("Anna", "anna@example.org", "a long password")
    bo = system.accounts.register("Bo", "bo@example.org", "a long password")
    open_session, closed, expired = (system.accounts.open_session(p) for p in (anna, anna, bo))
    system.accounts.close_session(closed)
    with system.engine.begin() as conn:
        conn.execute(update(web_sessions).where(web_sessions.c.token_hash == token_hash(expired))
                     .values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    _, live_token = system.tokens.issue(bo, "script")
    revoked_id, revoked_token = system.tokens.issue(bo, "old")
    system.tokens.revoke(bo, revoked_id)
    wanted = [(SESSION, token_hash(s)) for s in (open_session, closed, expired)] + [
        (TOKEN, token_hash(t)) for t in (live_token, revoked_token)]
    queries: list[str] = []
    event.listen(system.engine, "before_cursor_execute",
                 lambda *args: queries.append(args[2]))
    found = open_credentials(system.engine, wanted)
    assert found == {(SESSION, token_hash(open_session), anna), (TOKEN, token_hash(live_token), bo)}
    assert len(queries) == 1
    assert open_credentials(system.engine, []) == set()
