"""The alert rules' checks: each returns `Finding`s; `run_event` runs the ones an event concerns and
`sweep` runs them all over the look-back window (the nightly sweep). Raising is idempotent per
(rule, key), so a finding seen by both an event and the sweep gives one alert."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ggzy.bidding.models import Bond
from ggzy.kernel import clock
from ggzy.supervision.alerts import Finding, raise_findings
from ggzy.supervision.checks import (
    bids,
    bonds,
    credit,
    evaluation,
    experts,
    negotiation,
    objections,
    periods,
    splitting,
)
from ggzy.supervision.models import Alert
from ggzy.trading.models import Lot, Notice, Objection

SWEEP_DAYS = 400  # a little more than every 12-month window


def _lot_events(lot_id: int) -> list[Finding]:
    from ggzy.supervision.collusion.lot import screen_lot

    found = [*bids.for_lot(lot_id), *credit.lot_findings(lot_id)]  # S14 waits for the opening (第21条)
    found += negotiation.late_change_findings([lot_id])  # S23 at the final offers' deadline
    lot = Lot.objects.filter(pk=lot_id).only("state").first()
    if lot is not None and lot.state == Lot.State.EVALUATION:
        screen_lot(lot_id)  # stores the screen and raises S16 itself
    return found


def _notice(notice_id: int) -> list[Finding]:
    return periods.notice_findings(Notice.objects.filter(pk=notice_id))


def _clarified(notice_id: int) -> list[Finding]:
    notices = Notice.objects.filter(pk=notice_id)
    return [*periods.notice_findings(notices), *periods.clarification_findings(notices)]


def _awarded(lot_id: int) -> list[Finding]:
    return [
        *evaluation.repeat_winner_findings([lot_id]),
        *evaluation.single_source_findings([lot_id]),
        *evaluation.lateness_findings([lot_id]),
        *negotiation.late_change_findings([lot_id]),
    ]


def _award_changed(lot_id: int) -> list[Finding]:
    return [*evaluation.lateness_findings([lot_id]), *bonds.findings(Bond.objects.filter(lot_id=lot_id))]


EVENTS: dict[str, Callable[..., list[Finding]]] = {
    "project_created": splitting.for_project,
    "notice_published": _notice,
    "notice_clarified": _clarified,
    "lot_advanced": _lot_events,
    "opening_closed": _lot_events,
    "evaluation_reported": lambda lot_id: evaluation.rejection_findings([lot_id]),
    "awarded": _awarded,
    "award_changed": _award_changed,
    "bond_changed": lambda bond_id: bonds.findings(Bond.objects.filter(pk=bond_id)),
    "objection_overdue": lambda objection_id: objections.findings(Objection.objects.filter(pk=objection_id)),
    "experts_drawn": experts.for_draw,
    "credit_changed": credit.credit_changed,
}


def run_event(name: str, pk: int, *args: Any) -> list[Alert]:
    return raise_findings(EVENTS[name](pk, *args))


def sweep_findings(now: datetime | None = None) -> list[Finding]:
    """Every rule over the window (not the collusion screen: see `sweep.run`)."""
    now = now or clock.now()
    since = now - timedelta(days=SWEEP_DAYS)
    notices = Notice.objects.filter(published_at__gte=since)
    lots = Lot.objects.filter(state__in=bids.AFTER_DEADLINE, state_changed_at__gte=since)
    lot_ids = list(lots.values_list("pk", flat=True))
    return [
        *periods.notice_findings(notices),
        *periods.clarification_findings(notices),
        *splitting.findings(None, now),
        *bids.late_bid_findings(lots),
        *bids.decryption_findings(lots),
        *bids.single_bidder_findings(lots),
        *evaluation.rejection_findings(lot_ids),
        *evaluation.repeat_winner_findings(None, now),
        *evaluation.lateness_findings(lot_ids),
        *negotiation.late_change_findings(lot_ids),
        *bonds.findings(Bond.objects.filter(lot_id__in=lot_ids), now),
        *objections.findings(Objection.objects.filter(raised_at__gte=since)),
        *experts.findings(None, now),
        *credit.sweep_findings(),
    ]
