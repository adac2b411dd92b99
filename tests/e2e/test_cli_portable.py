"""`samverkan export` / `samverkan import`: a plan moved to another installation verifies to the
same digest, and a changed, cut or repeated import stores nothing (on SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from uuid import uuid4

import pytest
from click.testing import CliRunner, Result

from adapters.bootstrap import bootstrap
from adapters.demo import DemoPlan
from adapters.portable import PlanChain
from adapters.settings import Settings
from domain.context import acting_as
from projections.queries import budget_sheet
from tests.e2e.auth_helpers import DEMO_PASSWORD, sign_in
from tests.e2e.conftest import _load_demo
from tests.e2e.process_support import samverkan, serve, store_for
from tests.stores import (
    PG_URL,
    STORE_VARIABLES,
    cloned_store,
    on_postgres,
    point_environment_at,
    postgres_settings,
    store_settings,
    stored_events,
)
from web.app import create_app
from web.cli import cli


@pytest.fixture
def places(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, DemoPlan]:
    """The demo's installation and an empty one."""
    source, target = tmp_path / "source" / "var", tmp_path / "target" / "var"
    demo = cloned_store("demo", source, _load_demo, tmp_path_factory)
    return source, target, demo


def _run(monkeypatch: pytest.MonkeyPatch, folder: Path, *args: str) -> Result:
    point_environment_at(monkeypatch, folder)
    monkeypatch.setenv("SAMVERKAN_DEMO_PASSWORD", DEMO_PASSWORD)
    return CliRunner().invoke(cli, list(args))


def _exported(monkeypatch: pytest.MonkeyPatch, source: Path, demo: DemoPlan, file: Path) -> str:
    result = _run(monkeypatch, source, "export", demo.plan_id, str(file))
    assert result.exit_code == 0, result.output
    digest = result.output.strip().splitlines()[-1]
    assert digest.startswith(f"samverkan-plan-digest v1 plan={demo.plan_id} events=")
    return digest


def _sheet(folder: Path, budget_id: str) -> object:
    system = bootstrap(store_settings(folder))
    try:
        with system.engine.connect() as conn:
            return budget_sheet(conn, budget_id)
    finally:
        system.close()


def test_a_plan_exported_and_imported_into_an_empty_store_verifies_to_the_same_digest(
        places: tuple[Path, Path, DemoPlan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target, demo = places
    file = tmp_path / "plan.jsonl"
    digest = _exported(monkeypatch, source, demo, file)
    lines = file.read_text(encoding="utf-8").splitlines()
    header, trailer = json.loads(lines[0]), json.loads(lines[-1])
    assert (header["format"], header["version"], header["plan_id"]) == ("samverkan-plan", 1, demo.plan_id)
    assert trailer == {"events": len(lines) - 2, "digest": digest}
    assert len(lines) - 2 == len(stored_events(store_settings(source)))  # the demo is one plan

    monkeypatch.setattr("adapters.portable.CHUNK", 50)  # PostgreSQL: three statements, one transaction
    imported = _run(monkeypatch, target, "import", str(file))
    assert imported.exit_code == 0, imported.output
    assert digest in imported.output.splitlines()
    assert "Imported" in imported.output
    # The target held nothing else: its own chain head is the plan's digest, at its last event.
    head = _run(monkeypatch, target, "audit", "digest")
    events = stored_events(store_settings(target))
    assert head.output.strip() == (f"samverkan-digest v1 position={events[-1][0]} "
                                   f"sha256={digest.rsplit('sha256=', 1)[1]}")
    assert _run(monkeypatch, target, "audit", "verify").exit_code == 0
    # Byte for byte the same events, and the same budget sheet built from them.
    assert [e[1:] for e in events] == [e[1:] for e in stored_events(store_settings(source))]
    assert _sheet(target, demo.budget_id) == _sheet(source, demo.budget_id)


def test_an_export_names_nobody(places: tuple[Path, Path, DemoPlan], tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    source, _target, demo = places
    file = tmp_path / "plan.jsonl"
    _exported(monkeypatch, source, demo, file)
    text = file.read_text(encoding="utf-8")
    for person in demo.people:
        assert person.email not in text
        assert person.name not in text
        assert person.person_id in text  # what the events keep of a person: the id


def test_a_changed_file_is_refused_and_nothing_is_stored(
        places: tuple[Path, Path, DemoPlan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target, demo = places
    file = tmp_path / "plan.jsonl"
    _exported(monkeypatch, source, demo, file)
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    changed = tmp_path / "changed.jsonl"
    at = next(i for i, line in enumerate(lines) if "Plan.ActorAdded" in line)
    assert "Ljusdals kommun" in lines[at]  # an organisation renamed in the file, quietly
    lines_changed = [*lines[:at], lines[at].replace("Ljusdals kommun", "Ljusdal AB"), *lines[at + 1:]]
    changed.write_text("".join(lines_changed), encoding="utf-8")
    refused = _run(monkeypatch, target, "import", str(changed))
    assert refused.exit_code != 0
    assert "do not hash to its digest" in refused.output
    assert stored_events(store_settings(target)) == []

    other = tmp_path / "other.txt"
    other.write_text("date,amount\n2027-01-01,100\n", encoding="utf-8")
    refused = _run(monkeypatch, target, "import", str(other))
    assert refused.exit_code != 0
    assert "line 1: expected the header" in refused.output
    assert stored_events(store_settings(target)) == []

    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(lines[:-5]), encoding="utf-8")
    refused = _run(monkeypatch, target, "import", str(cut))
    assert refused.exit_code != 0
    assert "truncated" in refused.output
    assert stored_events(store_settings(target)) == []


def test_a_plan_imported_twice_is_refused_the_second_time_and_nothing_more_is_stored(
        places: tuple[Path, Path, DemoPlan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target, demo = places
    file = tmp_path / "plan.jsonl"
    _exported(monkeypatch, source, demo, file)
    assert _run(monkeypatch, target, "import", str(file)).exit_code == 0
    before = stored_events(store_settings(target))
    again = _run(monkeypatch, target, "import", str(file))
    assert again.exit_code != 0
    assert "exist in this installation already" in again.output
    assert stored_events(store_settings(target)) == before
    # Nor into the installation it came from.
    home = _run(monkeypatch, source, "import", str(file))
    assert home.exit_code != 0
    assert "exist in this installation already" in home.output


def test_an_unknown_plan_is_not_exported(places: tuple[Path, Path, DemoPlan], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    source, _target, _demo = places
    file = tmp_path / "plan.jsonl"
    result = _run(monkeypatch, source, "export", "6f1c1f0e-0000-4000-8000-000000000000", str(file))
    assert result.exit_code != 0
    assert "There is no plan" in result.output
    assert not file.exists()


def test_the_moved_plans_members_are_listed_and_get_their_place_back_by_their_id(
        places: tuple[Path, Path, DemoPlan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target, demo = places
    file = tmp_path / "plan.jsonl"
    _exported(monkeypatch, source, demo, file)
    imported = _run(monkeypatch, target, "import", str(file))
    assert imported.exit_code == 0, imported.output
    assert "have no account here" in imported.output
    facilitator = next(p for p in demo.people if p.role == "facilitator")
    other = next(p for p in demo.people if p.role != "facilitator")
    for person in (facilitator, other):
        assert f"  {person.person_id}  " in imported.output
    added = _run(monkeypatch, target, "people", "add", facilitator.email, "--name",
                 facilitator.name, "--id", facilitator.person_id)
    assert added.exit_code == 0, added.output
    taken = _run(monkeypatch, target, "people", "add", "someone@example.org", "--name", "Someone",
                 "--id", facilitator.person_id)
    assert taken.exit_code != 0 and "someone's already" in taken.output

    system = bootstrap(store_settings(target, demo_password=DEMO_PASSWORD))
    try:
        system.accounts.set_password(facilitator.person_id, DEMO_PASSWORD)
        client = create_app({"SYSTEM": system, "TESTING": True, "SECRET_KEY": "test"}).test_client()
        client.get("/sign-in?lang=en")
        assert sign_in(client, facilitator.email).status_code == 302
        page = html.unescape(client.get(f"/plans/{demo.plan_id}/members?lang=en").get_data(as_text=True))
    finally:
        system.close()
    assert facilitator.name in page  # back in their place, under their name
    assert other.name not in page
    assert f"unknown person #{other.person_id[:8]}" in page  # not added (yet)


def _postgres_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_URL, connect_timeout=2).close()
    except Exception:
        return False
    return True


def test_a_plan_moves_between_sqlite_and_postgresql_with_the_same_digest(
        places: tuple[Path, Path, DemoPlan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From the run's store to the other kind: the digest does not depend on how a store keeps ids."""
    if not _postgres_reachable():
        pytest.skip("no PostgreSQL to move the plan to")
    source, _target, demo = places
    file = tmp_path / "plan.jsonl"
    digest = _exported(monkeypatch, source, demo, file)
    other = tmp_path / "other" / "var"
    settings = Settings(data_dir=other) if on_postgres() else postgres_settings(other)
    for name in STORE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SAMVERKAN_DATA", str(other))
    if settings.uses_postgres:
        monkeypatch.setenv("SAMVERKAN_DATABASE_URL", settings.database_url)
        monkeypatch.setenv("SAMVERKAN_PG_SCHEMA", settings.pg_schema)
    imported = CliRunner().invoke(cli, ["import", str(file)])
    assert imported.exit_code == 0, imported.output
    assert digest in imported.output.splitlines()
    assert [e[1:] for e in stored_events(settings)] == [e[1:] for e in stored_events(store_settings(source))]


def test_only_the_plans_own_events_move_and_an_installation_with_other_plans_takes_it(
        places: tuple[Path, Path, DemoPlan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target, demo = places
    system = bootstrap(store_settings(source))
    try:
        with acting_as(str(uuid4())):
            other = str(system.app.start_plan("Annan plan", "Annanstans", 2027, 2028).aggregate_id)
            system.app.create_budget(other, "Budget")
    finally:
        system.close()
    other_file, demo_file = tmp_path / "other.jsonl", tmp_path / "demo.jsonl"
    assert _run(monkeypatch, source, "export", other, str(other_file)).exit_code == 0
    digest = _exported(monkeypatch, source, demo, demo_file)
    assert other not in demo_file.read_text(encoding="utf-8")
    assert len(other_file.read_text(encoding="utf-8").splitlines()) == 2 + 2  # plan and budget created
    # The target holds another plan first: the demo's events are chained after it.
    assert _run(monkeypatch, target, "import", str(other_file)).exit_code == 0
    imported = _run(monkeypatch, target, "import", str(demo_file))
    assert imported.exit_code == 0, imported.output
    assert digest in imported.output.splitlines()
    assert _run(monkeypatch, target, "audit", "verify").exit_code == 0
    again = _run(monkeypatch, target, "export", demo.plan_id, str(tmp_path / "again.jsonl"))
    assert again.output.strip().splitlines()[-1] == digest  # the same plan digest from its new home
    head = _run(monkeypatch, target, "audit", "digest").output
    assert digest.rsplit("sha256=", 1)[1] not in head  # the store's head vouches for both plans


def test_a_file_rewritten_with_a_new_digest_is_refused_against_the_digest_kept_apart(
        places: tuple[Path, Path, DemoPlan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The digest line is no signature: whoever changes the file can recompute it. The digest
    the export printed, kept elsewhere, is what catches that."""
    source, target, demo = places
    file = tmp_path / "plan.jsonl"
    kept = _exported(monkeypatch, source, demo, file)
    lines = file.read_bytes().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if b"Plan.ActorAdded" in line)
    lines[at] = lines[at].replace(b"Ljusdals kommun", b"Ljusdal AB")
    forged = PlanChain()
    for line in lines[1:-1]:
        event = json.loads(line)
        forged.add(event["topic"], event["originator_id"], event["originator_version"],
                   event["state"].encode())
    lines[-1] = json.dumps({"events": forged.events, "digest": str(forged.result(demo.plan_id))}
                           ).encode() + b"\n"
    rewritten = tmp_path / "rewritten.jsonl"
    rewritten.write_bytes(b"".join(lines))
    refused = _run(monkeypatch, target, "import", str(rewritten), "--expect", kept)
    assert refused.exit_code != 0
    assert "not to the expected digest" in refused.output
    assert stored_events(store_settings(target)) == []
    bad = _run(monkeypatch, target, "import", str(file), "--expect", "sha256=00")
    assert bad.exit_code != 0 and "not a plan digest" in bad.output
    accepted = _run(monkeypatch, target, "import", str(file), "--expect", kept)
    assert accepted.exit_code == 0, accepted.output


def test_an_import_beside_a_running_server_waits_for_it_to_take_the_plan_in(
        places: tuple[Path, Path, DemoPlan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server follows the target's log (it alone projects and chains): the import appends,
    waits for it, and verifies the plan's digest from what the server projected."""
    source, _target, demo = places
    file = tmp_path / "plan.jsonl"
    digest = _exported(monkeypatch, source, demo, file)
    (tmp_path / "target").mkdir()
    target = store_for(tmp_path / "target")
    server = serve(target, "server", {"SAMVERKAN_DEMO": "off"})
    try:
        imported = samverkan(target, "import", str(file), "--expect", digest)
        head = samverkan(target, "audit", "digest")
    finally:
        assert server.stop() == 0
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert digest in imported.stdout.splitlines()
    assert head.stdout.strip().endswith(digest.rsplit(" ", 1)[1])
