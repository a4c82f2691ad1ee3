"""A receipt is sent only for a durable bid (issue 11 §7): every commit reaches the disk before it returns."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_commits_are_durable_on_either_database() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 2  # FULL (NORMAL = 1 may lose the latest commits in WAL mode)
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
        else:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] in {"on", "remote_write", "remote_apply"}
            cursor.execute("SHOW fsync")
            assert cursor.fetchone()[0] == "on"
