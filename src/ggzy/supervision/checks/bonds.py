"""S12: a bid bond not refunded in time (条例 第35、57条; 87号令 第38条 for procurement)."""

from datetime import datetime

from django.db.models import Q, QuerySet

from ggzy.bidding.models import Bond
from ggzy.kernel import clock
from ggzy.supervision.alerts import Finding
from ggzy.supervision.rules import alert_rule


def findings(bonds: QuerySet[Bond], now: datetime | None = None) -> list[Finding]:
    now = now or clock.now()
    late = bonds.filter(
        Q(status=Bond.Status.PAID, kind=Bond.Kind.DEPOSIT, refund_due__lt=now) | Q(refunded_late=True)
    ).select_related("lot__project", "bidder")
    result: list[Finding] = []
    for bond in late:
        refunded = bond.status == Bond.Status.REFUNDED
        days = (
            ((bond.refunded_at if refunded and bond.refunded_at else now) - bond.refund_due).days
            if bond.refund_due
            else None
        )
        result.append(
            Finding(
                alert_rule("S12"),
                f"bond:{bond.pk}",
                f"{bond.lot.code}：{bond.bidder.name}的投标保证金{'逾期退还' if refunded else '逾期未退还'}"
                + (f"（超期{days}日）" if days else ""),
                {
                    "lot": bond.lot.code,
                    "bidder": bond.bidder.uscc,
                    "amount": bond.amount,
                    "paid_at": bond.paid_at,
                    "refund_due": bond.refund_due,
                    "refunded_at": bond.refunded_at,
                    "interest": bond.interest,
                    "status": bond.status,
                    "days_late": days,
                },
                lot=bond.lot,
                entity=bond.bidder,
            )
        )
    return result
