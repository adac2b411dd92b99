"""The app gunicorn serves (web/gunicorn_conf.py): built and started in the worker, after gevent
has patched it, exactly as `samverkan serve` starts its own."""

from __future__ import annotations

import os

from flask import Flask

from web.app import create_app

_started: list[Flask] = []


def create() -> Flask:
    app = create_app()
    from web.cli import start_serving

    with app.app_context():
        start_serving(os.environ.get("SAMVERKAN_BIND", "127.0.0.1"), int(os.environ.get("PORT", "5000")))
    _started.append(app)
    return app


def stop() -> None:
    from web.cli import stop_serving

    while _started:
        with _started.pop().app_context():
            stop_serving()
