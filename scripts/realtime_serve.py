"""`samverkan serve` with the realtime benchmark's probes (scripts/realtime_probe.py) started
inside it: what scripts/realtime_samverkan.py runs. Everything else is web.entry's own start."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

import realtime_probe

if __name__ == "__main__":
    from gevent import monkey

    monkey.patch_all(queue=False)  # as web.entry does (it patches again: a no-op), then probes
    realtime_probe.install()  # a greenlet: it first runs once serve's loop is going
    sys.argv = [sys.argv[0], "serve"]
    from web.entry import main

    main()
