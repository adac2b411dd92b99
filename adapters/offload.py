"""Work that would hold the one gevent loop for long (a disk sync, reading a large workbook)
runs in gevent's thread pool, so other participants' messages go on meanwhile; outside gevent
it runs right where it is called."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def on_gevent() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("threading")


def off_loop(function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` off the gevent loop when threading is gevent's; else right here.
    Its exception, if any, is raised here."""
    if on_gevent():
        import gevent

        return gevent.get_hub().threadpool.apply(function, args)
    return function(*args)
