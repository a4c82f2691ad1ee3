"""Read-only views of supervision: the department's dashboard and risk map, drill-downs to an alert's
evidence and to a trade's audit trail, the collusion screen for the committee (条例 第40条 evidence)."""

from collections import Counter
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.db.models import Count, Max, Q, QuerySet

from ggzy.exchange.models import Node
from ggzy.exchange.queries import operates_province
from ggzy.kernel import clock
from ggzy.kernel.actions import require_login, require_role
from ggzy.kernel.audit import visible_events
from ggzy.kernel.errors import NotFound, PermissionDenied
from ggzy.kernel.models import AuditEvent, Region
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.models import Department
from ggzy.supervision.models import Alert, Case, Instruction, LotScreen
from ggzy.supervision.rules import COLLUSION_EVIDENCE
from ggzy.trading import routing
from ggzy.trading.models import Lot
from ggzy.trading.queries import node_operator, overseen_projects

STALE_ALERT_DAYS = 7  # a new alert untouched for a week counts as overdue on the dashboard ([U])


def department_of(actor: Actor) -> Department:
    require_role(actor, Role.REGULATOR)
    department = Department.objects.select_related("node").filter(pk=actor.department_id or 0).first()
    if department is None:
        raise PermissionDenied(
            "department_required", "监管人员须属于行政监督部门", "A regulator needs a department"
        )
    return department


def alerts_for(actor: Actor) -> QuerySet[Alert]:
    """A regulator sees its department's queue; an operator sees alerts no department could take."""
    require_login(actor)
    if actor.has(Role.OPERATOR):
        return operator_alerts(actor).filter(department__isnull=True)
    return Alert.objects.filter(department=department_of(actor))


def operator_alerts(actor: Actor) -> QuerySet[Alert]:
    """The alerts an operator may see: those on projects of its node or below; alerts on no project
    (an entity's, platform-wide) only the province's centre."""
    mine = overseen_projects(actor, "project__")
    if operates_province(actor):
        mine |= Q(project__isnull=True)
    return Alert.objects.filter(mine)


def alert_for(actor: Actor, alert_id: int) -> Alert:
    alert = alerts_for(actor).filter(pk=alert_id).select_related("project", "lot", "entity").first()
    if alert is None:
        raise NotFound("alert_not_found", "未找到预警（或不属于本部门）", "No such alert in your queue")
    return alert


def subtree(node: Node) -> list[int]:
    ids, frontier = [node.pk], [node.pk]
    while frontier:
        frontier = list(Node.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def risk_map(department: Department) -> list[dict[str, Any]]:
    """Per county (region code): open and total alerts of the department, screened lots, max risk."""
    alerts = (
        Alert.objects.filter(department=department)
        .values("region_id")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status__in=[Alert.Status.NEW, Alert.Status.REVIEWING])),
        )
    )
    screens = (
        LotScreen.objects.filter(
            lot__project__category__in=department.sectors or [],
            lot__project__node_id__in=subtree(department.node),
        )
        .values("region_id")
        .annotate(lots=Count("id"), max_risk=Max("score"))
    )
    rows: dict[str | None, dict[str, Any]] = {}
    for a in alerts:
        rows.setdefault(a["region_id"], {}).update(alerts_open=a["open"], alerts_total=a["total"])
    for s in screens:
        rows.setdefault(s["region_id"], {}).update(screened_lots=s["lots"], max_risk=round(s["max_risk"], 1))
    names = dict(Region.objects.filter(code__in=[c for c in rows if c]).values_list("code", "name"))
    return [
        {
            "region": code,
            "name": names.get(code or "", ""),
            "alerts_open": row.get("alerts_open", 0),
            "alerts_total": row.get("alerts_total", 0),
            "screened_lots": row.get("screened_lots", 0),
            "max_risk": row.get("max_risk"),
        }
        for code, row in sorted(rows.items(), key=lambda item: item[0] or "")
    ]


def dashboard(actor: Actor) -> dict[str, Any]:
    department = department_of(actor)
    alerts = Alert.objects.filter(department=department)
    cases = Case.objects.filter(department=department)
    now = clock.now()
    return {
        "department_id": department.pk,
        "department": department.name,
        "alerts_by_status": dict(Counter(alerts.values_list("status", flat=True))),
        "alerts_by_rule": dict(sorted(Counter(alerts.values_list("rule_id", flat=True)).items())),
        "cases_by_status": dict(Counter(cases.values_list("status", flat=True))),
        "overdue": {
            "cases_accept": cases.filter(status=Case.Status.RECEIVED, accept_due__lt=now).count(),
            "cases_decision": cases.filter(
                status=Case.Status.ACCEPTED, paused_at__isnull=True, decision_due__lt=now
            ).count(),
            "instructions": Instruction.objects.filter(
                department=department, status=Instruction.Status.IN_FORCE, due__lt=now
            ).count(),
            "alerts_untouched": alerts.filter(
                status=Alert.Status.NEW, raised_at__lt=now - timedelta(days=STALE_ALERT_DAYS)
            ).count(),
        },
        "risk_map": risk_map(department),
    }


def _lot(code: str) -> Lot:
    lot = Lot.objects.select_related("project__node", "notice").filter(code=code).first()
    if lot is None:
        raise NotFound("lot_not_found", f"未找到标段{code}", f"No lot {code}")
    return lot


def require_lot_supervisor(actor: Actor, lot: Lot) -> None:
    """Operators of the lot's node or above, and regulators of the department competent for its project."""
    require_login(actor)
    if node_operator(actor, lot.project):
        return
    department = routing.competent_department(lot.project)
    if actor.has(Role.REGULATOR) and department is not None and actor.department_id == department.pk:
        return
    raise PermissionDenied(
        "not_competent_department",
        "只有主管部门的监管人员或交易中心可以查看",
        "Competent regulators and operators only",
    )


def trail(actor: Actor, lot_code: str) -> list[AuditEvent]:
    """The audit trail of one trade: the lot, its project and notice, their documents, bids, bonds,
    objections, and the supervision on it — sealed events stay out until their deadline."""
    lot = _lot(lot_code)
    require_lot_supervisor(actor, lot)
    refs: list[tuple[str, list[Any]]] = [
        ("trading.lot", [lot.pk]),
        ("trading.project", [lot.project_id]),
        ("bidding.bid", list(lot.bids.values_list("pk", flat=True))),
        ("bidding.bond", list(lot.bonds.values_list("pk", flat=True))),
        ("bidding.upload", list(lot.uploads.values_list("pk", flat=True))),
        ("trading.objection", list(lot.objections.values_list("pk", flat=True))),
        ("supervision.alert", list(lot.alerts.values_list("pk", flat=True))),
        ("supervision.instruction", list(lot.instructions.values_list("pk", flat=True))),
        ("supervision.case", list(lot.cases.values_list("pk", flat=True))),
    ]
    if lot.notice_id is not None:
        assert lot.notice is not None
        refs.append(("trading.notice", [lot.notice_id]))
        refs.append(("trading.document", list(lot.notice.documents.values_list("pk", flat=True))))
        refs.append(("trading.objection", list(lot.notice.objections.values_list("pk", flat=True))))
    if apps.is_installed("ggzy.evaluation"):
        from ggzy.evaluation.models import Award, Evaluation

        refs.append(
            ("evaluation.evaluation", list(Evaluation.objects.filter(lot=lot).values_list("pk", flat=True)))
        )
        refs.append(("evaluation.award", list(Award.objects.filter(lot=lot).values_list("pk", flat=True))))
    query = Q()
    for object_type, ids in refs:
        if ids:
            query |= Q(object_type=object_type, object_id__in=[str(i) for i in ids])
    return list(visible_events().filter(query).order_by("seq"))


def is_committee_member(actor: Actor, lot: Lot) -> bool:
    if actor.user_id is None or not actor.has(Role.EXPERT) or not apps.is_installed("ggzy.evaluation"):
        return False
    from ggzy.evaluation.models import CommitteeMember

    return CommitteeMember.objects.filter(evaluation__lot=lot, user_id=actor.user_id).exists()


def screen_for(actor: Actor, lot_code: str) -> tuple[LotScreen, dict[str, str]]:
    """The lot's collusion screen, for the evaluation committee of the lot (evidence under 条例 第40条)
    and for the competent regulator. Bidders and the public never see it."""
    lot = _lot(lot_code)
    if not is_committee_member(actor, lot):
        require_lot_supervisor(actor, lot)
    screen = LotScreen.objects.filter(lot=lot).first()
    if screen is None:
        raise NotFound(
            "screen_not_found", "该标段尚未完成围标串标筛查（开标解密结束后生成）", "No screen yet"
        )
    return screen, COLLUSION_EVIDENCE.as_json()
