"""The expert draw (needs `ggzy.experts`):

- S13: the same expert drawn again and again for the same principal. Only draws whose evaluation time
  has passed are counted: who was drawn stays sealed until then (R4.2, 12号令 第8条), for regulators too;
- S20: another draw for a lot that already had one (its recorded reason is the evidence);
- S21: an operator recorded unusually many declines "by phone" for drawn experts within a window
  (threshold [U], settings SUPERVISION_OPERATOR_DECLINES_MAX / _DAYS).
S20 and S21 name draws and operators, never the drawn experts.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings

from ggzy.kernel import clock
from ggzy.supervision.alerts import Finding
from ggzy.supervision.rules import (
    EXPERT_REPEAT_MIN,
    EXPERT_REPEAT_WINDOW_DAYS,
    OPERATOR_DECLINES_MAX,
    OPERATOR_DECLINES_WINDOW_DAYS,
    alert_rule,
)


def installed() -> bool:
    return apps.is_installed("ggzy.experts")


def findings(principal_ids: list[int] | None = None, now: datetime | None = None) -> list[Finding]:
    """Every draw rule (the nightly sweep; `for_draw` after an action)."""
    if not installed():
        return []
    return [
        *repeat_findings(principal_ids, now),
        *redraw_findings(None, now),
        *operator_decline_findings(None, now),
    ]


def repeat_findings(principal_ids: list[int] | None = None, now: datetime | None = None) -> list[Finding]:
    from ggzy.experts.models import DrawnExpert

    now = now or clock.now()
    since = now - timedelta(days=EXPERT_REPEAT_WINDOW_DAYS.value)
    calls = DrawnExpert.objects.filter(
        status=DrawnExpert.Status.ACCEPTED, draw__evaluation_at__gte=since, draw__evaluation_at__lte=now
    ).select_related("expert", "draw__lot__project__principal")
    if principal_ids is not None:
        calls = calls.filter(draw__lot__project__principal_id__in=principal_ids)
    groups: dict[tuple[int, int], list[object]] = defaultdict(list)
    for call in calls.order_by("draw__evaluation_at"):
        groups[(call.expert_id, call.draw.lot.project.principal_id)].append(call)
    result: list[Finding] = []
    for (_expert_id, _principal_id), items in groups.items():
        if len(items) < EXPERT_REPEAT_MIN.value:
            continue
        last = items[-1]
        assert isinstance(last, DrawnExpert)
        lot = last.draw.lot
        result.append(
            Finding(
                alert_rule("S13"),
                f"{last.expert_id}:{lot.project.principal_id}:{last.pk}",
                f"专家{last.expert.code}在{EXPERT_REPEAT_WINDOW_DAYS.value}日内{len(items)}次参加{lot.project.principal.name}项目的评标",
                {
                    "expert": last.expert.code,
                    "principal": lot.project.principal.uscc,
                    "count": len(items),
                    "threshold": EXPERT_REPEAT_MIN.value,
                    "draws": [
                        {"draw": c.draw.number, "lot": c.draw.lot.code, "evaluation_at": c.draw.evaluation_at}
                        for c in items
                        if isinstance(c, DrawnExpert)
                    ],
                },
                lot=lot,
            )
        )
    return result


def redraw_findings(lot_ids: list[int] | None = None, now: datetime | None = None) -> list[Finding]:
    """S20: every draw of a lot after its first, with the reason recorded when it was created."""
    from ggzy.experts.models import DrawRequest

    now = now or clock.now()
    draws = DrawRequest.objects.filter(created_at__gte=now - timedelta(days=400)).select_related(
        "lot__project"
    )
    if lot_ids is not None:
        draws = draws.filter(lot_id__in=lot_ids)
    by_lot: dict[int, list[DrawRequest]] = defaultdict(list)
    for draw in DrawRequest.objects.filter(lot_id__in=draws.values("lot_id")).order_by("pk"):
        by_lot[draw.lot_id].append(draw)
    result = []
    for draw in draws:
        earlier = [d for d in by_lot[draw.lot_id] if d.pk < draw.pk]
        if not earlier:
            continue
        lot = draw.lot
        result.append(
            Finding(
                alert_rule("S20"),
                draw.number,
                f"标段{lot.code}第{len(earlier) + 1}次发起专家抽取（{draw.number}）：{draw.another_reason or '未说明理由'}",
                {
                    "lot": lot.code,
                    "draw": draw.number,
                    "draws": [*(d.number for d in earlier), draw.number],
                    "reason": draw.another_reason,
                    "created_by": draw.created_by,
                    "created_at": draw.created_at,
                },
                lot=lot,
            )
        )
    return result


def _declines_window() -> tuple[int, int]:
    return (
        int(getattr(settings, "SUPERVISION_OPERATOR_DECLINES_MAX", OPERATOR_DECLINES_MAX.value)),
        int(getattr(settings, "SUPERVISION_OPERATOR_DECLINES_DAYS", OPERATOR_DECLINES_WINDOW_DAYS.value)),
    )


def operator_decline_findings(
    operators: list[str] | None = None, now: datetime | None = None
) -> list[Finding]:
    """S21: an operator recorded `threshold` or more declines for drawn experts within the window."""
    from ggzy.experts.models import DrawnExpert

    now = now or clock.now()
    threshold, days = _declines_window()
    declines = DrawnExpert.objects.filter(
        status=DrawnExpert.Status.DECLINED,
        response_via="operator",
        responded_at__gte=now - timedelta(days=days),
        responded_at__lte=now,
    ).select_related("draw__lot__project")
    if operators is not None:
        declines = declines.filter(responded_by__in=operators)
    groups: dict[str, list[DrawnExpert]] = defaultdict(list)
    for call in declines.order_by("responded_at", "pk"):
        groups[call.responded_by].append(call)
    result = []
    for operator, calls in groups.items():
        if len(calls) < threshold:
            continue
        last = calls[-1]
        result.append(
            Finding(
                alert_rule("S21"),
                f"{operator}:{last.pk}",
                f"交易中心工作人员{operator}在{days}日内代专家记录拒绝{len(calls)}次（阈值{threshold}次）",
                {
                    "operator": operator,
                    "declines": len(calls),
                    "threshold": threshold,
                    "window_days": days,
                    "calls": [
                        {
                            "draw": c.draw.number,
                            "lot": c.draw.lot.code,
                            "seq": c.seq,
                            "call_record_id": c.call_record_id,
                            "note_sm3": c.call_note_sm3,
                            "responded_at": c.responded_at,
                        }
                        for c in calls
                    ],
                },
                lot=last.draw.lot,
            )
        )
    return result


def for_draw(draw_id: int) -> list[Finding]:
    """After a draw action: S13 for the principal, S20 for the lot, S21 for the operators who answered."""
    if not installed():
        return []
    from ggzy.experts.models import DrawRequest

    draw = DrawRequest.objects.filter(pk=draw_id).select_related("lot__project").first()
    if draw is None:
        return []
    operators = sorted(set(draw.calls.filter(response_via="operator").values_list("responded_by", flat=True)))
    return [
        *repeat_findings([draw.lot.project.principal_id]),
        *redraw_findings([draw.lot_id]),
        *(operator_decline_findings(operators) if operators else []),
    ]
