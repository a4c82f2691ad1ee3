"""Regulators' instructions, issued online and binding (R9.4; 电子招标投标办法 第52条): suspend, resume,
terminate, order correction. Each is an audited action by a regulator of the competent department.

Suspension goes through the procedure engine: `suspend(lot, now)` moves the lot to SUSPENDED with
`trading.procedure.move` (whose `next_check` is None there, so the chronograph leaves it alone) and the
Instruction row keeps the state it came from; `resume` moves it back to exactly that state.
"""

from datetime import datetime, timedelta

from ggzy.catalogue.models import TradeCategory
from ggzy.kernel import audit, clock, notify
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.errors import InvalidInput, LegalRule, NotFound, PermissionDenied
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.sequences import next_value
from ggzy.registry.models import Account
from ggzy.registry.queries import entity_of
from ggzy.supervision.alerts import Finding, require_department_regulator
from ggzy.supervision.models import Alert, Case, Instruction
from ggzy.supervision.rules import (
    CORRECT,
    CORRECTION_DEFAULT_DAYS,
    PROCUREMENT_SUSPEND,
    PROCUREMENT_SUSPENSION_DAYS,
    SUSPEND,
    TERMINATE,
    alert_rule,
)
from ggzy.supervision.schemas import InstructionIn
from ggzy.trading import procedure, routing
from ggzy.trading.models import Lot
from ggzy.trading.specs import spec_for

S = Lot.State


def suspendable(lot: Lot) -> bool:
    """Whether the lot's procedure lets a department suspend it in its present state."""
    return S.SUSPENDED in spec_for(lot).transitions[lot.state]


K = Instruction.Kind


# ---- the engine moves (helpers used inside the actions) ----------------------------------------------


def suspend(lot: Lot, now: datetime, reason: str = "") -> str:
    """Move the lot to SUSPENDED through the engine; returns the state it was in (to resume to)."""
    previous = lot.state
    procedure.move(lot, S.SUSPENDED, now, by_supervisor=True)
    lot.save()
    return previous


def resume(lot: Lot, previous_state: str, now: datetime) -> None:
    """Move a suspended lot back to the state it was suspended in (the regulator's resumption, the only
    way out of SUSPENDED besides termination)."""
    if lot.state != S.SUSPENDED:
        raise InvalidInput("lot_not_suspended", "标段未被暂停", "The lot is not suspended")
    procedure.move(lot, previous_state, now, by_supervisor=True)
    lot.save()


# ---- actions ----------------------------------------------------------------------------------------


def _lot_for_update(code: str) -> Lot:
    lot = (
        Lot.objects.select_for_update(of=("self",))
        .select_related("project__node", "project__principal", "notice")
        .filter(code=(code or "").strip())
        .first()
    )
    if lot is None:
        raise NotFound("lot_not_found", f"未找到标段{code}", f"No lot {code}")
    return lot


def _tell_parties(lot: Lot, subject: str, body: str) -> None:
    """The principal and agent's staff, and the lot's bidders."""
    entities = {lot.project.principal_id, lot.project.agent_id, *lot.bids.values_list("bidder_id", flat=True)}
    for user_id in Account.objects.filter(entity_id__in=[e for e in entities if e]).values_list(
        "user_id", flat=True
    ):
        notify.queue_to(user_id, subject, body)


def basis(kind: str, lot: Lot) -> LegalRule:
    """The legal basis of an instruction of this kind on this lot (procurement suspends under its own law)."""
    if kind == K.SUSPEND:
        return PROCUREMENT_SUSPEND if lot.project.category == TradeCategory.PROCUREMENT else SUSPEND
    if kind == K.TERMINATE:
        return TERMINATE
    return CORRECT


@action("supervision.issue_instruction")
def issue_instruction(actor: Actor, form: InstructionIn) -> Instruction:
    """Suspend, terminate or order correction of a lot's procedure."""
    lot = _lot_for_update(form.lot_code)
    department = routing.require_competent_department(lot.project)
    role = require_department_regulator(actor, department.pk)
    reason = (form.reason or "").strip()
    if not reason:
        raise InvalidInput("reason_required", "监管指令须写明事实和理由", "Give the facts and reasons")
    case = alert = None
    if form.case_id is not None:
        case = Case.objects.filter(pk=form.case_id, department=department).first()
        if case is None:
            raise NotFound("case_not_found", "未找到本部门的投诉举报", "No such case of this department")
    if form.alert_id is not None:
        alert = Alert.objects.filter(pk=form.alert_id, department=department).first()
        if alert is None:
            raise NotFound("alert_not_found", "未找到本部门的预警", "No such alert of this department")
    now = clock.now()
    legal = basis(form.kind, lot)
    previous = ""
    due = None
    if form.kind == K.SUSPEND:
        if not suspendable(lot):
            raise InvalidInput(
                "lot_not_suspendable",
                f"标段当前状态为“{lot.get_state_display()}”，不能暂停",
                f"A lot in state '{lot.state}' cannot be suspended",
                rule=legal,
            )
        previous = suspend(lot, now, reason)
        if lot.project.category == TradeCategory.PROCUREMENT:
            due = now + timedelta(days=PROCUREMENT_SUSPENSION_DAYS.value)
    elif form.kind == K.TERMINATE:
        previous = lot.state
        procedure.move(lot, S.TERMINATED, now, f"行政监督部门责令终止：{reason}", by_supervisor=True)
        lot.save()
    elif form.kind == K.CORRECT:
        due = form.due or now + timedelta(days=CORRECTION_DEFAULT_DAYS.value)
        if due <= now:
            raise InvalidInput("correction_due", "改正期限应晚于现在", "The due time must be in the future")
    else:
        raise InvalidInput(
            "instruction_kind",
            "指令类型应为 suspend、terminate 或 correct（恢复请用解除暂停）",
            "kind: suspend/terminate/correct",
        )
    instruction = Instruction.objects.create(
        number=f"ZL{clock.today().year}{next_value('supervision-instruction'):06d}",
        kind=form.kind,
        department=department,
        lot=lot,
        case=case,
        alert=alert,
        reason=reason,
        basis_citation=legal.citation,
        basis_text=legal.text,
        previous_state=previous,
        issued_by=actor.name,
        issued_at=now,
        due=due,
        status=Instruction.Status.DONE if form.kind == K.TERMINATE else Instruction.Status.IN_FORCE,
        closed_at=now if form.kind == K.TERMINATE else None,
        next_check=due,
    )
    label = instruction.get_kind_display()
    _tell_parties(
        lot,
        f"监管指令：{label}",
        f"{department.name}对{lot.code}发出{label}指令（{instruction.number}）：{reason}（依据：{legal.citation}）",
    )
    audit.record(
        instruction,
        {
            "number": instruction.number,
            "kind": form.kind,
            "lot": lot.code,
            "from_state": previous,
            "to_state": lot.state,
            "due": due,
        },
        role=role,
    )
    return instruction


@action("supervision.lift_suspension")
def lift_suspension(actor: Actor, instruction_id: int, reason: str) -> Instruction:
    """Resume a suspended lot in the state it was suspended in (recorded as a RESUME instruction)."""
    require_role(actor, Role.REGULATOR)  # before the lookup: others learn nothing of which ids exist
    suspension = (
        Instruction.objects.select_for_update(of=("self",)).filter(pk=instruction_id, kind=K.SUSPEND).first()
    )
    if suspension is None:
        raise NotFound("instruction_not_found", "未找到暂停指令", "No such suspension")
    role = require_department_regulator(actor, suspension.department_id)
    if suspension.status != Instruction.Status.IN_FORCE:
        raise InvalidInput(
            "suspension_not_in_force", "该暂停指令已解除", "The suspension is no longer in force"
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason_required", "请说明恢复的理由", "Give the reason")
    lot = _lot_for_update(suspension.lot.code)
    now = clock.now()
    resume(lot, suspension.previous_state, now)
    suspension.status = Instruction.Status.LIFTED
    suspension.closed_at = now
    suspension.next_check = None
    suspension.save()
    resumption = Instruction.objects.create(
        number=f"ZL{clock.today().year}{next_value('supervision-instruction'):06d}",
        kind=K.RESUME,
        department=suspension.department,
        lot=lot,
        case=suspension.case,
        suspension=suspension,
        reason=reason,
        basis_citation=suspension.basis_citation,
        basis_text=suspension.basis_text,
        previous_state=S.SUSPENDED,
        issued_by=actor.name,
        issued_at=now,
        status=Instruction.Status.DONE,
        closed_at=now,
    )
    _tell_parties(
        lot, "监管指令：恢复", f"{lot.code}恢复{lot.get_state_display()}（{resumption.number}）：{reason}"
    )
    audit.record(
        resumption,
        {"number": resumption.number, "lot": lot.code, "to_state": lot.state, "lifts": suspension.number},
        role=role,
    )
    return resumption


@action("supervision.report_compliance")
def report_compliance(actor: Actor, instruction_id: int, text: str) -> Instruction:
    """The principal (or its agent) reports how it carried out an order to correct."""
    role = require_role(actor, Role.PRINCIPAL, Role.AGENT)
    instruction = (
        Instruction.objects.select_for_update(of=("self",))
        .select_related("lot__project")
        .filter(pk=instruction_id, kind=K.CORRECT)
        .first()
    )
    if instruction is None:
        raise NotFound("instruction_not_found", "未找到责令改正指令", "No such order to correct")
    if entity_of(actor).pk not in {instruction.lot.project.principal_id, instruction.lot.project.agent_id}:
        raise PermissionDenied(
            "not_project_party",
            "只有本项目的招标人或其代理机构可以报告改正情况",
            "Only the project's parties",
        )
    if instruction.status != Instruction.Status.IN_FORCE:
        raise InvalidInput("instruction_closed", "该指令已办结", "The instruction is closed")
    if not (text or "").strip():
        raise InvalidInput("compliance_text", "请填写改正情况", "Describe the correction")
    now = clock.now()
    instruction.status = Instruction.Status.COMPLIED
    instruction.compliance = text.strip()
    instruction.closed_at = now
    instruction.overdue = instruction.overdue or (instruction.due is not None and now > instruction.due)
    instruction.next_check = None
    instruction.save()
    audit.record(instruction, {"complied_at": now, "late": instruction.overdue}, role=role)
    return instruction


# ---- deadlines ------------------------------------------------------------------------------------


def overdue_finding(instruction: Instruction) -> Finding | None:
    if not instruction.overdue or instruction.status != Instruction.Status.IN_FORCE:
        return None
    what = "暂停已超过法定最长期限" if instruction.kind == K.SUSPEND else "逾期未报告改正情况"
    return Finding(
        alert_rule("S19"),
        f"instruction:{instruction.pk}",
        f"{instruction.lot.code}：监管指令{instruction.number}{what}",
        {
            "number": instruction.number,
            "kind": instruction.kind,
            "lot": instruction.lot.code,
            "issued_at": instruction.issued_at,
            "due": instruction.due,
            "basis": instruction.basis_citation,
        },
        lot=instruction.lot,
        department=instruction.department,
        legal=PROCUREMENT_SUSPEND if instruction.kind == K.SUSPEND else alert_rule("S19").legal,
    )


def overdue_findings(now: datetime) -> list[Finding]:
    found = []
    for instruction in Instruction.objects.filter(
        status=Instruction.Status.IN_FORCE, due__lt=now
    ).select_related("lot__project", "department"):
        instruction.overdue = True
        finding = overdue_finding(instruction)
        if finding is not None:
            found.append(finding)
    return found


def watch_instruction(instruction_id: int, now: datetime) -> None:
    from ggzy.kernel.events import after_actions
    from ggzy.supervision.alerts import raise_findings

    instruction = _mark_overdue(Actor.system("chronograph"), instruction_id, now)
    finding = overdue_finding(instruction)
    if finding is not None:
        after_actions(lambda: raise_findings([finding]))


@action("supervision.instruction_deadline")
def _mark_overdue(actor: Actor, instruction_id: int, now: datetime) -> Instruction:
    instruction = (
        Instruction.objects.select_for_update(of=("self",))
        .select_related("lot__project", "department")
        .get(pk=instruction_id)
    )
    if (
        instruction.status == Instruction.Status.IN_FORCE
        and instruction.due is not None
        and now > instruction.due
    ):
        instruction.overdue = True
    instruction.next_check = None
    instruction.save(update_fields=["overdue", "next_check"])
    audit.record(instruction, {"overdue": instruction.overdue, "at": now})
    return instruction
