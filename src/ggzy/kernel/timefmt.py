"""Times shown to people: the one place a datetime becomes text in a message.

The database and the clock hold UTC instants. A person reads Beijing time (settings.TIME_ZONE,
Asia/Shanghai), written the Chinese way. Every notification, error message, alert title or page
message that names a time goes through `local_text` (Chinese) or `local_text_en` (the English half of
an error), so a deadline of 10:00 in the hall is never written as 02:00.

The Chinese format is Django's own zh-hans DATETIME_FORMAT ("Y年n月j日 H:i", e.g. "2026年12月22日
11:01"), so a message and a page that prints the same time without a format read alike. A `date`
(a calendar day: a period's last day, a ban's end) has no zone and prints as "2026年12月22日".

Machine-readable outputs (API JSON, receipts, audit payloads, OCDS) are not text for people: they keep
ISO 8601 with its offset and never come here.
"""

from datetime import date, datetime

from django.utils import timezone


def local(value: datetime) -> datetime:
    """The instant on the platform's wall clock (settings.TIME_ZONE), whatever zone is active."""
    if timezone.is_naive(value):
        raise ValueError("a time shown to people must be timezone-aware")
    return timezone.localtime(value, timezone.get_default_timezone())


def local_text(value: datetime | date) -> str:
    """Chinese: "2026年12月22日 11:01" for an instant, "2026年12月22日" for a calendar day."""
    if isinstance(value, datetime):
        moment = local(value)
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{value.year}年{value.month}月{value.day}日"


def local_text_en(value: datetime | date) -> str:
    """English: "2026-12-22 11:01 (UTC+08:00)" for an instant, "2026-12-22" for a calendar day."""
    if isinstance(value, datetime):
        moment = local(value)
        offset = moment.strftime("%z")
        return f"{moment:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"
    return f"{value:%Y-%m-%d}"
