"""A platform prepared once per session (migrated database, tender open for bids on the real clock, 50
bidders with certificates and tokens); each test that serves it works on its own copy."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ggzy.reliability.tests.harness import Platform, dedicated_database, prepare_platform

BIDDERS = 50


@pytest.fixture(scope="session")
def prepared_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    db = dedicated_database(tmp_path_factory.mktemp("prepared") / "var", "rel")
    try:
        yield prepare_platform(db, BIDDERS)
    finally:
        db.drop()


@pytest.fixture
def live_platform(prepared_platform: Platform, tmp_path: Path) -> Iterator[Platform]:
    """A fresh copy of the prepared platform for one test (its own var dir and database)."""
    db = prepared_platform.db.clone(tmp_path / "var", "live")
    try:
        yield prepared_platform.with_db(db)
    finally:
        db.drop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`slow` tests (exhaustive walks) run only when asked for: `-m slow` or GGZY_SLOW_TESTS=1."""
    import os

    if "slow" in (config.getoption("markexpr", "") or "") or os.environ.get("GGZY_SLOW_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="exhaustive variant: run with -m slow or GGZY_SLOW_TESTS=1")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)
