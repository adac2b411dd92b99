"""The `samverkan` console command.

`samverkan serve` runs under gevent (chosen by measurement, see docs/realtime.md), and gevent
must patch the standard library before anything else is imported — so this module imports
nothing of ours until it has decided. Other commands run with ordinary threads.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    if "serve" in sys.argv[1:] and os.environ.get("SAMVERKAN_ASYNC_MODE", "gevent") == "gevent":
        from gevent import monkey

        # The queue module stays as it is: eventsourcing subclasses queue.Queue (a backport of
        # shutdown()), which gevent's own queue does not allow; with threading patched, the
        # standard queue's locks are gevent's anyway.
        monkey.patch_all(queue=False)
    from web.cli import main as run

    run()


if __name__ == "__main__":
    main()
