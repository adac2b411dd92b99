"""gunicorn's configuration for a Samverkan web process (`samverkan serve --prod`, or
`gunicorn --config python:web.gunicorn_conf`); docs/deploy.md has the topology.

Environment: PORT and SAMVERKAN_BIND (address, default 127.0.0.1), SAMVERKAN_WORKER_CONNECTIONS,
SAMVERKAN_GRACEFUL_SECONDS, and every SAMVERKAN_* setting of adapters/settings.py.
"""

from __future__ import annotations

import os

bind = [f"{os.environ.get('SAMVERKAN_BIND', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"]
# One worker: Flask-SocketIO needs every request of a client to reach the same process, which
# gunicorn's balancing cannot promise. Scale with more processes behind a sticky proxy.
workers = 1
worker_class = "web.gunicorn_worker.SamverkanGeventWorker"
worker_connections = int(os.environ.get("SAMVERKAN_WORKER_CONNECTIONS", "2000"))
wsgi_app = "web.production:create()"
# SIGTERM: the whole stop (web/draining.py's grace for socket commands, then open requests)
# has this long before the master kills the worker.
graceful_timeout = int(os.environ.get("SAMVERKAN_GRACEFUL_SECONDS", "20"))
timeout = 60  # a worker whose loop is stuck this long is restarted by the arbiter
keepalive = 5  # seconds an idle keep-alive connection is kept (behind the proxy)
accesslog = None  # no line per request; the proxy keeps the access log
proc_name = "samverkan-web"

if os.environ.get("SAMVERKAN_LOG_FORMAT", "").lower() == "json":
    # gunicorn's own lines (start, stop, worker restarts) as the app's: one JSON object a line.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "web.observability.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                                 "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["console"], "level": "INFO"},
        "loggers": {"gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }


def worker_exit(server: object, worker: object) -> None:
    """After the worker's graceful stop: the live feed ends and the follower lock is released."""
    from web.production import stop

    stop()
