"""gunicorn's gevent worker, fitted to Samverkan (named by web/gunicorn_conf.py).

- The standard library is patched as `web.entry` patches it for `samverkan serve`: all but the
  queue module (eventsourcing subclasses queue.Queue in a way gevent's queue does not allow).
- TCP_NODELAY on the listening sockets (web/serving.py says why: a 40 ms floor without it).
- SIGTERM first runs the graceful part of web/draining.py (finish socket commands, tell the
  sockets to reconnect elsewhere, close them); then gunicorn's own graceful stop lets open HTTP
  requests finish, and `worker_exit` (web/gunicorn_conf.py) closes the System.
"""

from __future__ import annotations

import socket
from typing import Any

import gevent
from gevent import monkey
from gunicorn.workers.ggevent import GeventWorker


class SamverkanGeventWorker(GeventWorker):
    def patch(self) -> None:
        monkey.patch_all(queue=False)
        from gevent import socket as gsocket

        self.sockets = [gsocket.socket(s.FAMILY, gsocket.SOCK_STREAM, fileno=s.sock.fileno())
                        for s in self.sockets]
        for listening in self.sockets:
            listening.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle_exit(self, sig: int, frame: Any) -> None:
        # Out of the signal handler, so draining may block (cooperatively) as long as it needs.
        if getattr(self, "_draining", None) is None:
            self._draining = gevent.spawn(self._drain_then_exit, sig, frame)

    def _drain_then_exit(self, sig: int, frame: Any) -> None:
        from web.draining import begin_stopping

        try:
            begin_stopping(self.wsgi)
        except Exception:  # stopping must go on whatever went wrong in draining
            self.log.exception("draining before the stop failed")
        super().handle_exit(sig, frame)
