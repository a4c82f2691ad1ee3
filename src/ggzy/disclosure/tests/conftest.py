"""Fixtures of the disclosure tests: a finished trade (simulated tender through to the contract)."""

from collections.abc import Iterator

import pytest

from ggzy.disclosure.tests import trade
from ggzy.kernel import clock


@pytest.fixture
def finished(network) -> Iterator[trade.Finished]:  # type: ignore[no-untyped-def]
    done = trade.run(3)  # the simulation to its end: contract signed, lot archived
    yield done
    clock.release()
