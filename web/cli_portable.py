"""`samverkan export PLAN FILE` and `samverkan import FILE`: a plan's history moved between
installations, checked by its digest on both sides (docs/audit.md, "Moving a plan")."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from sys import stderr

import click
from flask.cli import with_appcontext

from adapters.portable import (
    PlanDigest,
    PortableError,
    export_plan,
    members_unknown_here,
    plan_digest,
    read_export,
    store_events,
)
from web.app import system

IMPORT_WAIT_SECONDS = 600.0  # how long an import waits for a running server to project the plan


def _bar(label: str) -> tuple[callable, callable]:
    """A progress bar on stderr driven by (position, top); drawn once the length is known."""
    state: dict[str, object] = {}

    def update(position: int, top: int) -> None:
        if "bar" not in state:
            state["bar"] = click.progressbar(length=max(top, 1), label=label, show_pos=True,
                                             file=stderr)
            state["done"] = 0
        state["bar"].update(position - state["done"])  # type: ignore[attr-defined]
        state["done"] = position

    def finish() -> None:
        if "bar" in state:
            state.pop("bar").render_finish()  # type: ignore[attr-defined]

    return update, finish


def _caught_up() -> None:
    """Every stored event projected and chained: here if nobody else follows the log, else by
    waiting for the process that does (its views name the plan's aggregates)."""
    sys = system()
    top = sys.app.recorder.max_notification_id() or 0
    update, finish = _bar("Projecting")
    try:
        with sys.follower.exclusively() as ours:
            if ours:
                sys.projections.catch_up(progress=update)
                return
        sys.projections.wait(top, timeout=IMPORT_WAIT_SECONDS)
    finally:
        finish()


@click.command("export")
@click.argument("plan_id", metavar="PLAN")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export_command(plan_id: str, file: Path) -> None:
    """Write the plan's history (its stored events, ids but no names) to FILE as JSON lines,
    ending with the plan's digest."""
    sys = system()
    _caught_up()
    update, finish = _bar("Exporting")
    # Written beside FILE and renamed at the end: FILE is either a whole export or untouched.
    handle, partial = tempfile.mkstemp(prefix=f".{file.name}.", dir=file.parent or ".")
    try:
        with os.fdopen(handle, "wb") as out:
            digest = export_plan(sys.app, sys.engine, plan_id, out, update)
        os.replace(partial, file)
    except PortableError as error:
        raise click.ClickException(str(error)) from None
    finally:
        finish()
        if os.path.exists(partial):
            os.unlink(partial)
    click.echo(f"Exported {digest.events} events of the plan {digest.plan_id} to {file}.")
    click.echo(str(digest))


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--expect", "expected", metavar="DIGEST",
              help="The digest line `samverkan export` printed, kept apart from the file: the "
                   "file is refused unless it hashes to this very digest.")
@with_appcontext
def import_command(file: Path, expected: str | None) -> None:
    """Load a plan exported by `samverkan export` (refused, storing nothing, if the file does not
    hash to its digest or the plan is here already); then recompute its digest from this store."""
    sys = system()
    try:
        expect = PlanDigest.parse(expected) if expected is not None else None
    except PortableError as error:
        raise click.BadParameter(str(error), param_hint="--expect") from None
    size = file.stat().st_size
    update, finish = _bar("Reading")
    try:
        with file.open("rb") as lines:  # lines end at b"\n" only: a JSON string has none
            checked = read_export(lines, lambda _n: update(lines.tell(), size))
        update(size, size)
        finish()
        if expect is not None and expect != checked.digest:
            raise PortableError(f"the file hashes to {checked.digest}, not to the expected digest "
                                "(--expect): it is not the export that digest vouches for. "
                                "Nothing was stored.")
        click.echo(f"The file holds {checked.digest.events} events of the plan {checked.plan_id} "
                   "and hashes to its digest.")
        store_events(sys.app, checked)
    except PortableError as error:
        raise click.ClickException(str(error)) from None
    finally:
        finish()
    _caught_up()
    update, finish = _bar("Verifying")
    try:
        found = plan_digest(sys.app, checked.aggregates, checked.plan_id, update)
    finally:
        finish()
    click.echo(str(found))
    if found != checked.digest:
        click.echo(f"DIFFERENT: the file's digest is {checked.digest}.", err=True)
        raise SystemExit(1)
    click.echo(f"Imported: this installation's events of the plan hash to the file's digest "
               f"({found.events} events).")
    _list_unknown_members(checked.plan_id)


def _list_unknown_members(plan_id: str) -> None:
    unknown = members_unknown_here(system().engine, system().people, plan_id)
    if not unknown:
        return
    click.echo(f"{len(unknown)} members of the plan have no account here (pages show an unknown "
               "person #id); give each one their place back with "
               "`samverkan people add EMAIL --name NAME --id ID`:")
    for person_id, role in unknown:
        click.echo(f"  {person_id}  {role}")
