"""Pages of the supervision workspace (监管工作台): the department's dashboard and risk map, every alert with
its evidence and legal basis, the audit trail and collusion screen of a trade with the regulator's binding
instructions, complaints and reports with their working-day deadlines; and the public pages: filing a
report (anonymous allowed), filing a complaint, published decisions and the departments' power lists.

Thin (DESIGN rule 1): Django forms only collect input, every change goes through the existing supervision
functions (`alerts.move_alert`, `cases.*`, `instructions.issue_instruction` / `lift_suspension`), and a
refusal is shown with its code, Chinese and English message and the rule it cites (status 422, or 403/404
when it is about who the user is; nothing changed). Successful posts redirect (POST-redirect-GET). Reads
are plain ORM queries or `supervision.queries`.

Who sees what: a regulator sees and handles its own department's queue; an operator (交易中心) sees every
department's dashboard, alerts and trades read-only (no forms); complaints and reports stay with the
department they were routed to. Bidders and the public never see alerts, trails or screens.
"""

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from ggzy.catalogue.models import TradeCategory
from ggzy.exchange.models import Node
from ggzy.exchange.queries import operates
from ggzy.kernel import calendar, clock
from ggzy.kernel.actions import require_role
from ggzy.kernel.errors import GgzyError, InvalidInput, LegalRule, NotFound, PermissionDenied
from ggzy.kernel.pages import BeijingDateTimeField, refusal_status, shows_errors
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.timefmt import local_text
from ggzy.registry.auth import actor_from_request
from ggzy.registry.models import Department
from ggzy.supervision import alerts, cases, instructions, powers, queries
from ggzy.supervision.collusion.table import SIGNALS
from ggzy.supervision.models import Alert, AlertMove, Case, Instruction, LotScreen
from ggzy.supervision.rules import (
    ACCEPT_WORKING_DAYS,
    ALERT_RULES,
    COLLUSION,
    COLLUSION_ALERT_SCORE,
    COLLUSION_EVIDENCE,
    COMPLAINT,
    COMPLAINT_HANDLING,
    CORRECTION_DEFAULT_DAYS,
    DECIDE_WORKING_DAYS,
    DECISION_PUBLIC,
    INSTRUCTION_OVERDUE,
    REPORT,
    REPORT_ACCEPT_WORKING_DAYS,
    REPORT_DECIDE_WORKING_DAYS,
)
from ggzy.supervision.schemas import ComplaintIn, DecisionIn, InstructionIn, ReportIn
from ggzy.trading import actions as trading_actions
from ggzy.trading import routing
from ggzy.trading.models import Lot, MethodChange, Objection
from ggzy.trading.specs import SPECS

A = Alert.Status
C = Case.Status
K = Instruction.Kind
OPEN_CASES = [C.RECEIVED, C.ACCEPTED]
STATUS_LABELS: dict[str, str] = {str(value): str(label) for value, label in A.choices}
STATE_LABELS: dict[str, str] = {str(value): str(label) for value, label in Lot.State.choices}
SECTOR_LABELS: dict[str, str] = {str(value): str(label) for value, label in TradeCategory.choices}
RISK_MEDIUM = 30.0  # [U] display band only: below the S16 threshold, above it the row is "high"
PAGE_ROWS = 200

# ---- forms (collect input only; the supervision functions check it) -----------------------------------


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class AlertMoveForm(forms.Form):
    to = forms.ChoiceField(
        label="处理为",
        choices=[(s.value, s.label) for s in (A.REVIEWING, A.DISMISSED, A.CONFIRMED, A.TRANSFERRED)],
    )
    note = forms.CharField(
        label="核查意见", widget=textarea(), required=False, help_text="排除或确认预警须写明核查意见"
    )
    transferred_to = forms.CharField(
        label="移交单位",
        max_length=200,
        required=False,
        help_text="移交时必填，如公安机关、纪检监察机关",
    )


class InstructionForm(forms.Form):
    kind = forms.ChoiceField(
        label="指令类型",
        choices=[(k.value, k.label) for k in (K.SUSPEND, K.TERMINATE, K.CORRECT)],
    )
    reason = forms.CharField(label="事实和理由", widget=textarea(), required=False)
    due = BeijingDateTimeField(
        label="改正期限（北京时间，可选）",
        required=False,
        help_text=f"仅责令改正：不填则为{CORRECTION_DEFAULT_DAYS.value}日（{CORRECTION_DEFAULT_DAYS.legal.citation}）",
    )
    case_id = forms.TypedChoiceField(
        label="所依据的投诉举报（可选）", coerce=int, required=False, empty_value=None
    )
    alert_id = forms.TypedChoiceField(
        label="所依据的预警（可选）", coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, lot: Lot, department_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        case_field = self.fields["case_id"]
        alert_field = self.fields["alert_id"]
        assert isinstance(case_field, forms.TypedChoiceField)
        assert isinstance(alert_field, forms.TypedChoiceField)
        mine_cases = Case.objects.filter(lot=lot, department_id=department_id or 0)
        mine_alerts = Alert.objects.filter(lot=lot, department_id=department_id or 0)
        case_field.choices = [("", "—")] + [
            (c.pk, f"{c.number} {c.get_kind_display()}（{c.get_status_display()}）") for c in mine_cases
        ]
        alert_field.choices = [("", "—")] + [
            (a.pk, f"#{a.pk} {a.rule_id} {a.rule_name}（{a.get_status_display()}）") for a in mine_alerts
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=textarea(2), required=False)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="处理结果")
    decision = forms.CharField(label="书面处理决定", widget=textarea(5), required=False)
    public = forms.BooleanField(
        label="公开处理决定", required=False, initial=True, help_text=f"{DECISION_PUBLIC.citation}"
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        outcomes = (
            (Case.Outcome.UPHELD, Case.Outcome.PARTLY, Case.Outcome.DISMISSED)
            if kind == Case.Kind.COMPLAINT
            else (Case.Outcome.REPORT_CONFIRMED, Case.Outcome.REPORT_UNFOUNDED)
        )
        field = self.fields["outcome"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(o.value, o.label) for o in outcomes]


class ComplaintForm(forms.Form):
    lot_code = forms.CharField(label="标段编号", max_length=20)
    matter = forms.ChoiceField(label="投诉事项", choices=Case.Matter.choices, initial=Case.Matter.OTHER)
    objection_id = forms.TypedChoiceField(
        label="先前提出的异议",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="就招标文件、开标或评标结果投诉的，应当先向招标人提出异议（条例 第60条第2款）",
    )
    request = forms.CharField(label="请求事项", widget=textarea(2), required=False)
    text = forms.CharField(label="事实、理由和证明材料", widget=textarea(6), required=False)
    known_on = forms.DateField(
        label="知道或者应当知道投诉事项之日", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, objections: list[Objection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["objection_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—（“其他违法行为”无须异议）")] + [
            (
                o.pk,
                f"#{o.pk} {o.get_stage_display()}：{o.notice.title}（{o.get_status_display()}，"
                f"{local_text(o.raised_at)}提出）",
            )
            for o in objections
        ]


class ReportForm(forms.Form):
    lot_code = forms.CharField(label="标段编号（如知道）", max_length=20, required=False)
    project_code = forms.CharField(label="项目编号（如知道）", max_length=40, required=False)
    sector = forms.ChoiceField(
        label="交易类别（未填项目或标段时选择）",
        choices=[("", "—"), *TradeCategory.choices],
        required=False,
    )
    node_id = forms.TypedChoiceField(
        label="所在交易平台（未填项目或标段时选择）", coerce=int, required=False, empty_value=None
    )
    text = forms.CharField(label="举报事项和线索", widget=textarea(6), required=False)
    contact = forms.CharField(
        label="联系方式（可选，不公开）",
        max_length=100,
        required=False,
        help_text="可匿名举报，无须填写任何个人信息；留下联系方式便于反馈处理结果",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["node_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—")] + [(n.pk, n.name) for n in Node.objects.order_by("region_id")]


# ---- who sees what ----------------------------------------------------------------------------------


@dataclass
class Desk:
    """The signed-in overseer: a regulator of one department (acts), or an operator (reads everything)."""

    actor: Actor
    department: Department | None  # the regulator's own department; None for an operator

    @property
    def operator(self) -> bool:
        return self.department is None

    def acts_for(self, department_id: int | None) -> bool:
        return self.department is not None and department_id == self.department.pk


def desk_for(actor: Actor) -> Desk:
    require_role(actor, Role.REGULATOR, Role.OPERATOR)
    if actor.has(Role.REGULATOR):
        return Desk(actor, queries.department_of(actor))
    return Desk(actor, None)


def alerts_seen(desk: Desk) -> QuerySet[Alert]:
    """A regulator: its department's queue (`queries.alerts_for`); an operator: the alerts of its node
    and below, read-only."""
    if desk.operator:
        return queries.operator_alerts(desk.actor)
    return queries.alerts_for(desk.actor)


def department_case(desk: Desk, case_id: int) -> Case:
    """A complaint or report of the regulator's department (they are nobody else's business)."""
    if desk.department is None:
        raise PermissionDenied(
            "case_private",
            "投诉举报只由受理部门办理和查看",
            "Complaints and reports are seen by the department they were routed to",
        )
    case = (
        Case.objects.select_related("project", "lot", "objection__notice", "complainant", "department")
        .filter(pk=case_id, department=desk.department)
        .first()
    )
    if case is None:
        raise NotFound("case_not_found", "未找到本部门的投诉举报", "No such case of your department")
    return case


# ---- reading helpers ----------------------------------------------------------------------------------


def risk_class(row: dict[str, Any]) -> str:
    risk = row.get("max_risk")
    if risk is not None and risk >= COLLUSION_ALERT_SCORE.value:
        return "risk-high"
    if (risk is not None and risk >= RISK_MEDIUM) or row.get("alerts_open"):
        return "risk-medium"
    if risk is not None or row.get("alerts_total"):
        return "risk-low"
    return "risk-none"


def local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


@dataclass
class CaseRow:
    """A case with its deadlines as of now: working days left and whether a deadline has passed."""

    case: Case
    accept_late: bool
    decide_late: bool
    days_left: int | None  # working days left to the running deadline; None when none runs

    @property
    def running_due(self) -> datetime | None:
        if self.case.status == C.RECEIVED:
            return self.case.accept_due
        if self.case.status == C.ACCEPTED and self.case.paused_at is None:
            return self.case.decision_due
        return None


def case_row(case: Case, now: datetime) -> CaseRow:
    accept_late = case.accept_overdue or (case.status == C.RECEIVED and now > case.accept_due)
    decide_late = case.decision_overdue or (
        case.status == C.ACCEPTED
        and case.paused_at is None
        and case.decision_due is not None
        and now > case.decision_due
    )
    row = CaseRow(case, accept_late, decide_late, None)
    due = row.running_due
    if due is not None and now <= due:
        # the due moment is midnight after the last day: count working days up to that last day
        row.days_left = calendar.working_days_between(local_day(now), local_day(due) - timedelta(days=1))
    return row


def case_rules(case: Case) -> dict[str, Any]:
    """The periods that apply to this case, with their citations."""
    if case.kind == Case.Kind.REPORT:
        return {"accept": REPORT_ACCEPT_WORKING_DAYS, "decide": REPORT_DECIDE_WORKING_DAYS, "basis": REPORT}
    return {"accept": ACCEPT_WORKING_DAYS, "decide": DECIDE_WORKING_DAYS, "basis": COMPLAINT_HANDLING}


def pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


# Top-level evidence keys the alert checks write, with their Chinese label (for the readable summary).
EVIDENCE_LABELS: dict[str, str] = {
    "lot": "标段",
    "project": "项目",
    "notice": "公告",
    "title": "标题",
    "number": "编号",
    "kind": "类型",
    "status": "状态",
    "state": "标段状态",
    "lot_state": "标段状态",
    "signal": "信号",
    "score": "风险分",
    "threshold": "阈值",
    "count": "次数",
    "days": "天数",
    "legal_days": "法定天数",
    "days_left": "剩余天数",
    "days_late": "逾期天数",
    "counting": "计算方法",
    "bidder": "投标人",
    "name": "名称",
    "only_bidder_name": "唯一投标人",
    "winner_name": "中标人",
    "principal_name": "招标人",
    "entity": "市场主体",
    "expert": "专家",
    "receipt_no": "回执编号",
    "amount": "金额（元）",
    "total": "合计（元）",
    "subject": "采购标的",
    "category": "交易类别",
    "window": "统计期间",
    "published_at": "发布时间",
    "docs_from": "招标文件发出",
    "docs_until": "招标文件获取截止",
    "bid_deadline": "投标截止",
    "earliest_legal_deadline": "法定最早投标截止",
    "earliest_legal_docs_until": "法定最早获取截止",
    "deadline_should_be_on_or_after": "截止时间应不早于",
    "submitted_at": "递交时间",
    "decrypt_closes_at": "解密截止",
    "raised_at": "提出时间",
    "answer_due": "答复期限",
    "answered_at": "答复时间",
    "issued_at": "发出时间",
    "due": "期限",
    "basis": "依据",
    "accept_due": "受理决定期限",
    "decision_due": "处理决定期限",
    "accept_overdue": "受理逾期",
    "decision_overdue": "处理逾期",
    "contract_due": "合同签订期限",
    "contract_signed_at": "合同签订时间",
    "report_due": "书面报告期限",
    "reported_at": "书面报告提交时间",
    "refund_due": "退还期限",
    "refunded_at": "退还时间",
    "paid_at": "缴纳时间",
    "interest": "利息（元）",
    "reason": "原因",
    "outcome_reason": "结果原因",
    "ground": "否决理由",
}
TIME_KEYS = {k for k in EVIDENCE_LABELS if k.endswith(("_at", "_due", "_until", "_from", "deadline"))} | {
    "due",
    "bid_deadline",
}


def _scalar(key: str, value: Any) -> str | None:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str) and value:
        if key in TIME_KEYS:
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
            if timezone.is_aware(moment):
                return local_text(moment)
            return value
        return value
    return None


# The collusion screen's price screens (docs/collusion.md §2) and Cardinal flags, in Chinese.
SCREEN_LABELS: dict[str, str] = {
    "cv": "CV 变异系数",
    "spd": "SPD 最高最低价差率",
    "diffp": "DIFFP 最低两价差率",
    "rd": "RD 相对距离",
    "rdnor": "RDNOR 标准化相对距离",
    "rdalt": "RDALT 替代相对距离",
    "kurt": "KURT 峰度",
    "skew": "SKEW 偏度",
    "ks": "KS 均匀分布检验",
    "arith": "ARITH 等差程度（规律性差异）",
    "geom": "GEOM 等比程度（规律性差异）",
    "identical": "相同报价数",
}
CARDINAL_LABELS: dict[str, str] = {
    "R024_price_close_to_winner": "R024 次低价与中标价过近",
    "R058_heavily_discounted": "R058 中标价大幅低于次低价",
    "R028_identical_prices": "R028 报价相同",
}
COMPONENT_LABELS = {"price": "价格", "electronic": "电子", "network": "网络"}


def evidence_summary(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """The evidence's known keys as (Chinese label, readable value); everything stays in the JSON."""
    rows = []
    for key, label in EVIDENCE_LABELS.items():
        if key in evidence:
            shown = _scalar(key, evidence[key])
            if shown is not None:
                rows.append((label, shown))
    components = evidence.get("components")
    if isinstance(components, dict):
        parts = [
            f"{name} {components[key]:g}"
            for key, name in COMPONENT_LABELS.items()
            if isinstance(components.get(key), int | float)
        ]
        if parts:
            rows.append(("分项风险（0–1）", "；".join(parts)))
    cardinal = evidence.get("cardinal")
    if isinstance(cardinal, dict):
        flags = [label for key, label in CARDINAL_LABELS.items() if cardinal.get(key) is True]
        rows.append(("OCP Cardinal 红旗", "、".join(flags) or "无"))
    if isinstance(evidence.get("pairs"), list):
        presumed = sum(1 for p in evidence["pairs"] if isinstance(p, dict) and p.get("presumption"))
        rows.append(("视为串通的投标人组合", f"{presumed}组（条例 第40条）"))
    return rows


def signal_rows(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bidder pairs of a collusion screen, each signal named and each presumption matched to its item
    of 条例 第40条."""
    rows = []
    for pair in pairs:
        signals = [
            {
                "code": code,
                "name": SIGNALS[code].name if code in SIGNALS else code,
                "presumption": code in pair.get("presumption", []),
                "citation": SIGNALS[code].legal.citation if code in SIGNALS else "",
                "text": SIGNALS[code].legal.text if code in SIGNALS else "",
            }
            for code in pair.get("signals", [])
        ]
        rows.append({**pair, "signal_rows": signals, "presumed": any(s["presumption"] for s in signals)})
    return rows


def screens_of(department: Department) -> QuerySet[LotScreen]:
    """The collusion screens of the lots this department supervises (category and node below it)."""
    return LotScreen.objects.filter(
        lot__project__category__in=department.sectors or [],
        lot__project__node_id__in=queries.subtree(department.node),
    ).select_related("lot__project")


def board(department: Department, now: datetime) -> dict[str, Any]:
    """One department's dashboard: alerts by status and rule, open cases with deadlines, overdue items,
    the risk map, the latest collusion screens."""
    department_alerts = Alert.objects.filter(department=department)
    by_status = Counter(department_alerts.values_list("status", flat=True))
    by_rule = Counter(department_alerts.values_list("rule_id", flat=True))
    open_cases = [
        case_row(c, now)
        for c in Case.objects.filter(department=department, status__in=OPEN_CASES)
        .select_related("lot", "project")
        .order_by("accept_due", "pk")
    ]
    stale = now - timedelta(days=queries.STALE_ALERT_DAYS)
    risk = [{**row, "css": risk_class(row)} for row in queries.risk_map(department)]
    return {
        "department": department,
        "sectors": [SECTOR_LABELS.get(c, c) for c in department.sectors or []],
        "alerts_total": sum(by_status.values()),
        "alerts_by_status": [(s.value, s.label, by_status.get(s.value, 0)) for s in A],
        "alerts_by_rule": [(ALERT_RULES.get(rule_id), rule_id, n) for rule_id, n in sorted(by_rule.items())],
        "latest_alerts": department_alerts.select_related("lot")[:10],
        "open_cases": open_cases,
        "overdue_cases": [r for r in open_cases if r.accept_late or r.decide_late],
        "overdue_instructions": Instruction.objects.filter(
            department=department, status=Instruction.Status.IN_FORCE, due__lt=now
        ).select_related("lot"),
        "stale_alerts": department_alerts.filter(status=A.NEW, raised_at__lt=stale).select_related("lot"),
        "stale_days": queries.STALE_ALERT_DAYS,
        "risk_map": risk,
        "screens": screens_of(department).order_by("-computed_at", "-score")[:10],
    }


# ---- dashboard and alerts ------------------------------------------------------------------------------


@login_required
@shows_errors
def dashboard(request: HttpRequest) -> HttpResponse:
    desk = desk_for(actor_from_request(request))
    departments = list(Department.objects.select_related("node").order_by("node_id", "name"))
    department = desk.department
    if desk.operator:
        # A department's board covers its whole region: a centre reads the boards of the departments
        # at its own node or below it (the province's centre, every board).
        departments = [d for d in departments if operates(desk.actor, d.node)]
        wanted = request.GET.get("department", "")
        department = next(
            (d for d in departments if str(d.pk) == wanted), departments[0] if departments else None
        )
    context: dict[str, Any] = {
        "desk": desk,
        "departments": departments,
        "selected": department,
        "unrouted": queries.alerts_for(desk.actor).select_related("lot")[:20] if desk.operator else [],
        "rules": {
            "stale": queries.STALE_ALERT_DAYS,
            "collusion": COLLUSION_ALERT_SCORE,
            "medium": RISK_MEDIUM,
        },
    }
    if department is not None:
        context["board"] = board(department, clock.now())
    return render(request, "supervision/dashboard.html", context)


@login_required
@shows_errors
def alert_list(request: HttpRequest) -> HttpResponse:
    desk = desk_for(actor_from_request(request))
    qs = alerts_seen(desk).select_related("lot", "project", "department")
    status = request.GET.get("status", "")
    rule = request.GET.get("rule", "")
    department = request.GET.get("department", "")
    lot = request.GET.get("lot", "").strip()
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule_id=rule)
    if lot:
        qs = qs.filter(lot__code=lot)
    if desk.operator and department.isdigit():
        qs = qs.filter(department_id=int(department))
    elif desk.operator and department == "none":
        qs = qs.filter(department__isnull=True)
    return render(
        request,
        "supervision/alerts.html",
        {
            "desk": desk,
            "alerts": qs[:PAGE_ROWS],
            "total": qs.count(),
            "filters": {"status": status, "rule": rule, "lot": lot, "department": department},
            "statuses": A.choices,
            "rules": list(ALERT_RULES.values()),
            "departments": Department.objects.order_by("node_id", "name") if desk.operator else [],
        },
    )


def _alert_page(
    request: HttpRequest,
    desk: Desk,
    alert_id: int,
    *,
    form: AlertMoveForm | None = None,
    error: GgzyError | None = None,
    status: int = 200,
) -> HttpResponse:
    alert = (
        alerts_seen(desk)
        .select_related("project", "lot", "entity", "department", "region")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound("alert_not_found", "未找到预警（或不属于本部门）", "No such alert in your queue")
    evidence = alert.evidence if isinstance(alert.evidence, dict) else {}
    allowed = sorted(alerts.MOVES.get(alert.status, set()))
    can_move = desk.acts_for(alert.department_id) and bool(allowed)
    if form is None and can_move:
        form = AlertMoveForm(initial={"to": allowed[0]})
    return render(
        request,
        "supervision/alert.html",
        {
            "desk": desk,
            "alert": alert,
            "rule": ALERT_RULES.get(alert.rule_id),
            "evidence_json": pretty(alert.evidence),
            "summary": evidence_summary(evidence),
            "pairs": signal_rows(evidence.get("pairs", []))
            if isinstance(evidence.get("pairs"), list)
            else [],
            "moves": [
                (
                    m,
                    STATUS_LABELS.get(m.from_status, m.from_status),
                    STATUS_LABELS.get(m.to_status, m.to_status),
                )
                for m in AlertMove.objects.filter(alert=alert)
            ],
            "allowed": [(s, A(s).label) for s in allowed],
            "can_move": can_move,
            "form": form,
            "instructions": alert.instructions.all(),
            "error": error,
        },
        status=status,
    )


@login_required
@shows_errors
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _alert_page(request, desk_for(actor_from_request(request)), alert_id)


@login_required
@require_POST
@shows_errors
def move(request: HttpRequest, alert_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    desk = desk_for(actor)
    form = AlertMoveForm(request.POST)
    if not form.is_valid():
        return _alert_page(request, desk, alert_id, form=form, status=422)
    data = form.cleaned_data
    try:
        alert = alerts.move_alert(actor, alert_id, data["to"], data["note"], data["transferred_to"])
    except GgzyError as exc:
        return _alert_page(request, desk, alert_id, form=form, error=exc, status=refusal_status(exc))
    messages.success(request, f"预警已处理为“{alert.get_status_display()}”。")
    return redirect("supervision:alert", alert_id=alert.pk)


# ---- a trade: audit trail, collusion screen, instructions -------------------------------------------------


def instruction_bases(lot: Lot) -> list[tuple[str, LegalRule]]:
    return [
        (str(kind.label), instructions.basis(kind, lot)) for kind in (K.SUSPEND, K.TERMINATE, K.CORRECT)
    ] + [
        ("指令的约束力", INSTRUCTION_OVERDUE),
    ]


def _lot_page(
    request: HttpRequest,
    desk: Desk,
    code: str,
    *,
    form: InstructionForm | None = None,
    lift_form: ReasonForm | None = None,
    error: GgzyError | None = None,
    status: int = 200,
) -> HttpResponse:
    events = queries.trail(desk.actor, code)  # refuses anyone but operators and the competent regulators
    lot = Lot.objects.select_related("project__principal", "project__agent", "project__node", "notice").get(
        code=code
    )
    department = routing.competent_department(lot.project)
    can_instruct = department is not None and desk.acts_for(department.pk)
    screen: LotScreen | None
    try:
        screen, _ = queries.screen_for(desk.actor, code)
    except NotFound:
        screen = None
    lot_instructions = list(lot.instructions.select_related("case", "alert", "suspension"))
    return render(
        request,
        "supervision/lot.html",
        {
            "desk": desk,
            "lot": lot,
            "project": lot.project,
            "department": department,
            "events": [(e, json.dumps(e.payload, ensure_ascii=False)) for e in events],
            "screen": screen,
            "pairs": signal_rows(screen.pairs) if screen is not None else [],
            "screen_rows": [
                (SCREEN_LABELS.get(name, name), value, (screen.suspicion or {}).get(name))
                for name, value in (screen.screens or {}).items()
            ]
            if screen is not None
            else [],
            "screen_basis": [COLLUSION, COLLUSION_EVIDENCE],
            "collusion_threshold": COLLUSION_ALERT_SCORE,
            "instructions": [
                (i, STATE_LABELS.get(i.previous_state, i.previous_state)) for i in lot_instructions
            ],
            "suspensions": [
                i for i in lot_instructions if i.kind == K.SUSPEND and i.status == Instruction.Status.IN_FORCE
            ],
            "suspendable": instructions.suspendable(lot),
            "bases": instruction_bases(lot),
            "alerts": lot.alerts.all(),
            "method_change": MethodChange.objects.filter(lot=lot).first(),
            "method_names": {s.id: s.name for s in SPECS.values()},
            "can_instruct": can_instruct,
            "form": form or InstructionForm(lot=lot, department_id=department.pk if department else None),
            "lift_form": lift_form or ReasonForm(),
            "error": error,
        },
        status=status,
    )


@login_required
@shows_errors
def lot_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _lot_page(request, desk_for(actor_from_request(request)), code)


@login_required
@require_POST
@shows_errors
def issue(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    desk = desk_for(actor)
    lot = Lot.objects.select_related("project__node").filter(code=code).first()
    if lot is None:
        raise NotFound("lot_not_found", f"未找到标段{code}", f"No lot {code}")
    queries.require_lot_supervisor(actor, lot)
    department = routing.competent_department(lot.project)
    form = InstructionForm(request.POST, lot=lot, department_id=department.pk if department else None)
    if not form.is_valid():
        return _lot_page(request, desk, code, form=form, status=422)
    data = form.cleaned_data
    try:
        instruction = instructions.issue_instruction(
            actor,
            InstructionIn(
                lot_code=code,
                kind=data["kind"],
                reason=data["reason"],
                case_id=data["case_id"],
                alert_id=data["alert_id"],
                due=data["due"] if data["kind"] == K.CORRECT else None,
            ),
        )
    except GgzyError as exc:
        return _lot_page(request, desk, code, form=form, error=exc, status=refusal_status(exc))
    messages.success(
        request,
        f"已发出{instruction.get_kind_display()}指令 {instruction.number}，已通知招标人、代理机构和投标人。",
    )
    return redirect("supervision:lot", code=code)


@login_required
@require_POST
@shows_errors
def lift(request: HttpRequest, instruction_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    desk = desk_for(actor)
    suspension = Instruction.objects.select_related("lot").filter(pk=instruction_id).first()
    if suspension is None:
        raise NotFound("instruction_not_found", "未找到暂停指令", "No such suspension")
    code = suspension.lot.code
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        resumption = instructions.lift_suspension(actor, instruction_id, form.cleaned_data.get("reason", ""))
    except GgzyError as exc:
        return _lot_page(request, desk, code, lift_form=form, error=exc, status=refusal_status(exc))
    messages.success(request, f"已解除暂停（{resumption.number}），标段恢复到暂停前的状态。")
    return redirect("supervision:lot", code=code)


@login_required
@require_POST
@shows_errors
def decide_method_change(request: HttpRequest, code: str) -> HttpResponse:
    """The competent department approves or refuses a change of procurement method (87号令 第43条)."""
    actor = actor_from_request(request)
    desk = desk_for(actor)
    approve = request.POST.get("do") == "approve"
    try:
        trading_actions.decide_method_change(
            actor, code, approve, request.POST.get("decision_no", ""), request.POST.get("reason", "")
        )
    except GgzyError as exc:
        return _lot_page(request, desk, code, error=exc, status=refusal_status(exc))
    messages.success(request, "已批复变更采购方式的申请。" if approve else "已不予批准变更采购方式。")
    return redirect("supervision:lot", code=code)


# ---- complaints and reports (the department) ---------------------------------------------------------------


def regulator_desk(actor: Actor) -> Desk:
    desk = desk_for(actor)
    if desk.department is None:
        raise PermissionDenied(
            "case_private",
            "投诉举报只由受理部门办理和查看",
            "Complaints and reports are seen by the department they were routed to",
        )
    return desk


@login_required
@shows_errors
def case_list(request: HttpRequest) -> HttpResponse:
    desk = regulator_desk(actor_from_request(request))
    qs = Case.objects.filter(department=desk.department).select_related("lot", "project")
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    now = clock.now()
    return render(
        request,
        "supervision/cases.html",
        {
            "desk": desk,
            "rows": [case_row(c, now) for c in qs[:PAGE_ROWS]],
            "filters": {"status": status, "kind": kind},
            "statuses": C.choices,
            "kinds": Case.Kind.choices,
            "complaint_rules": [COMPLAINT, COMPLAINT_HANDLING],
            "report_rule": REPORT,
        },
    )


CASE_STEPS = ("accept", "refuse", "pause", "resume", "decide")


def _case_page(
    request: HttpRequest,
    desk: Desk,
    case: Case,
    *,
    forms_in: dict[str, forms.Form] | None = None,
    error: GgzyError | None = None,
    status: int = 200,
) -> HttpResponse:
    given = forms_in or {}
    return render(
        request,
        "supervision/case.html",
        {
            "desk": desk,
            "case": case,
            "row": case_row(case, clock.now()),
            "periods": case_rules(case),
            "refuse_form": given.get("refuse") or ReasonForm(),
            "pause_form": given.get("pause") or ReasonForm(),
            "decide_form": given.get("decide") or DecisionForm(kind=case.kind),
            "instructions": case.instructions.select_related("lot"),
            "decision_public": DECISION_PUBLIC,
            "error": error,
        },
        status=status,
    )


@login_required
@shows_errors
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    desk = regulator_desk(actor_from_request(request))
    return _case_page(request, desk, department_case(desk, case_id))


@login_required
@require_POST
@shows_errors
def case_step(request: HttpRequest, case_id: int, step: str) -> HttpResponse:
    actor = actor_from_request(request)
    desk = regulator_desk(actor)
    case = department_case(desk, case_id)
    if step not in CASE_STEPS:
        raise NotFound("case_step", "没有这个办理步骤", f"No step '{step}'")
    form: forms.Form | None = None
    try:
        if step == "accept":
            done = cases.accept_case(actor, case.pk)
            text = (
                f"已受理，处理决定期限：{local_text(done.decision_due)}。"
                if done.decision_due
                else "已受理。"
            )
        elif step == "resume":
            done = cases.resume_case(actor, case.pk)
            text = "已恢复计时，处理决定期限已顺延。"
        elif step == "decide":
            form = DecisionForm(request.POST, kind=case.kind)
            if not form.is_valid():
                return _case_page(request, desk, case, forms_in={step: form}, status=422)
            data = form.cleaned_data
            done = cases.decide_case(
                actor,
                case.pk,
                DecisionIn(outcome=data["outcome"], decision=data["decision"], public=data["public"]),
            )
            text = "已作出处理决定" + ("并公开。" if done.decision_public else "。")
        else:  # refuse, pause: a reason
            form = ReasonForm(request.POST)
            form.is_valid()
            reason = form.cleaned_data.get("reason", "")
            if step == "refuse":
                cases.refuse_case(actor, case.pk, reason)
                text = "已决定不予受理，并告知投诉举报人。"
            else:
                cases.pause_case(actor, case.pk, reason)
                text = "已中止计时（检验、检测、鉴定、专家评审所需时间不计算在内）。"
    except GgzyError as exc:
        case.refresh_from_db()
        return _case_page(
            request,
            desk,
            case,
            forms_in={step: form} if form is not None else None,
            error=exc,
            status=refusal_status(exc),
        )
    messages.success(request, text)
    return redirect("supervision:case", case_id=case.pk)


# ---- filing (parties and the public) -------------------------------------------------------------------


def require_complainant(actor: Actor) -> None:
    require_role(actor, Role.BIDDER, Role.PRINCIPAL, Role.AGENT, Role.GUARANTOR)
    if actor.entity_id is None:
        raise PermissionDenied(
            "entity_required", "投诉须以市场主体的名义提出", "Complaints are filed in an entity's name"
        )


def _complaint_page(
    request: HttpRequest,
    actor: Actor,
    *,
    form: ComplaintForm | None = None,
    error: GgzyError | None = None,
    status: int = 200,
) -> HttpResponse:
    objections = list(
        Objection.objects.filter(raised_by_id=actor.entity_id)
        .select_related("notice", "lot")
        .order_by("-raised_at")
    )
    initial = {"lot_code": request.GET.get("lot", "")}
    return render(
        request,
        "supervision/complaint_new.html",
        {
            "form": form or ComplaintForm(objections=objections, initial=initial),
            "mine": [
                case_row(c, clock.now())
                for c in Case.objects.filter(complainant_id=actor.entity_id).select_related(
                    "lot", "department"
                )
            ],
            "rules": [COMPLAINT, COMPLAINT_HANDLING],
            "error": error,
        },
        status=status,
    )


@login_required
@shows_errors
def new_complaint(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_complainant(actor)
    if request.method != "POST":
        return _complaint_page(request, actor)
    objections = list(Objection.objects.filter(raised_by_id=actor.entity_id).select_related("notice"))
    form = ComplaintForm(request.POST, objections=objections)
    if not form.is_valid():
        return _complaint_page(request, actor, form=form, status=422)
    data = form.cleaned_data
    try:
        case = cases.file_complaint(
            actor,
            ComplaintIn(
                lot_code=data["lot_code"].strip(),
                matter=data["matter"],
                objection_id=data["objection_id"],
                request=data["request"],
                text=data["text"],
                known_on=data["known_on"],
            ),
        )
    except GgzyError as exc:
        return _complaint_page(request, actor, form=form, error=exc, status=refusal_status(exc))
    messages.success(
        request,
        f"投诉已提交，编号{case.number}；{case.department.name}将于"
        f"{local_text(case.accept_due)}前决定是否受理。",
    )
    return redirect("supervision:new_complaint")


def _report_page(
    request: HttpRequest, *, form: ReportForm | None = None, error: GgzyError | None = None, status: int = 200
) -> HttpResponse:
    initial = {"lot_code": request.GET.get("lot", ""), "project_code": request.GET.get("project", "")}
    return render(
        request,
        "supervision/report_new.html",
        {
            "form": form or ReportForm(initial=initial),
            "rule": REPORT,
            "accept_days": REPORT_ACCEPT_WORKING_DAYS,
            "error": error,
        },
        status=status,
    )


@shows_errors
def new_report(request: HttpRequest) -> HttpResponse:
    """Anyone may report, signed in or not; no personal data is asked (a contact is optional)."""
    if request.method != "POST":
        return _report_page(request)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _report_page(request, form=form, status=422)
    data = form.cleaned_data
    try:
        report_in = ReportIn(
            lot_code=data["lot_code"].strip(),
            project_code=data["project_code"].strip(),
            sector=data["sector"],
            node_id=data["node_id"],
            text=data["text"],
            contact=data["contact"],
        )
    except ValidationError:
        error = InvalidInput("report_form", "举报内容格式不正确", "The report is malformed")
        return _report_page(request, form=form, error=error, status=422)
    try:
        case = cases.file_report(actor_from_request(request), report_in)
    except GgzyError as exc:
        return _report_page(request, form=form, error=exc, status=refusal_status(exc))
    messages.success(
        request,
        f"举报已收到，编号{case.number}；{case.department.name}将于"
        f"{local_text(case.accept_due)}前决定是否受理。请记下编号。",
    )
    return redirect("supervision:new_report")


# ---- public: decisions and power lists -----------------------------------------------------------------


def decisions(request: HttpRequest) -> HttpResponse:
    qs = (
        Case.objects.filter(status=C.DECIDED, decision_public=True)
        .select_related("department", "project", "lot")
        .order_by("-decided_at", "-pk")
    )
    department = request.GET.get("department", "")
    if department.isdigit():
        qs = qs.filter(department_id=int(department))
    return render(
        request,
        "supervision/decisions.html",
        {
            "decisions": qs[:PAGE_ROWS],
            "departments": Department.objects.order_by("node_id", "name"),
            "department": department,
            "basis": DECISION_PUBLIC,
        },
    )


def power_lists(request: HttpRequest) -> HttpResponse:
    labels = dict(TradeCategory.choices)
    departments = [
        {
            "department": d,
            "sectors": [str(labels.get(s, s)) for s in d.sectors or []],
            "powers": powers.powers_for(d),
        }
        for d in Department.objects.select_related("node").order_by("node_id", "name")
    ]
    catalogue = powers.catalogue()
    return render(
        request,
        "supervision/powers.html",
        {
            "departments": departments,
            "title": catalogue.get("title", "行政监督部门权责清单"),
            "note": catalogue.get("note", ""),
            "rules": [(r, Alert.Severity(r.severity).label) for r in ALERT_RULES.values()],
        },
    )
