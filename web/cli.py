"""The `samverkan` command: serve, demo, projections rebuild (a Flask CLI group)."""

from __future__ import annotations

import gc
import socket

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

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
    click.echo(f"Demo accounts (sign in with the e-mail address and the password {password!r}):")
    for person in demo.people:
        org = f", {person.org_name}" if person.org_name else ""
        click.echo(f"  {person.email:<40} {person.name} – {person.role}{org}")


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


def main() -> None:
    cli.main(prog_name="samverkan")
