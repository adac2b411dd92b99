"""The `samverkan` command: serve, demo, projections rebuild, people, audit (a Flask CLI group)."""

from __future__ import annotations

import gc
import socket

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from adapters.people import Person
from web.app import async_mode, create_app, system
from web.live import live

cli = FlaskGroup(create_app=create_app, add_version_option=False,
                 help="Samverkan: plan shared public services across sectors.")


def _progress_bar(label: str) -> tuple[click.progressbar, callable]:
    """A click progress bar driven by (position, top) callbacks."""
    state = {"bar": None, "done": 0}

    def update(position: int, top: int) -> None:
        if state["bar"] is None:
            state["bar"] = click.progressbar(length=top, label=label, show_pos=True, file=None)
            state["bar"].__enter__()
        state["bar"].update(position - state["done"])
        state["done"] = position

    def finish() -> None:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)

    return update, finish


def _load_demo() -> None:
    from adapters.demo import load_demo

    sys = system()
    password = sys.settings.demo_password
    demo = load_demo(sys.app, sys.people, sys.accounts, password,
                     progress=lambda msg: click.echo(f"  {msg}"))
    sys.projections.catch_up()  # safe beside a running follower: one applies at a time
    click.echo(f"Loaded the demo plan ({sys.app.recorder.max_notification_id()} events).")
    _print_demo_accounts(demo.people)


def _print_demo_accounts(people: object) -> None:
    password = system().settings.demo_password
    click.echo(f"Demo accounts (sign in with the e-mail address and the password {password!r}):")
    for person in people:
        org = f", {person.org_name}" if person.org_name else ""
        click.echo(f"  {person.email:<40} {person.name} – {person.role}{org}")


def _demo_people_still_here() -> list[object]:
    """The demo's people that are still in the people store (not erased), as loaded."""
    from adapters.demo import ACTORS, PEOPLE, DemoPerson

    found = []
    for name, email, role, actor in PEOPLE.values():
        person = system().people.by_email(email)
        if person is not None and not person.erased and system().accounts.has_password(person.id):
            found.append(DemoPerson(person.id, name, email, role, ACTORS[actor][0] if actor else None))
    return found


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", envvar="PORT", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve Samverkan (loads the demo plan when the store is empty)."""
    from adapters.demo import store_is_empty

    sys = system()
    sys.start()
    if store_is_empty(sys.app):
        click.echo("The event store is empty: loading the demo plan …")
        _load_demo()
    elif demo_people := _demo_people_still_here():
        _print_demo_accounts(demo_people)  # unless someone has changed their password since
    _verify_history()
    live().start()  # broadcast stored changes to the /live rooms
    where = sys.settings.database_url or sys.settings.data_dir.resolve()
    server = _server(current_app._get_current_object(), host, port)
    # What start-up made lives as long as the process: keep it out of the garbage
    # collector's way, so its collections stay short while people edit.
    gc.collect()
    gc.freeze()
    click.echo(f"Samverkan is running on http://{host}:{port}/ (data: {where}, "
               f"{async_mode()}). Ctrl+C stops it.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        live().stop()
        sys.close()


def _verify_history() -> None:
    """Check the stored history against its hash chain before serving (before the event loop
    runs, so nobody waits on it); the audit page shows the result."""
    from adapters.audit_verify import verify

    sys = system()
    sys.projections.chain.catch_up(sys.app.recorder)
    result = verify(sys.app, sys.engine)
    if result.ok:
        click.echo(f"History verified: {result.events} events up to #{result.up_to}.")
    else:
        problem = result.problem
        click.echo(f"WARNING: the stored history is broken at #{problem.position}: "  # type: ignore[union-attr]
                   f"{problem.kind} ({problem.detail}). Run `samverkan audit verify`.", err=True)


def _server(app: object, host: str, port: int) -> object:
    """A WSGI server with TCP_NODELAY: without it a socket that still has a frame in flight
    holds the next one until the client's delayed ACK (up to 40 ms) — measured as a 40 ms floor
    under every fan-out load (scripts/bench_realtime.py)."""
    if async_mode() == "gevent":
        from gevent import pywsgi

        server = pywsgi.WSGIServer((host, port), app, log=None)
        server.init_socket()
    else:
        from werkzeug.serving import make_server

        server = make_server(host, port, app, threaded=True)
    server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return server


@cli.command("demo")
@click.option("--force", is_flag=True, help="Load it even though the store has events.")
@with_appcontext
def demo(force: bool) -> None:
    """Load the demo plan (Serviceplan Ramsjö 2027–2029)."""
    from adapters.demo import store_is_empty

    if not force and not store_is_empty(system().app):
        raise click.ClickException("The store already has events; use --force to add the demo.")
    system().projections.create_tables()
    _load_demo()


projections_cli = AppGroup("projections", help="Read models built from the event log.")
cli.add_command(projections_cli)


@projections_cli.command("rebuild")
@with_appcontext
def rebuild() -> None:
    """Drop every read model and rebuild it from the event log (stop the server first)."""
    update, finish = _progress_bar("Rebuilding read models")
    try:
        position = system().projections.rebuild(progress=update)
    finally:
        finish()
    click.echo(f"Rebuilt every read model up to event #{position}.")


people_cli = AppGroup("people", help="People: names and e-mail addresses, kept outside the event log.")
cli.add_command(people_cli)


@people_cli.command("list")
@with_appcontext
def list_people() -> None:
    """Every person: id, name, e-mail address, and whether they are erased."""
    for person in system().people.all():
        name = "" if person.erased else person.name or ""
        click.echo(f"{person.id}  {name:<30} {person.email or '':<40} "
                   f"{'erased' if person.erased else ''}".rstrip())


@people_cli.command("erase")
@click.argument("email_or_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_person(email_or_id: str, yes: bool) -> None:
    """Erase a person's personal data (GDPR): name, e-mail, password, sessions, API tokens.

    EMAIL_OR_ID is their e-mail address, their id, or at least its first 8 characters.
    The event log keeps their id only, so the history still verifies.
    """
    from web.views.account import erase_person as erase

    person = _find_person(email_or_id.strip())
    if person.erased:
        raise click.ClickException(f"Person #{person.id[:8]} is already erased.")
    if not yes:
        click.confirm(f"Erase {person.name} <{person.email or '-'}> (#{person.id[:8]}) for good?",
                      abort=True)
    erase(person.id)
    click.echo(f"Erased person #{person.id[:8]}: name, e-mail, password, sessions and API tokens "
               "removed; the event log is unchanged.")


def _find_person(email_or_id: str) -> Person:
    people = system().people
    if "@" in email_or_id:
        found = people.by_email(email_or_id)
    else:
        found = people.get(email_or_id)
        if found is None and len(email_or_id) >= 8:
            matches = [p for p in people.all() if p.id.startswith(email_or_id.lower())]
            if len(matches) > 1:
                raise click.ClickException(f"More than one person's id starts with {email_or_id}.")
            found = matches[0] if matches else None
    if found is None:
        raise click.ClickException(f"No person has the e-mail address or id {email_or_id}.")
    return found


audit_cli = AppGroup("audit", help="Tamper evidence: the hash chain over the event log.")
cli.add_command(audit_cli)


@audit_cli.command("digest")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="Also write the digest line to this file.")
@with_appcontext
def audit_digest(output: str | None) -> None:
    """Print the chain's head (position and sha256): keep it somewhere else to check later."""
    from adapters.audit_verify import Digest
    from projections.chain import chain_head

    sys = system()
    sys.projections.chain.create_tables()
    sys.projections.chain.catch_up(sys.app.recorder)
    with sys.engine.connect() as conn:
        head = chain_head(conn)
    if head is None:
        raise click.ClickException("The event log is empty: there is nothing to vouch for yet.")
    line = str(Digest(*head))
    click.echo(line)
    if output:
        with open(output, "w", encoding="utf-8") as file:
            file.write(line + "\n")


@audit_cli.command("verify")
@click.option("--digest", "digest_file", type=click.File("r", encoding="utf-8"),
              help="A digest printed earlier by `samverkan audit digest`.")
@with_appcontext
def audit_verify(digest_file: object) -> None:
    """Re-read every stored event and check it against the chain (and the digest); exit 1 if broken."""
    from sys import stderr

    from adapters.audit_verify import Digest, verify

    try:
        digest = Digest.parse(digest_file.read()) if digest_file else None  # type: ignore[attr-defined]
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--digest") from error
    sys = system()
    sys.projections.chain.create_tables()
    sys.projections.chain.catch_up(sys.app.recorder)  # events stored since are chained first
    bar: dict[str, object] = {}

    def progress(position: int, top: int) -> None:
        if "bar" not in bar:
            bar["bar"] = click.progressbar(length=top, label="Verifying", show_pos=True,
                                           file=stderr)
            bar["done"] = 0
        bar["bar"].update(position - bar["done"])  # type: ignore[attr-defined]
        bar["done"] = position

    try:
        result = verify(sys.app, sys.engine, digest, progress)
    finally:
        if "bar" in bar:
            bar["bar"].render_finish()  # type: ignore[attr-defined]
    if not result.ok:
        problem = result.problem
        click.echo(f"BROKEN at #{problem.position}: {problem.kind} ({problem.detail})")  # type: ignore[union-attr]
        raise SystemExit(1)
    pending = f"; {result.pending} newer events not yet chained" if result.pending else ""
    click.echo(f"OK: {result.events} events verified up to #{result.up_to} (sha256 {result.link}){pending}")


def main() -> None:
    cli.main(prog_name="samverkan")
