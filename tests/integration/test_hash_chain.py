"""Tamper evidence: the hash chain catches events changed, removed, added, moved or cut off."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from click.testing import CliRunner
from eventsourcing.persistence import Notification
from sqlalchemy import Connection, select, text

from adapters.audit_verify import Digest, Verification, verify
from adapters.bootstrap import System, bootstrap
from adapters.settings import Settings
from projections.chain import (
    DECISION_TOPIC,
    ChainFollower,
    audit_chain,
    audit_checkpoint,
    chain_head,
    checkpoint_at,
    latest_verification,
)
from tests.integration.conftest import PG_URL
from tests.integration.scenario import plan_a_budget
from tests.stores import event_log, events_table, point_environment_at

TAMPERED = 20  # a position in the middle of the scenario's events


@contextmanager
def opened(settings: Settings) -> Iterator[System]:
    system = bootstrap(settings)
    try:
        yield system
    finally:
        system.close()


@pytest.fixture
def planned(store_settings: Settings) -> Settings:
    """A plan with its chain built; the system is closed, so the store can be edited."""
    with opened(store_settings) as system:
        plan_a_budget(system.app, edits=30)
        system.projections.catch_up()
    return store_settings


def check(settings: Settings, digest: Digest | None = None) -> Verification:
    with opened(settings) as system:
        return verify(system.app, system.engine, digest)


def digest_of(settings: Settings) -> Digest:
    with opened(settings) as system, system.engine.connect() as conn:
        return Digest(*chain_head(conn))


class Tamper:
    """Changes to the events table made behind the application's back, as someone with write
    access to the database could: SQL that SQLite and PostgreSQL both take, on the store's own
    table and position column (`rowid` or `notification_id`)."""

    def __init__(self, conn: Connection, settings: Settings) -> None:
        self.conn = conn
        self.table, self.pos = events_table(settings)

    def run(self, sql: str, **values: object) -> int:
        return self.conn.execute(text(sql.format(t=self.table, p=self.pos)), values).rowcount

    def change(self, position: int, edit: Callable[[bytes], bytes] = lambda b: b.replace(b"4", b"5")
               ) -> int:
        state = self.conn.execute(text(f"SELECT state FROM {self.table} WHERE {self.pos} = :p"),  # nosec B608
                                  {"p": position}).scalar_one()
        return self.run("UPDATE {t} SET state = :s WHERE {p} = :p", s=edit(bytes(state)), p=position)

    def delete(self, position: int) -> int:
        return self.run("DELETE FROM {t} WHERE {p} = :p", p=position)

    def insert_copy_of_previous(self, position: int) -> int:
        """A copy of the event before `position`, stored at `position` (which must be free)."""
        return self.run("INSERT INTO {t} ({p}, originator_id, originator_version, topic, state) "
                        "SELECT :p, originator_id, originator_version + 1000, topic, state FROM {t} "
                        "WHERE {p} = :before", p=position, before=position - 1)

    def swap(self, p: int, q: int) -> None:
        self.run("UPDATE {t} SET {p} = -1 WHERE {p} = :a", a=p)
        self.run("UPDATE {t} SET {p} = :a WHERE {p} = :b", a=p, b=q)
        self.run("UPDATE {t} SET {p} = :b WHERE {p} = -1", b=q)


@contextmanager
def tampering(settings: Settings) -> Iterator[Tamper]:
    with event_log(settings) as conn:
        yield Tamper(conn, settings)


def last_position(settings: Settings) -> int:
    with tampering(settings) as db:
        return db.conn.execute(text(f"SELECT MAX({db.pos}) FROM {db.table}")).scalar_one()  # nosec B608


def assert_broken(result: Verification, kind: str, position: int) -> None:
    assert not result.ok
    assert result.problem is not None
    assert (result.problem.kind, result.problem.position) == (kind, position), result.problem


def test_an_untouched_store_verifies_and_the_result_is_recorded(planned: Settings) -> None:
    top = last_position(planned)
    result = check(planned, digest_of(planned))
    assert result.ok, result.problem
    assert (result.events, result.up_to, result.pending) == (top, top, 0)
    assert result.link == digest_of(planned).link
    with opened(planned) as system, system.engine.connect() as conn:
        ok, up_to, verified_at, problem = latest_verification(conn)
    assert (ok, up_to, problem) == (True, top, None)
    assert verified_at is not None


def test_changed_state_bytes_are_named_changed_at_their_position(planned: Settings) -> None:
    with tampering(planned) as db:
        assert db.change(TAMPERED) == 1
    assert_broken(check(planned), "changed", TAMPERED)
    with opened(planned) as system, system.engine.connect() as conn:
        ok, up_to, _at, problem = latest_verification(conn)
    assert (ok, up_to) == (False, TAMPERED)
    assert problem.startswith(f"#{TAMPERED}: changed")


def test_a_deleted_event_is_named_missing(planned: Settings) -> None:
    with tampering(planned) as db:
        assert db.delete(TAMPERED) == 1
    assert_broken(check(planned), "missing", TAMPERED)


def test_an_event_inserted_in_the_middle_is_named_inserted(planned: Settings) -> None:
    with tampering(planned) as db:  # make room: every later event moves down by one
        db.run("UPDATE {t} SET {p} = -({p} + 1) WHERE {p} >= :p", p=TAMPERED)
        db.run("UPDATE {t} SET {p} = -{p} WHERE {p} < 0")
        assert db.insert_copy_of_previous(TAMPERED) == 1
    assert_broken(check(planned), "inserted", TAMPERED)


def test_an_event_inserted_into_a_gap_is_named_inserted(planned: Settings) -> None:
    with tampering(planned) as db:  # a gap (as PostgreSQL leaves them), then a row put into it
        assert db.delete(TAMPERED) == 1
    with opened(planned) as system, system.engine.begin() as conn:
        conn.execute(audit_chain.delete().where(audit_chain.c.position >= TAMPERED))
    with opened(planned) as system:
        system.projections.chain.catch_up(system.app.recorder)  # chained with the gap
    assert check(planned).ok
    with tampering(planned) as db:
        assert db.insert_copy_of_previous(TAMPERED) == 1
    assert_broken(check(planned), "inserted", TAMPERED)


@pytest.mark.parametrize("other", [TAMPERED + 1, TAMPERED + 10])
def test_two_swapped_events_are_named_reordered_with_both_positions(planned: Settings, other: int) -> None:
    with tampering(planned) as db:
        db.swap(TAMPERED, other)
    result = check(planned)
    assert_broken(result, "reordered", TAMPERED)
    assert result.problem.other == other


def test_a_truncated_log_is_named_truncated_where_it_was_cut(planned: Settings) -> None:
    digest, top = digest_of(planned), last_position(planned)
    with tampering(planned) as db:
        assert db.run("DELETE FROM {t} WHERE {p} > :p", p=top - 10) == 10
    assert_broken(check(planned), "truncated", top - 9)  # the chain still remembers the tail
    assert_broken(check(planned, digest), "truncated", top - 9)


def test_a_truncation_covered_up_in_the_chain_too_is_caught_only_with_a_digest(planned: Settings) -> None:
    digest, top = digest_of(planned), last_position(planned)
    with tampering(planned) as db:
        assert db.run("DELETE FROM {t} WHERE {p} > :p", p=top - 10) == 10
    with opened(planned) as system, system.engine.begin() as conn:
        conn.execute(audit_chain.delete().where(audit_chain.c.position > top - 10))
    assert check(planned).ok
    assert_broken(check(planned, digest), "truncated", top - 9)


def test_a_history_rewritten_with_a_fresh_chain_is_caught_only_with_a_digest(planned: Settings) -> None:
    digest = digest_of(planned)
    with tampering(planned) as db:
        assert db.change(TAMPERED) == 1
    with opened(planned) as system:
        with system.engine.begin() as conn:
            conn.execute(audit_chain.delete().where(audit_chain.c.position >= TAMPERED))
        system.projections.chain.catch_up(system.app.recorder)
    assert check(planned).ok
    assert_broken(check(planned, digest), "rewritten", digest.position)


def test_events_stored_after_the_chain_are_reported_pending_not_broken(planned: Settings) -> None:
    with opened(planned) as system:
        plan_a_budget(system.app, edits=1)  # not caught up: the chain stops where it was
        top = system.app.recorder.max_notification_id()
        result = verify(system.app, system.engine)
        head = system.projections.chain.load_position()
    assert result.ok
    assert (result.up_to, result.pending, result.events) == (head, top - head, top)


def test_the_chain_survives_a_projections_rebuild_unchanged(planned: Settings) -> None:
    with opened(planned) as system:
        def rows() -> list[tuple]:
            with system.engine.connect() as conn:
                return [tuple(r) for r in conn.execute(select(audit_chain).order_by(audit_chain.c.position))]

        before = rows()
        system.projections.rebuild()
        assert rows() == before
        assert len(before) == system.app.recorder.max_notification_id()


def test_checkpoints_mark_decisions_and_every_ten_thousandth_position(tmp_path: Path) -> None:
    from adapters.db import make_engine

    follower = ChainFollower(make_engine(f"sqlite:///{tmp_path / 'chain.sqlite'}"))
    follower.create_tables()
    decision = uuid4()

    def event(position: int, topic: str = "domain.budgets:Budget.Created") -> Notification:
        return Notification(id=position, originator_id=decision, originator_version=1, topic=topic,
                            state=b"{}")

    follower.extend([event(1), event(9_999), event(10_003, DECISION_TOPIC), event(10_004)])
    follower.extend([event(10_004), event(20_001)])  # a repeated event is skipped
    with follower.engine.connect() as conn:
        reasons = dict(conn.execute(select(audit_checkpoint.c.position, audit_checkpoint.c.reason)).all())
        assert reasons == {10_003: f"decision:{decision}", 20_001: "periodic"}
        assert checkpoint_at(conn, 10_003)["link"] == conn.execute(
            select(audit_chain.c.link).where(audit_chain.c.position == 10_003)).scalar()
        assert checkpoint_at(conn, 10_004) is None
        assert chain_head(conn)[0] == 20_001


def test_the_live_follower_extends_the_chain_and_wait_waits_for_it(store_settings: Settings) -> None:
    with opened(store_settings) as system:
        system.start()
        plan_a_budget(system.app, edits=1)
        top = system.app.recorder.max_notification_id()
        system.projections.wait(top)
        assert system.projections.chain.position == top
        assert verify(system.app, system.engine).up_to == top


# ---- the command line ---------------------------------------------------------------------

@pytest.fixture
def cli_env(store_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    point_environment_at(monkeypatch, store_settings.data_dir)
    settings = store_settings
    with opened(settings) as system:
        plan_a_budget(system.app, edits=30)  # not caught up: the commands chain what is new
    return settings


def test_cli_digest_then_verify_succeeds_and_fails_with_exit_1_after_tampering(
        cli_env: Settings, tmp_path: Path) -> None:
    from web.cli import cli

    runner, top, digest_file = CliRunner(), last_position(cli_env), tmp_path / "digest.txt"
    digest = runner.invoke(cli, ["audit", "digest", "--output", str(digest_file)], catch_exceptions=False)
    assert digest.exit_code == 0
    line = digest.stdout.strip()
    assert line.startswith(f"samverkan-digest v1 position={top} sha256=")
    assert digest_file.read_text().strip() == line

    verified = runner.invoke(cli, ["audit", "verify", "--digest", str(digest_file)], catch_exceptions=False)
    assert verified.exit_code == 0
    link = Digest.parse(line).link
    assert verified.stdout.strip() == f"OK: {top} events verified up to #{top} (sha256 {link})"
    assert "Verifying" in verified.stderr

    with tampering(cli_env) as db:
        assert db.delete(TAMPERED) == 1
    broken = runner.invoke(cli, ["audit", "verify"], catch_exceptions=False)
    assert broken.exit_code == 1
    assert broken.stdout.startswith(f"BROKEN at #{TAMPERED}: missing (")


def test_cli_verify_refuses_a_file_that_is_not_a_digest(cli_env: Settings, tmp_path: Path) -> None:
    from web.cli import cli

    (tmp_path / "junk.txt").write_text("hello\n")
    result = CliRunner().invoke(cli, ["audit", "verify", "--digest", str(tmp_path / "junk.txt")])
    assert result.exit_code == 2
    assert "not a samverkan digest" in result.output


# ---- PostgreSQL ----------------------------------------------------------------------------

def test_postgres_store_verifies_and_a_changed_event_is_caught(pg_settings: Settings) -> None:
    with opened(pg_settings) as system:
        plan_a_budget(system.app, edits=30)
        system.projections.catch_up()
        result = verify(system.app, system.engine)
        assert result.ok, result.problem
        assert result.up_to == system.app.recorder.max_notification_id()
        table = system.app.recorder.events_table_name
    with psycopg.connect(PG_URL, autocommit=True) as db:
        db.execute(f'UPDATE "{pg_settings.pg_schema}"."{table}" SET state = state || %s '
                   "WHERE notification_id = %s", (b" ", TAMPERED))
    assert_broken(check(pg_settings), "changed", TAMPERED)
