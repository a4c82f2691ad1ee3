"""S13: the same expert drawn again and again for the same principal (needs `ggzy.experts`).

Only draws whose evaluation time has passed are counted: who was drawn stays sealed until then (R4.2,
12号令 第8条), for regulators too.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.apps import apps

from ggzy.kernel import clock
from ggzy.supervision.alerts import Finding
from ggzy.supervision.rules import EXPERT_REPEAT_MIN, EXPERT_REPEAT_WINDOW_DAYS, alert_rule


def installed() -> bool:
    return apps.is_installed("ggzy.experts")


def findings(principal_ids: list[int] | None = None, now: datetime | None = None) -> list[Finding]:
    if not installed():
        return []
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


def for_draw(draw_id: int) -> list[Finding]:
    if not installed():
        return []
    from ggzy.experts.models import DrawRequest

    draw = DrawRequest.objects.filter(pk=draw_id).select_related("lot__project").first()
    return findings([draw.lot.project.principal_id]) if draw else []
