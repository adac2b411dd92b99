"""The `samverkan` command: serve, demo, projections rebuild, people, audit, db, export, import
(a Flask CLI group)."""

from __future__ import annotations

import gc
from contextlib import suppress

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, ScriptInfo, with_appcontext

from web.app import async_mode, create_app, system
from web.cli_db import db_cli
from web.cli_people import people_cli
from web.cli_portable import export_command, import_command
from web.live import live


def _app_for_a_command() -> Flask:
    """The app one `samverkan` command runs in; its System closes when the command ends. A
    command run in-process (by a Python caller, or the tests) would otherwise keep its pools
    of database sessions open, one set per command, until PostgreSQL refuses new clients."""
    app = create_app()
    context = click.get_current_context(silent=True)
    if context is not None:
        context.find_root().call_on_close(app.extensions["samverkan"].close)
    return app


cli = FlaskGroup(create_app=_app_for_a_command, add_version_option=False,
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


FOLLOWED_ELSEWHERE = "a running server or worker follows this store; stop it first"
DIGEST_WAIT_SECONDS = 10.0  # how long `audit digest` waits for a running server to chain the newest


def _load_demo() -> None:
    """Append the demo plan's events; the process that follows the log projects them."""
    from adapters.demo import load_demo

    sys = system()
    password = sys.settings.demo_password
    demo = load_demo(sys.app, sys.people, sys.accounts, password,
                     progress=lambda msg: click.echo(f"  {msg}"))
    top = sys.app.recorder.max_notification_id()
    with sys.follower.exclusively() as ours:
        if sys.follower.leading:
            sys.projections.wait(top, timeout=120)
        elif ours:  # nobody follows the log: project the events now, then let go
            sys.projections.catch_up()
    click.echo(f"Loaded the demo plan ({top} events).")
    if not ours:
        click.echo("A running server (or worker) follows this store: it adds them to the read models.")
    _print_demo_accounts(demo.people)


def _print_demo_accounts(people: object) -> None:
    password = system().settings.demo_password
    click.echo(f"Demo accounts (sign in with the e-mail address and the password {password!r}):")
    for person in people:
        org = f", {person.org_name}" if person.org_name else ""
        click.echo(f"  {person.email:<40} {person.name} – {person.role}{org}")


@cli.command("serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", envvar="PORT", default=5000, show_default=True, type=int)
@click.option("--prod", is_flag=True, help="Serve with gunicorn's gevent worker (web/gunicorn_conf.py; "
              "docs/deploy.md) instead of the embedded server.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, prod: bool) -> None:
    """Serve Samverkan (loads the demo plan when the store is empty, unless SAMVERKAN_DEMO=off);
    Ctrl+C or SIGTERM stops it."""
    if prod:  # before building an app here: gunicorn's worker builds its own
        _exec_gunicorn(host, port)
    with ctx.ensure_object(ScriptInfo).load_app().app_context():
        _serve_embedded(host, port)


def _serve_embedded(host: str, port: int) -> None:
    from web.serving import make_server, serve_until_signalled

    start_serving(host, port)
    where = system().settings.database_url or system().settings.data_dir.resolve()
    server = make_server(current_app._get_current_object(), host, port, async_mode())
    click.echo(f"Samverkan is running on http://{host}:{port}/ (data: {where}, "
               f"{async_mode()}). Ctrl+C stops it.")
    try:
        serve_until_signalled(server, async_mode())
    finally:
        stop_serving()


def start_serving(host: str, port: int) -> None:
    """What a serving process does before it answers (here and under gunicorn, web/production.py):
    follow the log (or stand by), load the demo on an empty store, check the history, go live."""
    from adapters.demo import store_is_empty

    sys = system()
    sys.start()
    if sys.role == "web":
        click.echo("A web process: the worker (`samverkan worker`) follows the log and runs the "
                   "projections.")
    elif not sys.follower.leading:
        click.echo("Another process follows this store's log (a server or worker): this one serves "
                   "and takes over when it stops.")
    loading = store_is_empty(sys.app) and sys.settings.demo
    if loading:
        click.echo("The event store is empty: loading the demo plan …")
        _load_demo()
    # Checks the demo people's passwords now (argon2, once per hash), not on the event loop
    # when the sign-in page first lists them.
    demo_people = sys.demo_accounts.open()
    if demo_people and not loading:
        _print_demo_accounts(demo_people)  # those who still have the demo password
    if sys.first_run.needed():
        click.echo(f"Nobody has an account yet: open http://{host}:{port}/setup to create the "
                   "first one (or add people with `samverkan people add`).")
    _verify_history()
    live().start()  # broadcast stored changes to the /live rooms
    # What start-up made lives as long as the process: keep it out of the garbage
    # collector's way, so its collections stay short while people edit.
    gc.collect()
    gc.freeze()


def stop_serving() -> None:
    """After the HTTP server stopped: the live feed ends, the follower lock is released."""
    live().stop()
    system().close()
    click.echo("Samverkan stopped.")


@cli.command("worker", with_appcontext=False)  # builds no web app
def worker() -> None:
    """Follow the log: run the projections and the hash chain and publish each committed batch
    to the web processes (SAMVERKAN_REDIS_URL). A second worker stands by and takes over when
    the first stops. Ctrl+C or SIGTERM stops it."""
    import signal
    import threading

    from adapters.bootstrap import bootstrap

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    sys = bootstrap(role="worker")
    try:
        sys.start()
        click.echo(f"Following the log at #{sys.projections.position}." if sys.follower.leading
                   else "Another worker follows this store's log: this one takes over when it stops.")
        stop.wait()
    finally:
        sys.close()
    click.echo("The worker stopped.")


def _exec_gunicorn(host: str, port: int) -> None:
    """Replace this process by gunicorn with our config (one worker: Socket.IO needs sticky
    sessions, which gunicorn cannot give; run more processes behind the proxy instead)."""
    import os
    import sys

    os.environ.update(PORT=str(port), SAMVERKAN_BIND=host)  # what start_serving prints
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "--config", "python:web.gunicorn_conf",
                              "--bind", f"{host}:{port}"])


def _verify_history() -> None:
    """Check the stored history against its hash chain before serving (before the event loop
    runs, so nobody waits on it); the audit page shows the result. The follower has chained
    what was stored; events another process follows are counted as not yet chained."""
    from adapters.audit_verify import verify

    sys = system()
    result = verify(sys.app, sys.engine)
    if result.ok:
        pending = f" ({result.pending} newer events not yet chained)" if result.pending else ""
        click.echo(f"History verified: {result.events - result.pending} events up to "
                   f"#{result.up_to}{pending}.")
    else:
        problem = result.problem
        click.echo(f"WARNING: the stored history is broken at #{problem.position}: "  # type: ignore[union-attr]
                   f"{problem.kind} ({problem.detail}). Run `samverkan audit verify`.", err=True)


@cli.command("demo")
@click.option("--force", is_flag=True, help="Load it even though the store has events.")
@with_appcontext
def demo(force: bool) -> None:
    """Load the demo plan (Serviceplan Ramsjö, three years from last year or this one)."""
    from adapters.demo import store_is_empty

    if not force and not store_is_empty(system().app):
        raise click.ClickException("The store already has events; use --force to add the demo.")
    _load_demo()


projections_cli = AppGroup("projections", help="Read models built from the event log.")
cli.add_command(projections_cli)


@projections_cli.command("rebuild")
@with_appcontext
def rebuild() -> None:
    """Drop every read model and rebuild it from the event log (stop the server first)."""
    update, finish = _progress_bar("Rebuilding read models")
    with system().follower.exclusively() as ours:
        if not ours:  # its views would be dropped under it
            raise click.ClickException(FOLLOWED_ELSEWHERE)
        try:
            position = system().projections.rebuild(progress=update)
        finally:
            finish()
    click.echo(f"Rebuilt every read model up to event #{position}.")


cli.add_command(people_cli)
cli.add_command(db_cli)
cli.add_command(export_command)
cli.add_command(import_command)


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
    top = _chained_to_the_end()
    with sys.engine.connect() as conn:
        head = chain_head(conn)
    if head is None:
        raise click.ClickException("The event log is empty: there is nothing to vouch for yet.")
    line = str(Digest(*head))
    click.echo(line)
    if head[0] < top:
        click.echo(f"The running server has not chained the events after #{head[0]} yet "
                   f"(the log reaches #{top}): this digest vouches for the history up to #{head[0]}.",
                   err=True)
    if output:
        with open(output, "w", encoding="utf-8") as file:
            file.write(line + "\n")


def _chained_to_the_end() -> int:
    """Chain every stored event — here if no other process follows the log, else by waiting
    (bounded) for the one that does; the chain is only ever written by the lock's holder.
    Returns the log's last position when this was called."""
    sys = system()
    top = sys.app.recorder.max_notification_id() or 0
    with sys.follower.exclusively() as ours:
        if ours:
            sys.projections.chain.catch_up(sys.app.recorder)
            return top
    with suppress(TimeoutError):
        sys.projections.chain.wait(top, timeout=DIGEST_WAIT_SECONDS)
    return top


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
    with sys.follower.exclusively() as ours:
        if ours:  # events stored since are chained first (elsewhere the follower chains them)
            sys.projections.chain.catch_up(sys.app.recorder)
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
    pending = ""
    if result.pending:
        pending = f"; {result.pending} newer events are pending" + (
            "" if ours else " (the running server or worker chains them)")
    click.echo(f"OK: {result.events - result.pending} events verified up to #{result.up_to} "
               f"(sha256 {result.link}){pending}")


def main() -> None:
    cli.main(prog_name="samverkan")
