"""Operator actions on the holiday table: it decides every working-day period in the province, so only
the province's centre keeps it."""

from datetime import date

from ggzy.exchange.queries import require_province_operator
from ggzy.kernel import audit
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.calendar import OFFICIAL_SOURCE, official_days
from ggzy.kernel.errors import InvalidInput
from ggzy.kernel.models import CalendarDay
from ggzy.kernel.roles import Actor, Role


@action("kernel.load_official_calendar")
def load_official_calendar(actor: Actor, year: int) -> int:
    """Replace one year's holidays and in-lieu workdays with the official schedule."""
    role = require_role(actor, Role.OPERATOR)
    require_province_operator(actor, "节假日安排")
    days = official_days(year)
    if not days:
        raise InvalidInput(
            "calendar_year_unknown",
            f"尚无{year}年的官方节假日安排，请逐日录入",
            f"No official holiday schedule for {year} is known yet; enter the days one by one",
            details={"year": year},
        )
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=d, kind=kind, name=name, source=f"{OFFICIAL_SOURCE}（{year}年）")
        for d, kind, name in days
    )
    audit.record(("kernel.calendar", year), {"year": year, "days": len(days)}, role=role)
    return len(days)


@action("kernel.set_calendar_day")
def set_calendar_day(
    actor: Actor, day: date, kind: str, name: str = "", source: str = ""
) -> CalendarDay | None:
    """Mark one day as a holiday or in-lieu workday, or (kind="normal") return it to the plain week."""
    role = require_role(actor, Role.OPERATOR)
    require_province_operator(actor, "节假日安排")
    if kind not in {*CalendarDay.Kind.values, "normal"}:
        raise InvalidInput(
            "calendar_kind",
            "日期类型应为 holiday（节假日）、workday（调休工作日）或 normal（恢复常规）",
            "kind must be holiday, workday or normal",
            details={"kind": kind},
        )
    CalendarDay.objects.filter(date=day).delete()
    row = None
    if kind != "normal":
        row = CalendarDay.objects.create(date=day, kind=kind, name=name, source=source)
    audit.record(("kernel.calendar", day.isoformat()), {"date": day, "kind": kind, "name": name}, role=role)
    return row
