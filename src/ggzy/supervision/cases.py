"""Complaints (投诉) and reports (举报), R9.3: received, routed to the competent department, accepted or
refused within 3 working days, decided within 30 working days (条例 第60–61条), deadlines watched by the
chronograph, overdue cases raised as alerts, decisions published.

A complaint about the tender documents, the opening or the evaluation result must follow an objection
to the principal (条例 第60条 second paragraph; T4, T11): the complaint names the objection, which must be
answered or overdue, and the objection's answer period does not count against the 10 days.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from ggzy.catalogue.models import TradeCategory
from ggzy.exchange.models import Node
from ggzy.kernel import audit, calendar, clock, notify
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.errors import InvalidInput, NotFound
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.rules import Period
from ggzy.kernel.sequences import next_value
from ggzy.kernel.timefmt import local_text, local_text_en
from ggzy.registry.models import Account, Department
from ggzy.registry.queries import entity_of
from ggzy.supervision.alerts import Finding, require_department_regulator
from ggzy.supervision.models import Case
from ggzy.supervision.rules import (
    ACCEPT_WORKING_DAYS,
    COMPLAINT,
    COMPLAINT_HANDLING,
    COMPLAINT_WITHIN_DAYS,
    DECIDE_WORKING_DAYS,
    DECISION_PUBLIC,
    OBJECTION_FIRST,
    PROCUREMENT_COMPLAINT_WORKING_DAYS,
    PROCUREMENT_DECIDE_WORKING_DAYS,
    REPORT,
    REPORT_ACCEPT_WORKING_DAYS,
    REPORT_DECIDE_WORKING_DAYS,
    alert_rule,
)
from ggzy.supervision.schemas import ComplaintIn, DecisionIn, ReportIn
from ggzy.trading import routing
from ggzy.trading.models import Lot, Objection, Project

PROCUREMENT = TradeCategory.PROCUREMENT


def end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _local(moment: datetime) -> date:
    return timezone.localdate(moment)


def _lot(code: str) -> Lot:
    lot = Lot.objects.select_related("project__node", "notice").filter(code=(code or "").strip()).first()
    if lot is None:
        raise NotFound("lot_not_found", f"未找到标段{code}", f"No lot {code}")
    return lot


def _number(prefix: str) -> str:
    return f"{prefix}{clock.today().year}{next_value(f'supervision-{prefix}'):06d}"


def _tell_department(department: Department, subject: str, body: str) -> None:
    for user_id in Account.objects.filter(department=department, kind=Account.Kind.REGULATOR).values_list(
        "user_id", flat=True
    ):
        notify.queue_to(user_id, subject, body)


def _tell_complainant(case: Case, subject: str, body: str) -> None:
    if case.complainant_id is not None:
        for user_id in Account.objects.filter(entity_id=case.complainant_id).values_list(
            "user_id", flat=True
        ):
            notify.queue_to(user_id, subject, body)
    elif case.filed_by_user_id is not None:
        notify.queue_to(case.filed_by_user_id, subject, body)


def complaint_clock_start(form: ComplaintIn, objection: Objection | None) -> date:
    """Day 0 of the complaint period: the day the party knew, moved past the objection's answer period."""
    start = form.known_on
    if objection is not None:
        answered = objection.answered_at or objection.answer_due
        start = max(start, _local(answered))
    return start


def _objection_first(actor_entity_id: int, lot: Lot, form: ComplaintIn, now: datetime) -> Objection | None:
    if form.matter not in OBJECTION_FIRST:
        if form.matter != Case.Matter.OTHER:
            raise InvalidInput(
                "complaint_matter", "投诉事项应为 documents、opening、result 或 other", "Bad matter"
            )
        return None
    objection = None
    if form.objection_id is not None and lot.notice_id is not None:
        objection = Objection.objects.filter(
            pk=form.objection_id,
            raised_by_id=actor_entity_id,
            notice_id=lot.notice_id,
            stage=OBJECTION_FIRST[form.matter],
        ).first()
    if objection is None:
        raise InvalidInput(
            "objection_first",
            "就招标文件、开标或者评标结果投诉的，应当先向招标人提出异议，并在投诉中注明该异议",
            "Object to the principal first and name that objection in the complaint",
            rule=COMPLAINT,
            details={"matter": form.matter, "lot": lot.code},
        )
    if objection.status == Objection.Status.PENDING and objection.answer_due > now:
        raise InvalidInput(
            "objection_pending",
            f"异议尚在答复期内（至{local_text(objection.answer_due)}），答复或逾期后方可投诉",
            f"The objection is still within its answer period (until {local_text_en(objection.answer_due)})",
            rule=COMPLAINT,
            details={"answer_due": objection.answer_due.isoformat()},
        )
    return objection


@action("supervision.file_complaint")
def file_complaint(actor: Actor, form: ComplaintIn) -> Case:
    require_role(actor, Role.BIDDER, Role.PRINCIPAL, Role.AGENT, Role.GUARANTOR)
    entity = entity_of(actor)
    lot = _lot(form.lot_code)
    project = lot.project
    department = routing.require_competent_department(project)
    if not form.request.strip() or not form.text.strip():
        raise InvalidInput(
            "complaint_content",
            "投诉应当有明确的请求和必要的事实、理由",
            "State the request and the facts",
            rule=COMPLAINT,
        )
    now, today = clock.now(), clock.today()
    if form.known_on > today:
        raise InvalidInput("known_on_future", "知道投诉事项之日不能晚于今天", "known_on is in the future")
    objection = _objection_first(entity.pk, lot, form, now)
    start = complaint_clock_start(form, objection)
    if project.category == PROCUREMENT:
        rule, decide = PROCUREMENT_COMPLAINT_WORKING_DAYS, PROCUREMENT_DECIDE_WORKING_DAYS
    else:
        rule, decide = COMPLAINT_WITHIN_DAYS, DECIDE_WORKING_DAYS
    last_day = rule.end(start)
    if today > last_day:
        raise InvalidInput(
            "complaint_too_late",
            f"投诉应当自知道或者应当知道之日起{rule.text}内提出（起算日{local_text(start)}，最迟{local_text(last_day)}）",
            f"Complaints are due within {rule.value} days of knowing: by {local_text_en(last_day)}",
            rule=rule.legal,
            details={"start": start.isoformat(), "last_day": last_day.isoformat()},
        )
    accept_due = end_of_day(ACCEPT_WORKING_DAYS.end(today))
    case = Case.objects.create(
        number=_number("TS"),
        kind=Case.Kind.COMPLAINT,
        matter=form.matter,
        department=department,
        project=project,
        lot=lot,
        objection=objection,
        complainant=entity,
        filed_by_user_id=actor.user_id,
        request=form.request.strip(),
        text=form.text.strip(),
        known_on=form.known_on,
        received_at=now,
        accept_due=accept_due,
        next_check=accept_due,
    )
    _tell_department(
        department,
        f"新投诉 {case.number}",
        f"{lot.code}：{entity.name}提出投诉，请于{local_text(accept_due)}前决定是否受理。",
    )
    audit.record(
        case,
        {
            "number": case.number,
            "lot": lot.code,
            "department": department.pk,
            "matter": form.matter,
            "objection": objection.pk if objection else None,
            "accept_due": accept_due,
            "decide_working_days": decide.value,
        },
    )
    return case


@action("supervision.file_report")
def file_report(actor: Actor, form: ReportIn) -> Case:
    """Anyone may report, anonymously: no personal data is required (a contact is optional, never shown)."""
    text = (form.text or "").strip()
    if not text:
        raise InvalidInput("report_text", "请填写举报事项和线索", "Describe what you report")
    project: Project | None = None
    lot: Lot | None = None
    if form.lot_code:
        lot = _lot(form.lot_code)
        project = lot.project
    elif form.project_code:
        project = Project.objects.select_related("node").filter(code=form.project_code.strip()).first()
        if project is None:
            raise NotFound("project_not_found", f"未找到项目{form.project_code}", "No such project")
    if project is not None:
        department = routing.require_competent_department(project)
    else:
        node = Node.objects.filter(pk=form.node_id or 0).first()
        found = routing.departments_for(form.sector, node) if node else []
        if not found:
            raise InvalidInput(
                "report_route",
                "请指明项目或标段，或选择举报事项的交易类别和所在平台",
                "Name the project or lot, or the category and node",
                rule=routing.ROUTING,
            )
        department = found[0]
    now, today = clock.now(), clock.today()
    accept_due = end_of_day(REPORT_ACCEPT_WORKING_DAYS.end(today))
    anonymous = actor.user_id is None
    case = Case.objects.create(
        number=_number("JB"),
        kind=Case.Kind.REPORT,
        department=department,
        project=project,
        lot=lot,
        complainant=None,
        filed_by_user_id=actor.user_id,
        anonymous=anonymous,
        contact=form.contact.strip(),
        text=text,
        received_at=now,
        accept_due=accept_due,
        next_check=accept_due,
    )
    _tell_department(
        department,
        f"新举报 {case.number}",
        f"收到{'匿名' if anonymous else ''}举报，请于{local_text(accept_due)}前决定是否受理。",
    )
    audit.record(
        case,
        {
            "number": case.number,
            "department": department.pk,
            "anonymous": anonymous,
            "accept_due": accept_due,
        },
    )
    return case


def _case_for_update(case_id: int) -> Case:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("project", "lot")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("case_not_found", "未找到投诉举报", "No such case")
    return case


def _decide_period(case: Case) -> Period:
    if case.kind == Case.Kind.REPORT:
        return REPORT_DECIDE_WORKING_DAYS
    if case.project is not None and case.project.category == PROCUREMENT:
        return PROCUREMENT_DECIDE_WORKING_DAYS
    return DECIDE_WORKING_DAYS


@action("supervision.accept_case")
def accept_case(actor: Actor, case_id: int) -> Case:
    case = _case_for_update(case_id)
    role = require_department_regulator(actor, case.department_id)
    if case.status != Case.Status.RECEIVED:
        raise InvalidInput(
            "case_not_received", "只能受理待决定是否受理的投诉举报", "Only a received case is accepted"
        )
    now = clock.now()
    case.status = Case.Status.ACCEPTED
    case.accepted_at = now
    case.accept_overdue = case.accept_overdue or now > case.accept_due
    case.decision_due = end_of_day(_decide_period(case).end(clock.today()))
    case.next_check = case.decision_due
    case.save()
    _tell_complainant(
        case, f"投诉举报已受理 {case.number}", f"已受理，将于{local_text(case.decision_due)}前作出处理决定。"
    )
    audit.record(
        case, {"accepted_at": now, "decision_due": case.decision_due, "late": case.accept_overdue}, role=role
    )
    return case


@action("supervision.refuse_case")
def refuse_case(actor: Actor, case_id: int, reason: str) -> Case:
    case = _case_for_update(case_id)
    role = require_department_regulator(actor, case.department_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason_required", "不予受理须说明理由", "Give the reason for refusing")
    if case.status != Case.Status.RECEIVED:
        raise InvalidInput(
            "case_not_received", "只能对待决定是否受理的投诉举报作出不予受理", "Only a received case"
        )
    now = clock.now()
    case.status = Case.Status.REFUSED
    case.refused_at = now
    case.refusal_reason = reason
    case.accept_overdue = case.accept_overdue or now > case.accept_due
    case.next_check = None
    case.save()
    _tell_complainant(case, f"投诉举报不予受理 {case.number}", f"不予受理：{reason}")
    audit.record(
        case,
        {"refused_at": now, "reason": reason},
        role=role,
    )
    return case


@action("supervision.pause_case")
def pause_case(actor: Actor, case_id: int, reason: str) -> Case:
    """Testing, inspection, appraisal or expert review: their time does not count (条例 第61条)."""
    case = _case_for_update(case_id)
    role = require_department_regulator(actor, case.department_id)
    if case.status != Case.Status.ACCEPTED or case.paused_at is not None:
        raise InvalidInput(
            "case_not_running", "只能对已受理且未中止计时的投诉中止计时", "Only a running accepted case"
        )
    if not (reason or "").strip():
        raise InvalidInput("reason_required", "请说明需要检验、检测、鉴定或专家评审的事项", "Give the reason")
    case.paused_at = clock.now()
    case.next_check = None
    case.save()
    audit.record(case, {"paused": True, "reason": reason.strip()}, role=role)
    return case


@action("supervision.resume_case")
def resume_case(actor: Actor, case_id: int) -> Case:
    case = _case_for_update(case_id)
    role = require_department_regulator(actor, case.department_id)
    if case.paused_at is None or case.decision_due is None:
        raise InvalidInput("case_not_paused", "该投诉未中止计时", "The case is not paused")
    paused = calendar.working_days_between(_local(case.paused_at), clock.today())
    case.paused_working_days += paused
    case.decision_due = end_of_day(
        calendar.add_working_days(_local(case.decision_due) - timedelta(days=1), paused)
    )
    case.paused_at = None
    case.next_check = case.decision_due
    case.save()
    audit.record(
        case, {"resumed": True, "paused_working_days": paused, "decision_due": case.decision_due}, role=role
    )
    return case


@action("supervision.decide_case")
def decide_case(actor: Actor, case_id: int, form: DecisionIn) -> Case:
    case = _case_for_update(case_id)
    role = require_department_regulator(actor, case.department_id)
    if case.status != Case.Status.ACCEPTED:
        raise InvalidInput("case_not_accepted", "受理后方可作出处理决定", "Decide an accepted case")
    allowed = (
        {Case.Outcome.UPHELD, Case.Outcome.PARTLY, Case.Outcome.DISMISSED}
        if case.kind == Case.Kind.COMPLAINT
        else {Case.Outcome.REPORT_CONFIRMED, Case.Outcome.REPORT_UNFOUNDED}
    )
    if form.outcome not in allowed:
        raise InvalidInput("case_outcome", f"处理结果应为：{'、'.join(sorted(allowed))}", "Bad outcome")
    if not form.decision.strip():
        raise InvalidInput(
            "decision_required", "请填写书面处理决定", "Write the decision", rule=COMPLAINT_HANDLING
        )
    now = clock.now()
    case.status = Case.Status.DECIDED
    case.outcome = form.outcome
    case.decision = form.decision.strip()
    case.decided_at = now
    case.decision_overdue = case.decision_overdue or (
        case.decision_due is not None and now > case.decision_due
    )
    case.decision_public = form.public
    case.published_at = now if form.public else None
    case.paused_at = None
    case.next_check = None
    case.save()
    _tell_complainant(case, f"投诉举报处理决定 {case.number}", case.decision)
    audit.record(
        case,
        {"outcome": case.outcome, "public": case.decision_public, "late": case.decision_overdue},
        role=role,
    )
    return case


# ---- deadlines ------------------------------------------------------------------------------------


def overdue_finding(case: Case) -> Finding | None:
    late = "受理" if case.accept_overdue and case.status == Case.Status.RECEIVED else None
    if case.decision_overdue and case.status == Case.Status.ACCEPTED:
        late = "处理"
    if late is None:
        return None
    return Finding(
        alert_rule("S15"),
        f"case:{case.pk}:{'accept' if late == '受理' else 'decide'}",
        f"{case.get_kind_display()}{case.number}超过法定{late}期限",
        {
            "number": case.number,
            "kind": case.kind,
            "received_at": case.received_at,
            "accept_due": case.accept_due,
            "accepted_at": case.accepted_at,
            "decision_due": case.decision_due,
            "status": case.status,
            "lot": case.lot.code if case.lot else None,
        },
        project=case.project,
        lot=case.lot,
        department=case.department,
        legal=COMPLAINT_HANDLING if case.kind == Case.Kind.COMPLAINT else REPORT,
    )


def overdue_findings(now: datetime) -> list[Finding]:
    cases = Case.objects.filter(status__in=[Case.Status.RECEIVED, Case.Status.ACCEPTED]).select_related(
        "project", "lot", "department"
    )
    found = []
    for case in cases:
        if case.status == Case.Status.RECEIVED and now > case.accept_due:
            case.accept_overdue = True
        if (
            case.status == Case.Status.ACCEPTED
            and case.paused_at is None
            and case.decision_due
            and now > case.decision_due
        ):
            case.decision_overdue = True
        finding = overdue_finding(case)
        if finding is not None:
            found.append(finding)
    return found


def watch_case(case_id: int, now: datetime) -> None:
    """Chronograph: mark a missed deadline, then raise the S15 alert (its own action, after commit)."""
    from ggzy.kernel.events import after_actions
    from ggzy.supervision.alerts import raise_findings

    case = _mark_overdue(Actor.system("chronograph"), case_id, now)
    finding = overdue_finding(case)
    if finding is not None:
        after_actions(lambda: raise_findings([finding]))


@action("supervision.case_deadline")
def _mark_overdue(actor: Actor, case_id: int, now: datetime) -> Case:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("project", "lot", "department")
        .get(pk=case_id)
    )
    if case.status == Case.Status.RECEIVED and now > case.accept_due:
        case.accept_overdue = True
    if (
        case.status == Case.Status.ACCEPTED
        and case.paused_at is None
        and case.decision_due
        and now > case.decision_due
    ):
        case.decision_overdue = True
    case.next_check = None
    case.save(update_fields=["accept_overdue", "decision_overdue", "next_check"])
    audit.record(
        case, {"accept_overdue": case.accept_overdue, "decision_overdue": case.decision_overdue, "at": now}
    )
    return case


PUBLICATION = DECISION_PUBLIC
