"""Run GGZY's benchmarks: `python benchmarks/run.py [NAME ...] [options]` (all of them by default).

Each benchmark prints ONE JSON line on stdout — {"name", "figure", "unit", "baseline", "ratio", "params"}
— with a baseline measured on this machine in the same run (see README.md). Progress goes to stderr.
Benchmarks are not tests: nothing here asserts a timing.
"""

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ggzy.settings")

NAMES = ("bid_intake", "opening", "lifecycle_scale", "search")


def runners(args: argparse.Namespace) -> dict[str, Callable[[], Any]]:
    import django

    django.setup()  # the opening benchmark runs the platform's own code in this process (no database)
    import bid_intake
    import lifecycle
    import opening
    import search

    return {
        "bid_intake": lambda: bid_intake.run(
            seconds=args.seconds, clients=args.clients, workers=args.workers
        ),
        "opening": lambda: opening.run(count=args.count),
        "lifecycle_scale": lambda: lifecycle.run(lots=args.lots),
        "search": lambda: search.run(docs=args.docs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="any of: " + ", ".join(NAMES))
    parser.add_argument("--seconds", type=float, default=60, help="bid_intake: measured seconds (default 60)")
    parser.add_argument("--clients", type=int, default=16, help="bid_intake: concurrent clients (default 16)")
    parser.add_argument(
        "--workers", type=int, default=2, help="bid_intake: server worker processes (default 2)"
    )
    parser.add_argument("--count", type=int, default=1000, help="opening: envelopes of 1 MB (default 1000)")
    parser.add_argument(
        "--lots", type=int, default=60, help="lifecycle_scale: lots at full size (default 60)"
    )
    parser.add_argument(
        "--docs",
        type=int,
        default=100_000,
        help="search: generated notices (default 100000; the issue: 1000000)",
    )
    args = parser.parse_intermixed_args(argv)
    unknown = sorted(set(args.names) - set(NAMES))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    table = runners(args)
    failed = 0
    for name in args.names or NAMES:
        try:
            table[name]()
        except Exception as exc:
            failed += 1
            from common import skipped

            skipped(name, f"failed: {type(exc).__name__}: {exc}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
