"""Calendar days and working days, with the holiday table (CalendarDay) the operator keeps current.

Counting follows 政府采购货物和服务招标投标管理办法（87号令）第85条 and 民法典 第201–203条:
day 1 is the day after the trigger, and a period whose last day is a holiday or rest day ends on the
next working day. A weekend worked in lieu (调休) is a working day; a weekday holiday is not.
"""

import logging
from datetime import date, timedelta

from ggzy.kernel.errors import LegalRule
from ggzy.kernel.models import CalendarDay

log = logging.getLogger(__name__)

PERIOD_RULE = LegalRule(
    "政府采购货物和服务招标投标管理办法（财政部令第87号）第85条；民法典 第201、203条",
    "期间开始之日不计算在期间内；期间届满的最后一日是节假日的，以节假日后的第一日为期间届满的日期。",
)


def _overrides(start: date, end: date) -> dict[date, str]:
    rows = CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind")
    return dict(rows)


def _last_configured_year() -> int | None:
    last = CalendarDay.objects.order_by("-date").values_list("date", flat=True).first()
    return last.year if last else None


def _warn_if_beyond_table(day: date) -> None:
    last = _last_configured_year()
    if last is None or day.year > last:
        log.warning("holiday table has no entries for %s: counting weekends only", day.year)


def _is_working(day: date, overrides: dict[date, str]) -> bool:
    kind = overrides.get(day)
    if kind == CalendarDay.Kind.HOLIDAY:
        return False
    if kind == CalendarDay.Kind.WORKDAY:
        return True
    return day.weekday() < 5


def is_working_day(day: date) -> bool:
    return _is_working(day, _overrides(day, day))


def next_working_day_on_or_after(day: date) -> date:
    overrides = _overrides(day, day + timedelta(days=40))
    while not _is_working(day, overrides):
        day += timedelta(days=1)
    return day


def period_end(start: date, days: int) -> date:
    """Last day of a period of `days` calendar days from `start`, rolled forward off holidays."""
    if days < 0:
        raise ValueError("a period is never negative")
    end = start + timedelta(days=days)
    _warn_if_beyond_table(end)
    return next_working_day_on_or_after(end)


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (start itself not counted)."""
    if days < 0:
        raise ValueError("a period is never negative")
    horizon = start + timedelta(days=days * 2 + 40)
    _warn_if_beyond_table(horizon)
    overrides = _overrides(start, horizon)
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if _is_working(day, overrides):
            counted += 1
    return day


def calendar_days_between(start: date, end: date) -> int:
    """Whole days from `start` to `end`, the start day not counted (the 20 days of 招标投标法 第24条)."""
    return (end - start).days


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]."""
    if end <= start:
        return 0
    overrides = _overrides(start, end)
    return sum(
        1 for n in range(1, (end - start).days + 1) if _is_working(start + timedelta(days=n), overrides)
    )


# --- keeping the table current -------------------------------------------------------------------

OFFICIAL_SOURCE = "国务院办公厅关于部分节假日安排的通知"


def official_days(year: int) -> list[tuple[date, str, str]]:
    """(date, kind, name) for one year from the `chinese_calendar` package, which tracks the State
    Council's yearly notice. Empty when the package does not know the year yet."""
    import chinese_calendar

    days = [
        (d, CalendarDay.Kind.HOLIDAY.value, n) for d, n in chinese_calendar.holidays.items() if d.year == year
    ]
    days += [
        (d, CalendarDay.Kind.WORKDAY.value, n) for d, n in chinese_calendar.workdays.items() if d.year == year
    ]
    return sorted(days)
