"""The credit suite shares the supervision suite's fixtures (a tender, regulators, bids)."""

from ggzy.supervision.tests.conftest import finance, hooks_fail_loudly, regulator, tender

__all__ = ["finance", "hooks_fail_loudly", "regulator", "tender"]
