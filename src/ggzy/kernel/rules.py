"""One type for every legal number the platform applies, and one for every legal period (issue 12).

A `Rule` is a value with the legal rule it comes from; `unconfirmed` marks the [U] and [S] items of
rules-cn.md and rules-methods-cn.md, configuration to be checked against the official text. A `Period` is a
rule whose value is a number of days in a stated unit, 日 (calendar days, rolled forward off a holiday at
the end: 民法典 第203条) or 工作日 (working days of the kernel calendar), so that no caller decides which.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ggzy.kernel import calendar
from ggzy.kernel.errors import LegalRule


@dataclass(frozen=True)
class Rule[T]:
    value: T
    legal: LegalRule
    unconfirmed: bool = False


class DayUnit(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"

    @property
    def label(self) -> str:
        return "日" if self is DayUnit.CALENDAR else "个工作日"

    @property
    def label_en(self) -> str:
        return "days" if self is DayUnit.CALENDAR else "working days"


@dataclass(frozen=True)
class Period(Rule[int]):
    unit: DayUnit = DayUnit.CALENDAR

    def end(self, start: date) -> date:
        """The last day of the period counted from `start` (the start day itself not counted)."""
        if self.unit is DayUnit.WORKING:
            return calendar.add_working_days(start, self.value)
        return calendar.period_end(start, self.value)

    def count(self, start: date, end: date) -> int:
        """How many of this period's days lie in (start, end]."""
        if self.unit is DayUnit.WORKING:
            return calendar.working_days_between(start, end)
        return calendar.calendar_days_between(start, end)

    @property
    def text(self) -> str:
        """ "20日", "5个工作日"."""
        return f"{self.value}{self.unit.label}"

    @property
    def text_en(self) -> str:
        return f"{self.value} {self.unit.label_en}"


def working_days(value: int, legal: LegalRule, unconfirmed: bool = False) -> Period:
    return Period(value, legal, unconfirmed, DayUnit.WORKING)
