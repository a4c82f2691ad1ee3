"""Print the PostgreSQL URL the test suite should use, or nothing when there is none.

GGZY_TEST_DATABASE_URL wins; otherwise a server answering on 127.0.0.1:5432 is used with the
`postgres` role. With GGZY_REQUIRE_POSTGRES=1 an unreachable server exits 1 instead of printing nothing.
"""

import os
import sys

import psycopg

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ggzy"


def main() -> int:
    url = os.environ.get("GGZY_TEST_DATABASE_URL") or DEFAULT_URL
    required = os.environ.get("GGZY_REQUIRE_POSTGRES") == "1" or "GGZY_TEST_DATABASE_URL" in os.environ
    # Connect to the maintenance database: pytest-django creates test_<name> itself.
    probe = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(probe, connect_timeout=3):
            pass
    except psycopg.Error as exc:
        if required:
            print(f"PostgreSQL required but not reachable at {probe}: {exc}", file=sys.stderr)
            return 1
        return 0
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
