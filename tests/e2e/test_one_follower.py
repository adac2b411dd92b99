"""One follower of the log per store: a second process never stops or corrupts the server's views.

Real processes on loopback (SQLite, and PostgreSQL where it runs): `samverkan serve`, one-off
commands beside it, a second server that waits and takes over when the first is killed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.bootstrap import System
from tests.e2e.process_support import (
    Served,
    Store,
    amount_shown,
    change_amounts,
    eventually,
    first_budget,
    kill,
    log_head,
    samverkan,
    serve,
    store,
)
from tests.integration.scenario import dump_views, plan_a_budget
from tests.stores import point_environment_at, store_settings
from web import cli as web_cli
from web.cli import cli

__all__ = ["store"]  # the fixture


def _edit_and_see(server: Served, plan_id: str, budget_id: str, amount: int) -> None:
    """Change an amount through the server's socket; its own read models show it soon after."""
    sheet = server.json(f"/api/budgets/{budget_id}/sheet")
    line_id, year = sheet["lines"][0]["line_id"], sheet["budget"]["years"][0]
    replies = change_amounts(server, plan_id, budget_id, [(line_id, year, amount)])
    assert all(reply["ok"] for reply in replies), replies
    eventually(lambda: amount_shown(server, budget_id, line_id, year) == amount,
               message=f"{server.url} never showed the new amount")
    for path in (f"/plans/{plan_id}", f"/plans/{plan_id}/audit", f"/budgets/{budget_id}"):
        assert server.get(path)[0] == 200, path


def _views_equal_a_rebuild(store: Store) -> None:
    """With every server stopped: the views are at the log's head and equal a rebuild from #1."""
    from adapters.bootstrap import bootstrap

    system = bootstrap(store.settings)
    try:
        top = system.app.recorder.max_notification_id()
        with system.follower.exclusively() as ours:
            assert ours, "a stopped server still holds the follower lock"
            assert set(system.projections.load_positions().values()) == {top}
            assert system.projections.chain.position == top
            followed = dump_views(system.engine)
            system.projections.rebuild()
            assert dump_views(system.engine) == followed
    finally:
        system.close()


def test_loading_the_demo_beside_a_running_server_leaves_its_read_models_working(store: Store) -> None:
    server = serve(store, "server")
    try:
        plan_id, budget_id = first_budget(server)
        loaded = samverkan(store, "demo", "--force")
        assert loaded.returncode == 0, loaded.stderr
        assert "A running server (or worker) follows this store" in loaded.stdout
        top = log_head(store)
        eventually(lambda: server.json(f"/api/budgets/{budget_id}/sheet")["position"] >= top,
                   message="the server did not project the events the demo added")
        assert len(server.json("/api/me")["plans"]) == 2
        _edit_and_see(server, plan_id, budget_id, 4_242_00)
        _edit_and_see(server, plan_id, budget_id, 4_343_00)
        assert server.stop() == 0
    finally:
        server.stop()
    _views_equal_a_rebuild(store)


def test_one_off_commands_beside_a_running_server_leave_the_log_to_it(store: Store) -> None:
    server = serve(store, "server")
    try:
        plan_id, budget_id = first_budget(server)
        rebuild = samverkan(store, "projections", "rebuild")
        assert rebuild.returncode == 1
        assert "a running server or worker follows this store; stop it first" in rebuild.stderr
        verified = samverkan(store, "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        top = log_head(store)
        assert f"OK: {top} events verified up to #{top}" in verified.stdout
        digest = samverkan(store, "audit", "digest")
        assert digest.returncode == 0, digest.stderr
        assert digest.stdout.startswith(f"samverkan-digest v1 position={top} sha256=")
        _edit_and_see(server, plan_id, budget_id, 5_151_00)  # its views were never touched
        assert server.stop() == 0
    finally:
        server.stop()
    after = samverkan(store, "projections", "rebuild")  # nobody follows now
    assert after.returncode == 0, after.stderr
    assert f"Rebuilt every read model up to event #{log_head(store)}." in after.stdout


def test_a_second_server_serves_beside_the_follower_and_takes_over_when_it_is_killed(
        store: Store) -> None:
    first = serve(store, "first")
    second = serve(store, "second")
    try:
        assert "Another process follows this store's log" in second.output()
        plan_id, budget_id = first_budget(second)
        _edit_and_see(second, plan_id, budget_id, 6_161_00)  # projected by the first
        kill(first)
        _edit_and_see(second, plan_id, budget_id, 6_262_00)  # by the second, once it took over
        eventually(lambda: "took over following the log" in second.errors(), timeout=5)
        assert second.stop() == 0
    finally:
        first.stop()
        second.stop()
    _views_equal_a_rebuild(store)


@pytest.fixture
def followed_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[System, int]]:
    """A store whose follower lock another process holds, with events it has not chained yet
    (the chain's head, and the log's)."""
    from adapters.bootstrap import bootstrap

    point_environment_at(monkeypatch, tmp_path / "var")
    holder = bootstrap(store_settings(tmp_path / "var"))
    plan_a_budget(holder.app, edits=2)
    holder.projections.catch_up()
    head = holder.app.recorder.max_notification_id()
    assert holder.follower.lock.try_acquire()  # following, but these events are not chained yet
    plan_a_budget(holder.app, edits=1)
    try:
        yield holder, head
    finally:
        holder.close()


def _chain_head(system: System) -> int:
    from projections.chain import chain_head

    with system.engine.connect() as conn:
        return chain_head(conn)[0]


def test_verify_beside_a_follower_checks_what_is_chained_and_counts_the_rest_as_pending(
        followed_elsewhere: tuple[System, int]) -> None:
    holder, head = followed_elsewhere
    pending = holder.app.recorder.max_notification_id() - head
    result = CliRunner().invoke(cli, ["audit", "verify"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (f"OK: {head} events verified up to #{head}" in result.output
            and f"; {pending} newer events are pending (the running server or worker chains them)"
            in result.output)
    assert _chain_head(holder) == head  # the chain is the holder's to write


def test_a_digest_beside_a_follower_that_has_not_chained_the_newest_says_what_it_vouches_for(
        followed_elsewhere: tuple[System, int], monkeypatch: pytest.MonkeyPatch) -> None:
    holder, head = followed_elsewhere
    monkeypatch.setattr(web_cli, "DIGEST_WAIT_SECONDS", 0.3)
    result = CliRunner().invoke(cli, ["audit", "digest"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"samverkan-digest v1 position={head} sha256=")
    assert f"this digest vouches for the history up to #{head}" in result.stderr
    assert _chain_head(holder) == head
