"""Rules on the evaluation and award (need the `ggzy.evaluation` app; quiet without it):
S05 the same winner under one principal, S09 all but the winner rejected, S10 the lowest bid rejected,
S11 a contract signed late, S18 the written report late."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps

from ggzy.bidding.models import Bid
from ggzy.kernel import clock
from ggzy.supervision.alerts import Finding
from ggzy.supervision.rules import (
    REPEAT_WINNER_MAX,
    REPEAT_WINNER_WINDOW_DAYS,
    SINGLE_SOURCE_REPEAT_MAX,
    alert_rule,
)
from ggzy.trading.specs import SPECS


def installed() -> bool:
    return apps.is_installed("ggzy.evaluation")


def _price(bid: Bid) -> Decimal | None:
    try:
        return Decimal(str((bid.bid_form or {}).get("price")))
    except ArithmeticError:
        return None


def rejection_findings(lot_ids: list[int]) -> list[Finding]:
    if not installed():
        return []
    from ggzy.evaluation.models import Evaluation

    findings: list[Finding] = []
    evaluations = Evaluation.objects.filter(
        lot_id__in=lot_ids, status=Evaluation.Status.REPORTED
    ).select_related("lot__project")
    for evaluation in evaluations:
        lot = evaluation.lot
        decrypted = list(lot.bids.filter(status=Bid.Status.DECRYPTED).select_related("bidder"))
        rejections = {r.bid_id: r for r in evaluation.rejections.all()}
        candidates = list(evaluation.candidates.select_related("bid__bidder").order_by("rank"))
        survivors = [b for b in decrypted if b.pk not in rejections]
        rows = [
            {
                "bidder": b.bidder.uscc,
                "name": b.bidder.name,
                "receipt_no": b.receipt_no,
                "price": _price(b),
                "rejected": b.pk in rejections,
                "ground": rejections[b.pk].ground if b.pk in rejections else None,
                "reason": rejections[b.pk].reason if b.pk in rejections else None,
            }
            for b in decrypted
        ]
        if len(decrypted) >= 2 and len(survivors) == 1:
            winner = survivors[0]
            findings.append(
                Finding(
                    alert_rule("S09"),
                    f"evaluation:{evaluation.pk}",
                    f"{lot.code}：{len(decrypted)}份有效报价中{len(rejections)}份被否决，仅余{winner.bidder.name}",
                    {
                        "lot": lot.code,
                        "bids": rows,
                        "candidates": [{"rank": c.rank, "bidder": c.bid.bidder.uscc} for c in candidates],
                    },
                    lot=lot,
                    entity=winner.bidder,
                )
            )
        priced = [(p, b) for b in decrypted if (p := _price(b)) is not None]
        if len(priced) >= 2:
            lowest_price, lowest = min(priced, key=lambda item: (item[0], item[1].pk))
            if lowest.pk in rejections:
                asked = evaluation.clarifications.filter(bid=lowest).exists()
                findings.append(
                    Finding(
                        alert_rule("S10"),
                        f"evaluation:{evaluation.pk}",
                        f"{lot.code}：最低价投标（{lowest.bidder.name}，{lowest_price}元）被否决"
                        + ("" if asked else "，且未要求其澄清说明"),
                        {
                            "lot": lot.code,
                            "lowest": {
                                "bidder": lowest.bidder.uscc,
                                "price": lowest_price,
                                "ground": rejections[lowest.pk].ground,
                                "reason": rejections[lowest.pk].reason,
                            },
                            "clarification_asked": asked,
                            "bids": rows,
                        },
                        lot=lot,
                        entity=lowest.bidder,
                        severity="medium" if asked else "high",
                    )
                )
    return findings


def _same_winner(awards: Any, award: Any, window: timedelta) -> list[Any]:
    """The awards (of `awards`) by the award's principal to its winner in the window up to it."""
    return list(
        awards.filter(
            lot__project__principal=award.lot.project.principal,
            winner__bidder=award.winner.bidder,
            awarded_at__gt=award.awarded_at - window,
            awarded_at__lte=award.awarded_at,
        )
        .select_related("lot")
        .order_by("awarded_at")
    )


def repeat_winner_findings(lot_ids: list[int] | None = None, now: datetime | None = None) -> list[Finding]:
    """S05: for each award, the awards of the same principal to the same winner in the 12 months up to it."""
    if not installed():
        return []
    from ggzy.evaluation.models import Award

    now = now or clock.now()
    window = timedelta(days=REPEAT_WINNER_WINDOW_DAYS.value)
    awards = Award.objects.filter(winner__isnull=False, awarded_at__isnull=False)
    targets = (
        awards.filter(lot_id__in=lot_ids)
        if lot_ids is not None
        else awards.filter(awarded_at__gte=now - window)
    )
    findings: list[Finding] = []
    for award in targets.select_related("lot__project__principal", "winner__bidder"):
        assert award.winner is not None
        assert award.awarded_at is not None
        principal = award.lot.project.principal
        history = _same_winner(awards, award, window)
        if len(history) <= REPEAT_WINNER_MAX.value:
            continue
        findings.append(
            Finding(
                alert_rule("S05"),
                f"award:{award.pk}",
                f"{award.winner.bidder.name}在{principal.name}处{REPEAT_WINNER_WINDOW_DAYS.value}日内第{len(history)}次中标",
                {
                    "principal": principal.uscc,
                    "winner": award.winner.bidder.uscc,
                    "winner_name": award.winner.bidder.name,
                    "count": len(history),
                    "max": REPEAT_WINNER_MAX.value,
                    "awards": [{"lot": a.lot.code, "awarded_at": a.awarded_at} for a in history],
                },
                lot=award.lot,
                entity=award.winner.bidder,
            )
        )
    return findings


def single_source_findings(lot_ids: list[int]) -> list[Finding]:
    """S22: a purchaser's single-source awards to the same supplier within 12 months, more than allowed."""
    if not installed():
        return []
    from ggzy.evaluation.models import Award

    window = timedelta(days=REPEAT_WINNER_WINDOW_DAYS.value)
    sole = [
        s.key for s in SPECS.values() if s.rules.max_invited is not None and s.rules.max_invited.value == 1
    ]
    awards = Award.objects.filter(winner__isnull=False, awarded_at__isnull=False, lot__procedure__in=sole)
    findings: list[Finding] = []
    for award in awards.filter(lot_id__in=lot_ids).select_related(
        "lot__project__principal", "winner__bidder"
    ):
        assert award.winner is not None
        assert award.awarded_at is not None
        principal = award.lot.project.principal
        history = _same_winner(awards, award, window)
        if len(history) <= SINGLE_SOURCE_REPEAT_MAX.value:
            continue
        findings.append(
            Finding(
                alert_rule("S22"),
                f"award:{award.pk}",
                f"{principal.name}{REPEAT_WINNER_WINDOW_DAYS.value}日内第{len(history)}次以单一来源方式向"
                f"{award.winner.bidder.name}采购",
                {
                    "principal": principal.uscc,
                    "supplier": award.winner.bidder.uscc,
                    "count": len(history),
                    "max": SINGLE_SOURCE_REPEAT_MAX.value,
                    "awards": [{"lot": a.lot.code, "awarded_at": a.awarded_at} for a in history],
                },
                lot=award.lot,
                entity=award.winner.bidder,
            )
        )
    return findings


def lateness_findings(lot_ids: list[int] | None = None) -> list[Finding]:
    """S11 contract late (法 第46条), S18 report late (法 第47条), as the award's flags record them."""
    if not installed():
        return []
    from ggzy.evaluation.models import Award

    awards = Award.objects.all() if lot_ids is None else Award.objects.filter(lot_id__in=lot_ids)
    findings: list[Finding] = []
    for award in awards.filter(contract_late=True).select_related("lot__project", "winner__bidder"):
        evidence: dict[str, Any] = {
            "lot": award.lot.code,
            "awarded_at": award.awarded_at,
            "contract_due": award.contract_due,
            "contract_signed_at": award.contract_signed_at,
            "winner": award.winner.bidder.uscc if award.winner else None,
        }
        title = (
            "中标通知书发出后逾期签订合同" if award.contract_signed_at else "已超过合同签订期限仍未签订合同"
        )
        findings.append(
            Finding(
                alert_rule("S11"), f"award:{award.pk}", f"{award.lot.code}：{title}", evidence, lot=award.lot
            )
        )
    for award in awards.filter(report_late=True).select_related("lot__project"):
        findings.append(
            Finding(
                alert_rule("S18"),
                f"award:{award.pk}",
                f"{award.lot.code}：招标人未在法定期限内提交招标投标情况书面报告",
                {
                    "lot": award.lot.code,
                    "awarded_at": award.awarded_at,
                    "report_due": award.report_due,
                    "reported_at": award.reported_at,
                },
                lot=award.lot,
            )
        )
    return findings
