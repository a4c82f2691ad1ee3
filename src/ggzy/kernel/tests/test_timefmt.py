"""Times shown to people are Beijing wall-clock times, written the Chinese way."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.template import Context, Template
from django.utils import timezone as dj_timezone

from ggzy.kernel.timefmt import local, local_text, local_text_en


def test_utc_evening_is_the_next_morning_in_beijing() -> None:
    moment = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 01:00 on 1 January 2027 in Beijing
    assert local_text(moment) == "2027年1月1日 01:00"
    assert local_text_en(moment) == "2027-01-01 01:00 (UTC+08:00)"
    assert local(moment).date() == date(2027, 1, 1)


def test_the_finding_of_issue_11_reads_the_hall_time() -> None:
    closes = datetime(2026, 12, 22, 3, 1, tzinfo=UTC)  # the hall showed 11:01
    assert local_text(closes) == "2026年12月22日 11:01"
    assert "03:01" not in local_text(closes) and "03:01" not in local_text_en(closes)


def test_the_same_instant_in_any_zone_reads_the_same() -> None:
    utc = datetime(2027, 4, 22, 2, 0, tzinfo=UTC)
    elsewhere = utc.astimezone(timezone(timedelta(hours=-5)))
    assert local_text(utc) == local_text(elsewhere) == "2027年4月22日 10:00"


def test_an_activated_request_zone_does_not_change_messages() -> None:
    """A notification is written for whoever reads it later, so it is in the platform's zone."""
    with dj_timezone.override("Europe/London"):
        assert local_text(datetime(2027, 4, 22, 2, 0, tzinfo=UTC)) == "2027年4月22日 10:00"


def test_calendar_days_have_no_zone() -> None:
    assert local_text(date(2027, 1, 5)) == "2027年1月5日"
    assert local_text_en(date(2027, 1, 5)) == "2027-01-05"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_text(datetime(2026, 12, 22, 11, 1))


def test_a_page_without_a_format_prints_the_same_text() -> None:
    """Django localises an aware datetime in a template to TIME_ZONE with the zh-hans format."""
    moment = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    rendered = Template("{{ t }}").render(Context({"t": moment}))
    assert rendered == local_text(moment)
