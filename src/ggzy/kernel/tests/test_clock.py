from datetime import UTC, datetime, timedelta

import pytest

from ggzy.kernel import clock


def test_frozen_clock_moves_only_forward(vclock: datetime) -> None:
    assert clock.now() == vclock
    assert clock.advance(timedelta(days=20)) == vclock + timedelta(days=20)
    with pytest.raises(ValueError, match="never goes back"):
        clock.advance(timedelta(seconds=-1))


def test_today_is_in_beijing_time() -> None:
    with clock.frozen_at(datetime(2026, 3, 1, 16, 30, tzinfo=UTC)):  # 00:30 on 2 March in Beijing
        assert clock.today().isoformat() == "2026-03-02"
    assert not clock.is_frozen()


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.freeze(datetime(2026, 1, 1))
