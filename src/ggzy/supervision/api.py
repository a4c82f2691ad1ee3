"""Supervision endpoints: the department's workspace (dashboard, alerts with evidence, trails, screens),
complaints and reports, instructions, decisions and power lists."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from ggzy.kernel.actions import require_login
from ggzy.kernel.audit import numbered
from ggzy.kernel.errors import NotFound, PermissionDenied
from ggzy.kernel.roles import Role
from ggzy.registry.api_auth import ANYONE
from ggzy.registry.auth import actor_from_request
from ggzy.registry.models import Department
from ggzy.supervision import alerts, cases, instructions, powers, queries
from ggzy.supervision.models import Alert, Case, Instruction
from ggzy.supervision.rules import ALERT_RULES, DECISION_PUBLIC
from ggzy.supervision.schemas import (
    AlertDetailOut,
    AlertMoveIn,
    AlertOut,
    CaseOut,
    ComplaintIn,
    ComplianceIn,
    DashboardOut,
    DecisionIn,
    DepartmentPowersOut,
    InstructionIn,
    InstructionOut,
    PublicDecisionOut,
    ReasonIn,
    ReportIn,
    ScreenOut,
    TrailEventOut,
)
from ggzy.trading.models import Lot

router = Router(tags=["supervision"])


def alert_out(a: Alert) -> dict[str, Any]:
    return {
        "id": a.pk,
        "rule_id": a.rule_id,
        "rule_name": a.rule_name,
        "severity": a.severity,
        "title": a.title,
        "status": a.status,
        "score": a.score,
        "department_id": a.department_id,
        "project": a.project.code if a.project else None,
        "lot": a.lot.code if a.lot else None,
        "entity": a.entity.uscc if a.entity else None,
        "region": a.region_id,
        "raised_at": a.raised_at,
        "updated_at": a.updated_at,
    }


def alert_detail(a: Alert) -> dict[str, Any]:
    return {
        **alert_out(a),
        "basis_citation": a.basis_citation,
        "basis_text": a.basis_text,
        "evidence": a.evidence,
        "note": a.note,
        "transferred_to": a.transferred_to,
        "moves": list(a.moves.all()),
    }


def case_out(c: Case) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "kind": c.kind,
        "matter": c.matter,
        "status": c.status,
        "department_id": c.department_id,
        "project": c.project.code if c.project else None,
        "lot": c.lot.code if c.lot else None,
        "complainant": c.complainant.uscc if c.complainant else None,
        "anonymous": c.anonymous,
        "request": c.request,
        "text": c.text,
        "known_on": c.known_on,
        "received_at": c.received_at,
        "accept_due": c.accept_due,
        "accepted_at": c.accepted_at,
        "decision_due": c.decision_due,
        "decided_at": c.decided_at,
        "outcome": c.outcome,
        "decision": c.decision,
        "decision_public": c.decision_public,
        "accept_overdue": c.accept_overdue,
        "decision_overdue": c.decision_overdue,
    }


def instruction_out(i: Instruction) -> dict[str, Any]:
    return {
        "id": i.pk,
        "number": i.number,
        "kind": i.kind,
        "status": i.status,
        "lot": i.lot.code,
        "department_id": i.department_id,
        "reason": i.reason,
        "basis_citation": i.basis_citation,
        "previous_state": i.previous_state,
        "issued_by": i.issued_by,
        "issued_at": i.issued_at,
        "due": i.due,
        "closed_at": i.closed_at,
        "compliance": i.compliance,
        "overdue": i.overdue,
    }


# ---- rules and powers (public) -------------------------------------------------------------------------


@router.get("/rules", auth=ANYONE, response=list[dict[str, Any]], summary="预警规则及其法律依据")
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "code": r.code,
            "name": r.name,
            "severity": r.severity,
            "basis": r.legal.as_json(),
            "cardinal": r.cardinal,
        }
        for r in ALERT_RULES.values()
    ]


def _powers(department: Department) -> dict[str, Any]:
    return {
        "department_id": department.pk,
        "department": department.name,
        "node": department.node.name,
        "sectors": department.sectors or [],
        "powers": powers.powers_for(department),
    }


@router.get("/powers", auth=ANYONE, response=list[DepartmentPowersOut], summary="各行政监督部门权责清单")
def all_powers(request: HttpRequest) -> list[dict[str, Any]]:
    return [_powers(d) for d in Department.objects.select_related("node").order_by("node_id", "name")]


@router.get(
    "/departments/{department_id}/powers", auth=ANYONE, response=DepartmentPowersOut, summary="部门权责清单"
)
def department_powers(request: HttpRequest, department_id: int) -> dict[str, Any]:
    department = Department.objects.select_related("node").filter(pk=department_id).first()
    if department is None:
        raise NotFound("department_not_found", "未找到行政监督部门", "No such department")
    return _powers(department)


# ---- workspace ---------------------------------------------------------------------------------------


@router.get("/dashboard", response=DashboardOut, summary="监管工作台：预警、投诉、逾期事项、风险地图")
def dashboard(request: HttpRequest) -> dict[str, Any]:
    return queries.dashboard(actor_from_request(request))


@router.get("/alerts", response=list[AlertOut], summary="本部门预警列表")
def list_alerts(
    request: HttpRequest,
    status: str | None = None,
    rule: str | None = None,
    lot: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    qs = queries.alerts_for(actor_from_request(request)).select_related("project", "lot", "entity")
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule_id=rule)
    if lot:
        qs = qs.filter(lot__code=lot)
    return [alert_out(a) for a in qs[: max(1, min(limit, 1000))]]


@router.get("/alerts/{alert_id}", response=AlertDetailOut, summary="预警详情：证据与法律依据")
def get_alert(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    return alert_detail(queries.alert_for(actor_from_request(request), alert_id))


@router.post("/alerts/{alert_id}/move", response=AlertDetailOut, summary="处理预警（核查、排除、确认、移交）")
def move_alert(request: HttpRequest, alert_id: int, payload: AlertMoveIn) -> dict[str, Any]:
    actor = actor_from_request(request)
    alerts.move_alert(actor, alert_id, payload.to, payload.note, payload.transferred_to)
    return alert_detail(queries.alert_for(actor, alert_id))


@router.get("/lots/{code}/trail", response=list[TrailEventOut], summary="交易全过程审计轨迹")
def lot_trail(request: HttpRequest, code: str) -> list[Any]:
    events = queries.trail(actor_from_request(request), code)
    return [{**{f: getattr(e, f) for f in TRAIL_FIELDS}, "position": n} for n, e in numbered(events)]


TRAIL_FIELDS = ("occurred_at", "actor", "role", "ip", "action", "object_type", "object_id", "payload")


@router.get("/lots/{code}/collusion", response=ScreenOut, summary="围标串标筛查结果（评标委员会、主管部门）")
def lot_collusion(request: HttpRequest, code: str) -> dict[str, Any]:
    screen, basis = queries.screen_for(actor_from_request(request), code)
    return {
        "lot": code,
        "computed_at": screen.computed_at,
        "score": screen.score,
        "bidders": screen.bidders,
        "priced": screen.priced,
        "screens": screen.screens,
        "suspicion": screen.suspicion,
        "components": screen.components,
        "pairs": screen.pairs,
        "bidder_signals": screen.bidder_signals,
        "reference": screen.reference,
        "basis": basis,
    }


# ---- complaints and reports -------------------------------------------------------------------------------


@router.post("/complaints", response={201: CaseOut}, summary="投诉（条例第60条）")
def file_complaint(request: HttpRequest, payload: ComplaintIn) -> Status[dict[str, Any]]:
    return Status(201, case_out(cases.file_complaint(actor_from_request(request), payload)))


@router.post("/reports", auth=ANYONE, response={201: dict[str, str]}, summary="举报（可匿名）")
def file_report(request: HttpRequest, payload: ReportIn) -> Status[dict[str, str]]:
    case = cases.file_report(actor_from_request(request), payload)
    return Status(201, {"number": case.number, "accept_due": case.accept_due.isoformat()})


def _case_visible(request: HttpRequest, case_id: int) -> Case:
    actor = actor_from_request(request)
    require_login(actor)
    case = Case.objects.select_related("project", "lot", "complainant").filter(pk=case_id).first()
    if case is None:
        raise NotFound("case_not_found", "未找到投诉举报", "No such case")
    own = case.complainant_id is not None and case.complainant_id == actor.entity_id
    mine = case.filed_by_user_id is not None and case.filed_by_user_id == actor.user_id
    regulator = actor.has(Role.REGULATOR) and actor.department_id == case.department_id
    if not (own or mine or regulator):
        raise PermissionDenied("case_private", "无权查看该投诉举报", "Not your case")
    return case


@router.get("/cases", response=list[CaseOut], summary="本部门投诉举报")
def list_cases(
    request: HttpRequest, status: str | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    department = queries.department_of(actor_from_request(request))
    qs = Case.objects.filter(department=department).select_related("project", "lot", "complainant")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return [case_out(c) for c in qs]


@router.get("/cases/{case_id}", response=CaseOut, summary="投诉举报详情")
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return case_out(_case_visible(request, case_id))


@router.post("/cases/{case_id}/accept", response=CaseOut, summary="受理")
def accept_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return case_out(cases.accept_case(actor_from_request(request), case_id))


@router.post("/cases/{case_id}/refuse", response=CaseOut, summary="不予受理")
def refuse_case(request: HttpRequest, case_id: int, payload: ReasonIn) -> dict[str, Any]:
    return case_out(cases.refuse_case(actor_from_request(request), case_id, payload.reason))


@router.post("/cases/{case_id}/pause", response=CaseOut, summary="中止计时（检验、检测、鉴定、专家评审）")
def pause_case(request: HttpRequest, case_id: int, payload: ReasonIn) -> dict[str, Any]:
    return case_out(cases.pause_case(actor_from_request(request), case_id, payload.reason))


@router.post("/cases/{case_id}/resume", response=CaseOut, summary="恢复计时")
def resume_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return case_out(cases.resume_case(actor_from_request(request), case_id))


@router.post("/cases/{case_id}/decide", response=CaseOut, summary="作出处理决定")
def decide_case(request: HttpRequest, case_id: int, payload: DecisionIn) -> dict[str, Any]:
    return case_out(cases.decide_case(actor_from_request(request), case_id, payload))


@router.get("/decisions", auth=ANYONE, response=list[PublicDecisionOut], summary="公开的投诉举报处理决定")
def public_decisions(request: HttpRequest, department_id: int | None = None) -> list[dict[str, Any]]:
    qs = Case.objects.filter(status=Case.Status.DECIDED, decision_public=True).select_related(
        "department", "project", "lot"
    )
    if department_id:
        qs = qs.filter(department_id=department_id)
    return [
        {
            "number": c.number,
            "kind": c.kind,
            "department": c.department.name,
            "project": c.project.code if c.project else None,
            "lot": c.lot.code if c.lot else None,
            "outcome": c.outcome,
            "decision": c.decision,
            "decided_at": c.decided_at,
            "published_at": c.published_at,
            "basis": DECISION_PUBLIC.citation,
        }
        for c in qs.order_by("-decided_at")
    ]


# ---- instructions ----------------------------------------------------------------------------------------


@router.post("/instructions", response={201: InstructionOut}, summary="发出监管指令（暂停、终止、责令改正）")
def issue_instruction(request: HttpRequest, payload: InstructionIn) -> Status[dict[str, Any]]:
    return Status(201, instruction_out(instructions.issue_instruction(actor_from_request(request), payload)))


@router.post("/instructions/{instruction_id}/lift", response=InstructionOut, summary="解除暂停、恢复交易")
def lift(request: HttpRequest, instruction_id: int, payload: ReasonIn) -> dict[str, Any]:
    return instruction_out(
        instructions.lift_suspension(actor_from_request(request), instruction_id, payload.reason)
    )


@router.post("/instructions/{instruction_id}/compliance", response=InstructionOut, summary="报告改正情况")
def compliance(request: HttpRequest, instruction_id: int, payload: ComplianceIn) -> dict[str, Any]:
    return instruction_out(
        instructions.report_compliance(actor_from_request(request), instruction_id, payload.text)
    )


@router.get("/lots/{code}/instructions", response=list[InstructionOut], summary="标段的监管指令")
def lot_instructions(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    actor = actor_from_request(request)
    require_login(actor)
    lot = Lot.objects.select_related("project").filter(code=code).first()
    if lot is None:
        raise NotFound("lot_not_found", f"未找到标段{code}", f"No lot {code}")
    parties = {lot.project.principal_id, lot.project.agent_id, *lot.bids.values_list("bidder_id", flat=True)}
    if actor.entity_id is None or actor.entity_id not in parties:
        queries.require_lot_supervisor(actor, lot)
    return [instruction_out(i) for i in lot.instructions.select_related("lot")]
