"""`./scripts/bench [group …]`: one JSON object per line (metric, value, unit, target, baseline).

Groups: core, realtime, audit, scale. With no group, every group runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_audit
import bench_core
import bench_realtime
import bench_scale

GROUPS: dict[str, Callable[[argparse.Namespace], Iterator[dict]]] = {
    "core": bench_core.run,
    "realtime": bench_realtime.run,
    "audit": bench_audit.run,
    "scale": bench_scale.run,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("groups", nargs="*", help=f"any of {', '.join(GROUPS)} (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes, for checking the benchmark itself")
    args = parser.parse_args()
    unknown = set(args.groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s): {', '.join(sorted(unknown))}; choose from {', '.join(GROUPS)}")
    failed = False
    for name in args.groups or list(GROUPS):
        for result in GROUPS[name](args):
            result = {"group": name, **result}
            print(json.dumps(result, ensure_ascii=False), flush=True)
            failed |= result.get("met") is False
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
