"""A period knows its unit (issue 12): 日 rolls its last day off a holiday, 工作日 counts working days only."""

from datetime import date

import pytest

from ggzy.exchange.calendar_actions import load_official_calendar
from ggzy.kernel.errors import LegalRule
from ggzy.kernel.roles import Actor
from ggzy.kernel.rules import DayUnit, Period, working_days

pytestmark = pytest.mark.django_db
BASIS = LegalRule("测试依据", "测试")


def test_calendar_days_roll_off_a_holiday_and_working_days_skip_it(system: Actor) -> None:
    load_official_calendar(system, 2026)
    five_days, five_working_days = Period(5, BASIS), working_days(5, BASIS)
    assert five_days.unit is DayUnit.CALENDAR and five_working_days.unit is DayUnit.WORKING
    # From Friday 25 September 2026: five days end on Wednesday 30 September (a working day).
    assert five_days.end(date(2026, 9, 25)) == date(2026, 9, 30)
    # Five days from Sunday 27 September end on 2 October, inside the National Day holiday: 8 October.
    assert five_days.end(date(2026, 9, 27)) == date(2026, 10, 8)
    # Five working days from Friday 25 September: Mon 28, Tue 29, Wed 30, then the holiday to 7 October,
    # Thursday 8 and Friday 9 October: the fifth is 9 October (Saturday 10 is worked in lieu, not needed).
    assert five_working_days.end(date(2026, 9, 25)) == date(2026, 10, 9)
    assert five_working_days.count(date(2026, 9, 25), date(2026, 10, 9)) == 5
    assert five_days.count(date(2026, 9, 25), date(2026, 10, 9)) == 14


def test_a_period_says_its_unit() -> None:
    assert Period(20, BASIS).text == "20日" and working_days(5, BASIS).text == "5个工作日"
    assert working_days(5, BASIS).text_en == "5 working days"
