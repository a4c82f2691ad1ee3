# Bidding builds on a published tender: reuse the trading fixture.
from ggzy.trading.tests.conftest import tender

__all__ = ["tender"]
