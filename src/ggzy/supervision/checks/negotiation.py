"""Rules on the negotiation of 竞争性谈判 and 竞争性磋商 (need the `ggzy.evaluation` app; quiet without it):
S23 a substantive change of the requirements confirmed close to the final offers.

A change the purchaser's representative confirms goes to every supplier, who answers it in the next round
(74号令 第32条; 214号 第19条). The changes only the final offers can answer are those confirmed from the
deadline of the round before on (that round took no more responses; every change, when the final round is
the first), before the final round was opened or while it is open. S23 is raised for each of them
confirmed less than `LATE_CHANGE_HOURS` before the final offers' deadline — the time the suppliers had to
answer it, whatever the moment the round was opened. One confirmed while the final offers were already
being asked for (or after their deadline) is of high severity.

Raised when the chronograph moves the lot at the final round's deadline (`lot_advanced`), again at the
award and by the nightly sweep (one alert per change)."""

from datetime import timedelta

from django.apps import apps
from django.conf import settings

from ggzy.bidding.models import Round
from ggzy.supervision.alerts import Finding
from ggzy.supervision.rules import LATE_CHANGE_HOURS, alert_rule
from ggzy.trading.specs import SPECS


def installed() -> bool:
    return apps.is_installed("ggzy.evaluation")


def late_change_hours() -> int:
    return int(getattr(settings, "SUPERVISION_LATE_CHANGE_HOURS", LATE_CHANGE_HOURS.value))


def negotiated_procedures() -> list[str]:
    """The specification keys of the methods that negotiate in rounds (their rules have `negotiation`)."""
    return [s.key for s in SPECS.values() if s.rules.negotiation is not None]


def _span(given: timedelta) -> str:
    minutes = int(given.total_seconds() // 60)
    if minutes <= 0:
        return "已过最后报价截止时间"
    hours, rest = divmod(minutes, 60)
    return "仅" + (f"{hours}小时" if hours else "") + (f"{rest}分钟" if rest or not hours else "")


def late_change_findings(lot_ids: list[int]) -> list[Finding]:
    """S23 for the final-offer rounds of these lots."""
    if not installed():
        return []
    from ggzy.evaluation.models import RequirementChange

    hours = late_change_hours()
    limit = timedelta(hours=hours)
    finals = Round.objects.filter(
        final=True, lot_id__in=lot_ids, lot__procedure__in=negotiated_procedures()
    ).select_related("lot__project")
    findings: list[Finding] = []
    for final in finals:
        lot = final.lot
        since = (
            Round.objects.filter(lot_id=lot.pk, number__lt=final.number)
            .order_by("-number")
            .values_list("deadline", flat=True)
            .first()
        )
        changes = RequirementChange.objects.filter(evaluation__lot_id=lot.pk, confirmed_at__isnull=False)
        if since is not None:  # what the round before could no longer take
            changes = changes.filter(confirmed_at__gte=since)
        for change in changes.select_related("confirmed_by").order_by("confirmed_at", "id"):
            assert change.confirmed_at is not None
            given = final.deadline - change.confirmed_at
            if given >= limit:
                continue
            during = change.confirmed_at > final.opened_at
            findings.append(
                Finding(
                    alert_rule("S23"),
                    f"requirement_change:{change.pk}",
                    f"{lot.code}：采购需求实质性变动经采购人代表确认后，距最后报价截止{_span(given)}"
                    f"（不足{hours}小时）",
                    {
                        "lot": lot.code,
                        "procedure": lot.procedure,
                        "change": change.text,
                        "proposed_at": change.proposed_at,
                        "confirmed_at": change.confirmed_at,
                        "confirmed_by": change.confirmed_by.username if change.confirmed_by else None,
                        "final_round": final.number,
                        "final_opened_at": final.opened_at,
                        "final_deadline": final.deadline,
                        "minutes_given": int(given.total_seconds() // 60),
                        "hours_required": hours,
                        "during_final_round": during,
                        "suppliers": sorted(final.suppliers.values_list("uscc", flat=True)),
                    },
                    lot=lot,
                    severity="high" if during or given <= timedelta(0) else "",
                )
            )
    return findings
