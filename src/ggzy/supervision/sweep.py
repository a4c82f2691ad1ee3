"""The nightly sweep (R9.1 "before, during and after"): every alert rule over the look-back window and the
collusion screen of every opened lot, in one run. `ggzy supervise --sweep` runs it by hand; the chronograph
runs it daily through the `Schedule` row "nightly" (created by migration 0002, first due the next night)."""

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from ggzy.kernel import audit, chronograph, clock
from ggzy.kernel.actions import action
from ggzy.kernel.roles import Actor
from ggzy.supervision import cases, checks, instructions
from ggzy.supervision.alerts import raise_findings
from ggzy.supervision.collusion.lot import screen_window
from ggzy.supervision.models import Schedule
from ggzy.supervision.rules import SWEEP_HOUR

NIGHTLY = "nightly"
# How long a chronograph holds the nightly sweep before another may take it over (it died mid-run).
NIGHTLY_LEASE = timedelta(hours=2)


def next_night(now: datetime) -> datetime:
    local = timezone.localtime(now)
    at = timezone.make_aware(datetime.combine(local.date(), time(SWEEP_HOUR.value)))
    return at if at > now else at + timedelta(days=1)


def run(now: datetime | None = None) -> dict[str, Any]:
    """Run every rule and the collusion screen; returns counts (new alerts per rule)."""
    now = now or clock.now()
    alerts = raise_findings(
        [*checks.sweep_findings(now), *cases.overdue_findings(now), *instructions.overdue_findings(now)]
    )
    screened = screen_window(now)
    by_rule: dict[str, int] = {}
    for alert in [*alerts, *screened]:
        by_rule[alert.rule_id] = by_rule.get(alert.rule_id, 0) + 1
    return {
        "at": now.isoformat(),
        "new_alerts": sum(by_rule.values()),
        "by_rule": dict(sorted(by_rule.items())),
    }


def nightly(schedule_id: int, now: datetime) -> None:
    """Chronograph handler of the "nightly" schedule: runs once however many chronographs sweep."""
    if not chronograph.claim(Schedule, schedule_id, now, NIGHTLY_LEASE):
        return
    result = run(now)
    _done(Actor.system("chronograph"), schedule_id, now, result)


@action("supervision.nightly_sweep")
def _done(actor: Actor, schedule_id: int, now: datetime, result: dict[str, Any]) -> None:
    schedule = Schedule.objects.select_for_update().get(pk=schedule_id)
    schedule.last_run_at = now
    schedule.last_result = result
    schedule.next_check = next_night(now)
    schedule.save()
    audit.record(schedule, {**result, "next": schedule.next_check})
