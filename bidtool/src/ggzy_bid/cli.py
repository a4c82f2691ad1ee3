"""Command line entry point (filled in with the tendering issue)."""

import sys


def main() -> None:
    print("ggzy-bid: not implemented yet", file=sys.stderr)
    sys.exit(2)
