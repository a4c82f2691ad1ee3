from datetime import date

import pytest

from ggzy.exchange.calendar_actions import load_official_calendar, set_calendar_day
from ggzy.kernel import calendar
from ggzy.kernel.errors import InvalidInput, PermissionDenied
from ggzy.kernel.models import AuditEvent, CalendarDay
from ggzy.kernel.roles import Actor

pytestmark = pytest.mark.django_db


def test_plain_week_without_table() -> None:
    assert calendar.is_working_day(date(2026, 3, 6))  # Friday
    assert not calendar.is_working_day(date(2026, 3, 7))  # Saturday
    assert calendar.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)
    assert calendar.working_days_between(date(2026, 3, 6), date(2026, 3, 13)) == 5


def test_official_2026_national_day(system: Actor) -> None:
    assert load_official_calendar(system, 2026) > 0
    assert not calendar.is_working_day(date(2026, 10, 1))  # Thursday, holiday
    assert calendar.is_working_day(date(2026, 10, 10))  # Saturday worked in lieu
    assert calendar.is_working_day(date(2026, 9, 20))  # Sunday worked in lieu
    # 3 working days after 30 September: 8, 9 and 10 October.
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_period_ending_on_a_holiday_rolls_forward(system: Actor) -> None:
    load_official_calendar(system, 2026)
    # 20 calendar days from 11 September end on 1 October (holiday) -> the next working day, 8 October.
    assert calendar.period_end(date(2026, 9, 11), 20) == date(2026, 10, 8)
    # 20 days from 10 September end on 30 September, a working Wednesday: no roll.
    assert calendar.period_end(date(2026, 9, 10), 20) == date(2026, 9, 30)


def test_period_ending_on_a_weekend_rolls_to_monday() -> None:
    assert calendar.period_end(date(2026, 3, 2), 5) == date(2026, 3, 9)  # Saturday 7th -> Monday 9th
    assert calendar.period_end(date(2026, 3, 2), 4) == date(2026, 3, 6)  # Friday stays


def test_operator_marks_a_day(operator: Actor) -> None:
    set_calendar_day(operator, date(2026, 3, 9), "holiday", "测试假日")
    assert not calendar.is_working_day(date(2026, 3, 9))
    set_calendar_day(operator, date(2026, 3, 9), "normal")
    assert calendar.is_working_day(date(2026, 3, 9))


def test_only_operators_change_the_table(network: dict, system: Actor) -> None:
    from ggzy.testing import actor_of

    regulator = actor_of("reg")
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        set_calendar_day(regulator, date(2026, 3, 9), "holiday")
    with pytest.raises(InvalidInput):
        set_calendar_day(system, date(2026, 3, 9), "bogus")
    assert AuditEvent.objects.count() == before
    assert not CalendarDay.objects.filter(date=date(2026, 3, 9)).exists()


def test_unknown_year_is_refused(system: Actor) -> None:
    with pytest.raises(InvalidInput) as err:
        load_official_calendar(system, 1999)
    assert err.value.code == "calendar_year_unknown"


def test_a_city_operator_may_not_change_the_provinces_calendar(network: dict, system: Actor) -> None:
    """Every working-day period in the province counts on the table: only the province's centre keeps it."""
    from ggzy.registry.actions import create_staff_account
    from ggzy.registry.schemas import StaffAccountIn
    from ggzy.testing import PASSWORD, actor_of

    create_staff_account(
        system,
        StaffAccountIn(
            username="ycop",
            password=PASSWORD,
            name="银运营",
            mobile="13900000011",
            kind="operator",
            node_id=network["yinchuan"].pk,
        ),
    )
    before = AuditEvent.objects.count()
    for attempt in (
        lambda: set_calendar_day(actor_of("ycop"), date(2026, 3, 9), "holiday"),
        lambda: load_official_calendar(actor_of("ycop"), 2026),
    ):
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert refused.value.code == "operator_province"
    assert AuditEvent.objects.count() == before and not CalendarDay.objects.exists()
    set_calendar_day(actor_of("op"), date(2026, 3, 9), "holiday")  # the province's own operator may
