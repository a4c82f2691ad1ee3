"""S04: splitting a project to stay under the threshold (化整为零, T19, G13).

Several projects of the same principal, of the same category and subject (contract kind and D6 subject
code) within the look-back window, each under the 16号令 第5条 threshold of its contract kind, whose sum
reaches it. A project that reached the threshold on its own was tendered as it should and is not part
of a split. For government procurement 条例 第28条 judges per fiscal year: the window is the calendar year.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from ggzy.catalogue.models import TradeCategory
from ggzy.catalogue.rules import THRESHOLDS
from ggzy.kernel import clock
from ggzy.supervision.alerts import Finding
from ggzy.supervision.rules import SPLIT_WINDOW_DAYS, alert_rule
from ggzy.trading.models import Lot, Project

ENGINEERING = TradeCategory.ENGINEERING
PROCUREMENT = TradeCategory.PROCUREMENT


@dataclass
class Part:
    project_id: int
    code: str
    name: str
    created_at: datetime
    amount: Decimal


def _parts(principal_id: int | None, since: datetime) -> dict[tuple[int, str, str, str], list[Part]]:
    """(principal, category, contract kind, subject) → per-project amounts, oldest first."""
    lots = Lot.objects.filter(
        project__created_at__gte=since, project__category__in=[ENGINEERING, PROCUREMENT]
    )
    if principal_id is not None:
        lots = lots.filter(project__principal_id=principal_id)
    amounts: dict[tuple[int, str, str, str], dict[int, Part]] = defaultdict(dict)
    rows = lots.values_list(
        "project_id",
        "project__principal_id",
        "project__category",
        "project__code",
        "project__name",
        "project__created_at",
        "contract_kind",
        "classify_code",
        "estimated_value",
    )
    for pid, principal, category, code, name, created, kind, classify, value in rows:
        key = (principal, category, kind, (classify or "")[:3])
        part = amounts[key].setdefault(pid, Part(pid, code, name, created, Decimal(0)))
        part.amount += value
    return {k: sorted(v.values(), key=lambda p: (p.created_at, p.project_id)) for k, v in amounts.items()}


def _windows(parts: list[Part], threshold: Decimal, category: str) -> list[list[Part]]:
    """Maximal runs of under-threshold projects within the window whose sum reaches the threshold."""
    small = [p for p in parts if p.amount < threshold]
    found: list[list[Part]] = []
    covered_until = -1
    for i, first in enumerate(small):
        if i <= covered_until:
            continue
        if category == PROCUREMENT:
            year = timezone.localdate(first.created_at).year
            run = [p for p in small[i:] if timezone.localdate(p.created_at).year == year]
        else:
            end = first.created_at + timedelta(days=SPLIT_WINDOW_DAYS.value)
            run = [p for p in small[i:] if p.created_at < end]
        if len(run) >= 2 and sum((p.amount for p in run), Decimal(0)) >= threshold:
            found.append(run)
            covered_until = i + len(run) - 1
    return found


def findings(principal_id: int | None = None, now: datetime | None = None) -> list[Finding]:
    now = now or clock.now()
    since = now - timedelta(days=2 * SPLIT_WINDOW_DAYS.value)
    result: list[Finding] = []
    for (principal, category, kind, subject), parts in _parts(principal_id, since).items():
        threshold = THRESHOLDS.get(kind)
        if threshold is None:
            continue
        for run in _windows(parts, threshold.amount, category):
            total = sum((p.amount for p in run), Decimal(0))
            first = Project.objects.select_related("principal", "node").get(pk=run[0].project_id)
            last = Project.objects.select_related("principal", "node").get(pk=run[-1].project_id)
            result.append(
                Finding(
                    alert_rule("S04"),
                    f"{principal}:{category}:{kind}:{subject}:{run[0].code}",
                    f"{first.principal.name}在{len(run)}个项目中分别采购{threshold.zh}（{subject}），单项均低于"
                    f"{threshold.amount / 10000:.0f}万元，合计{total / 10000:.2f}万元，疑似化整为零规避招标",
                    {
                        "principal": first.principal.uscc,
                        "principal_name": first.principal.name,
                        "category": category,
                        "contract_kind": kind,
                        "subject": subject,
                        "threshold": threshold.amount,
                        "threshold_basis": threshold.legal.citation,
                        "window": "财政年度" if category == PROCUREMENT else f"{SPLIT_WINDOW_DAYS.value}日",
                        "total": total,
                        "projects": [
                            {"code": p.code, "name": p.name, "created_at": p.created_at, "amount": p.amount}
                            for p in run
                        ],
                    },
                    project=last,
                    entity=first.principal,
                )
            )
    return result


def for_project(project_id: int) -> list[Finding]:
    project = Project.objects.filter(pk=project_id).first()
    return findings(project.principal_id) if project else []
