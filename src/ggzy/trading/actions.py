"""Trading actions: register a project with its lots, publish a notice with its documents, clarify,
object, terminate, re-tender. Every legal number comes from `rules.py` through `procedure.rules_for`."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import Max
from django.utils import timezone

from ggzy.credit import enforcement
from ggzy.exchange.models import Node
from ggzy.kernel import audit, calendar, clock, events, notify
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.errors import Conflict, InvalidInput, LegalRule, NotFound, PermissionDenied
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.timefmt import local_text, local_text_en
from ggzy.registry.actions import parse_public_key
from ggzy.registry.models import Account, Certificate, Entity, EntityKind
from ggzy.registry.queries import entity_of
from ggzy.trading import codes, procedure, specs
from ggzy.trading.models import (
    Document,
    Download,
    InviteeDraw,
    Lot,
    MethodChange,
    Notice,
    Objection,
    Project,
)
from ggzy.trading.queries import is_overseer, is_party, supervising_regulator
from ggzy.trading.rules import (
    DOWNLOADERS_SECRET,
    NO_PREREGISTRATION,
    OPENING_OBJECTION,
    ObjectionWindow,
    TenderRules,
    draw_mode,
    periods_apply,
)
from ggzy.trading.rules import InviteeDraw as InviteeDrawMode
from ggzy.trading.schemas import DocumentMeta, LotIn, NoticeIn, ProjectIn
from ggzy_guomi import GuomiError, Sm2PublicKey, sm3_hex

SIGNED_DOCUMENT = LegalRule(
    "电子招标投标办法 第40条；中华人民共和国电子签名法 第13、14条",
    "招标文件、澄清修改等应当采用可靠的电子签名；可靠的电子签名与手写签名或者盖章具有同等的法律效力。",
)


# ---- helpers -------------------------------------------------------------------------------------


def local_date(moment: datetime) -> date:
    return timezone.localdate(moment)


def at_same_time(day: date, like: datetime) -> datetime:
    """`day` at the local time of day of `like` (to offer a moved deadline at the usual hour)."""
    local = timezone.localtime(like)
    return timezone.make_aware(datetime.combine(day, local.time().replace(tzinfo=None)))


def end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _entity(uscc: str, field: str) -> Entity:
    entity = Entity.objects.filter(uscc=(uscc or "").strip().upper(), status=Entity.Status.ACTIVE).first()
    if entity is None:
        raise InvalidInput(
            f"{field}_unknown", f"未找到主体{uscc}", f"No active entity {uscc}", details={"field": field}
        )
    return entity


def _has_kind(entity: Entity, kind: str) -> bool:
    return entity.kinds.filter(kind=kind).exists()


def require_project_manager(actor: Actor, project: Project) -> str:
    """The principal's or the agent's staff act on a project."""
    role = require_role(actor, Role.PRINCIPAL, Role.AGENT)
    if actor.entity_id in {project.principal_id, project.agent_id}:
        return role
    raise PermissionDenied(
        "not_project_party",
        "只有本项目的招标人或其委托的代理机构可以办理",
        "Only the project's principal or its agent may do this",
    )


def _project_for_update(code: str) -> Project:
    project = Project.objects.select_for_update(of=("self",)).filter(code=code).first()
    if project is None:
        raise NotFound("project_not_found", f"未找到项目{code}", f"No project {code}")
    return project


def lots_spec(lots: list[Lot]) -> specs.ProcedureSpec:
    """The one procedure of the lots a notice announces (a notice never mixes methods)."""
    found = {lot.procedure for lot in lots}
    if len(found) != 1:
        raise InvalidInput(
            "notice_mixed_procedures",
            "一份公告只能发布同一交易程序的标段",
            "One notice announces lots of one procedure",
            details={"procedures": sorted(found)},
        )
    return specs.spec(found.pop())


def notice_spec(notice: Notice) -> specs.ProcedureSpec:
    return lots_spec(list(notice.lots.all()))


def _notice_for_update(notice_id: int) -> Notice:
    notice = (
        Notice.objects.select_for_update(of=("self",)).select_related("project").filter(pk=notice_id).first()
    )
    if notice is None:
        raise NotFound("notice_not_found", "未找到公告", "No such notice")
    return notice


def _check_lot(form: LotIn, index: int, spec: specs.ProcedureSpec) -> None:
    rules = spec.rules
    if form.contract_kind not in Lot.ContractKind.values:
        raise InvalidInput(
            "lot_contract_kind",
            "合同类型应为 works、goods 或 services",
            "contract_kind: works, goods or services",
        )
    if form.contract_kind not in spec.contract_kinds:
        kinds = "、".join(Lot.ContractKind(k).label for k in sorted(spec.contract_kinds))
        raise InvalidInput(
            "lot_contract_kind_method",
            f"{spec.name}只适用于{kinds}，第{index + 1}标段为{Lot.ContractKind(form.contract_kind).label}",
            f"{spec.id} hosts {', '.join(sorted(spec.contract_kinds))} lots, not {form.contract_kind}",
            details={"allowed": sorted(spec.contract_kinds)},
        )
    if form.estimated_value <= 0:
        raise InvalidInput("lot_estimated_value", "估算价应大于零", "The estimate must be positive")
    if form.control_price is not None and form.control_price <= 0:
        raise InvalidInput("lot_control_price", "最高投标限价应大于零", "The control price must be positive")
    if not (3 <= len(form.classify_code) <= 7) or form.classify_code[0] not in "ABCDE":
        raise InvalidInput(
            "lot_classify_code",
            "标段分类代码以 A工程/B货物/C服务/D产权/E土地 开头，如 A08（施工）",
            "classify_code starts with A/B/C/D/E, e.g. A08",
        )
    cap_by_ratio = (form.estimated_value * rules.bond_ratio.value).quantize(Decimal("0.01"))
    caps = [(cap_by_ratio, rules.bond_ratio)]
    if rules.bond_cap is not None:
        caps.append((rules.bond_cap.value, rules.bond_cap))
    for limit, rule in caps:
        if form.bond_amount > limit:
            raise InvalidInput(
                "bond_too_high",
                f"第{index + 1}标段投标保证金{form.bond_amount}元超过上限{limit}元",
                f"Lot {index + 1}: bond {form.bond_amount} exceeds the limit {limit}",
                rule=rule.legal,
                details={"limit": str(limit)},
            )


def _entry_decision(project: Project, lots: list[LotIn]) -> None:
    """Record whether the project must enter the platform, and why (R2.3), from the effective catalogue."""
    from ggzy.trading.entry import decide

    decision, version_code = decide(project, lots)
    project.must_enter = decision.must_enter
    project.must_tender = decision.must_tender
    project.entry_reasons = [reason.as_json() for reason in decision.reasons]
    project.catalogue_version = version_code


# ---- projects and lots --------------------------------------------------------------------------


@action("trading.create_project")
def create_project(actor: Actor, form: ProjectIn) -> Project:
    role = require_role(actor, Role.PRINCIPAL, Role.AGENT)
    own = entity_of(actor)
    principal: Entity
    agent: Entity | None
    if form.principal_uscc and _entity(form.principal_uscc, "principal").pk != own.pk:
        if not actor.has(Role.AGENT):
            raise PermissionDenied(
                "not_agent", "只有代理机构可以代招标人登记项目", "Only an agent registers for others"
            )
        principal, agent = _entity(form.principal_uscc, "principal"), own
    else:
        if not actor.has(Role.PRINCIPAL):
            raise InvalidInput(
                "principal_required", "代理机构登记项目须填写委托的招标人", "An agent must name the principal"
            )
        principal = own
        agent = _entity(form.agent_uscc, "agent") if form.agent_uscc else None
    if not _has_kind(principal, EntityKind.PRINCIPAL):
        raise InvalidInput(
            "principal_kind", f"{principal.name}未登记为招标人", f"{principal.uscc} is not a principal"
        )
    if agent is not None and not _has_kind(agent, EntityKind.AGENT):
        raise InvalidInput("agent_kind", f"{agent.name}未登记为代理机构", f"{agent.uscc} is not an agent")
    name = (form.name or "").strip()
    if not name:
        raise InvalidInput("name_required", "请填写项目名称", "A project needs a name")
    if not form.lots:
        raise InvalidInput("lots_required", "请至少设置一个标段", "At least one lot is needed")
    if (
        form.total_investment <= 0
        or form.state_budget_amount < 0
        or form.state_budget_amount > form.total_investment
    ):
        raise InvalidInput(
            "project_funding",
            "总投资应大于零，预算资金不得超过总投资",
            "Investment must exceed zero and the budget share",
        )
    procedure = specs.spec_for_project(form.category, form.procedure, clock.today())
    for i, lot_form in enumerate(form.lots):
        _check_lot(lot_form, i, procedure)
    node = Node.objects.get(pk=actor.node_id) if actor.node_id else principal.node
    now = clock.now()
    project = Project(
        code=codes.project_code(node),
        unified_deal_code=codes.unified_deal_code(principal.uscc, local_date(now)),
        name=name,
        principal=principal,
        agent=agent,
        node=node,
        category=form.category,
        state_budget_amount=form.state_budget_amount,
        total_investment=form.total_investment,
        state_owned_controlled=form.state_owned_controlled,
        foreign_loan_or_aid=form.foreign_loan_or_aid,
        private_only=form.private_only,
        created_at=now,
    )
    _entry_decision(project, form.lots)
    project.save()
    events.on_project_created(project)
    for seq, lot_form in enumerate(form.lots, start=1):
        _create_lot(project, seq, lot_form, now, procedure)
    audit.record(
        project,
        {
            "code": project.code,
            "deal_code": project.unified_deal_code,
            "principal": principal.uscc,
            "agent": agent.uscc if agent else None,
            "lots": len(form.lots),
            "must_enter": project.must_enter,
        },
        role=role,
    )
    return project


def _create_lot(
    project: Project,
    seq: int,
    form: LotIn,
    now: datetime,
    procedure: specs.ProcedureSpec,
    previous: Lot | None = None,
) -> Lot:
    return Lot.objects.create(
        project=project,
        procedure=procedure.key,
        seq=seq,
        code=codes.lot_code(project.code, seq),
        name=form.name.strip(),
        contract_kind=form.contract_kind,
        classify_code=form.classify_code,
        estimated_value=form.estimated_value,
        control_price=form.control_price,
        bond_amount=form.bond_amount,
        state_changed_at=now,
        previous=previous,
    )


def _failed_lot(actor: Actor, lot_code: str) -> tuple[Lot, str]:
    old = Lot.objects.select_for_update(of=("self",)).select_related("project").filter(code=lot_code).first()
    if old is None:
        raise NotFound("lot_not_found", f"未找到标段{lot_code}", f"No lot {lot_code}")
    role = require_project_manager(actor, old.project)
    if old.state != Lot.State.FAILED or hasattr(old, "retender"):
        raise InvalidInput(
            "retender_not_allowed", "只有流标且未重新招标的标段可以重新招标", "Only a failed lot"
        )
    return old, role


@action("trading.request_method_change")
def request_method_change(actor: Actor, lot_code: str, procedure: str, reason: str) -> MethodChange:
    """The purchaser asks the finance department to re-run a failed lot by another method (87号令 第43条)."""
    old, role = _failed_lot(actor, lot_code)
    rules = specs.spec_for(old).rules
    target = specs.current_spec(procedure, clock.today())
    if (
        rules.method_change is None
        or target.category != old.project.category
        or target.id == specs.spec_for(old).id
    ):
        raise InvalidInput(
            "method_change_not_allowed",
            "本交易方式流标后不能申请变更为该方式",
            "This lot's method cannot change to that one",
            rule=rules.method_change.legal if rules.method_change else None,
        )
    if not (reason or "").strip():
        raise InvalidInput("reason_required", "请说明申请变更采购方式的理由", "State the reason")
    if MethodChange.objects.filter(lot=old).exists():
        raise Conflict("method_change_exists", "该标段已申请变更采购方式", "A change was requested already")
    change = MethodChange.objects.create(
        lot=old,
        procedure=target.id,
        reason=reason.strip(),
        requested_by=actor.name,
        requested_at=clock.now(),
    )
    audit.record(change, {"lot": old.code, "procedure": target.id}, role=role)
    return change


def method_approved(lot: Lot) -> bool:
    """Whether the lot's method has the finance department's approval: asked for this lot, or the approved
    change of method of the failed lot it re-runs."""
    method = specs.spec_for(lot).id
    approved = MethodChange.objects.filter(procedure=method, status=MethodChange.Status.APPROVED)
    return approved.filter(lot=lot).exists() or (
        lot.previous_id is not None and approved.filter(lot_id=lot.previous_id).exists()
    )


def needs_method_approval(lot: Lot) -> bool:
    rule = specs.spec_for(lot).rules.approval_from
    return rule is not None and lot.estimated_value >= rule.value


@action("trading.request_method_approval")
def request_method_approval(actor: Actor, lot_code: str, reason: str) -> MethodChange:
    """The purchaser asks the finance department, before the purchase starts, to approve a non-tendering
    method for a lot at or above the open-tender threshold (74号令 第4条; 214号 第4条)."""
    lot = Lot.objects.select_for_update(of=("self",)).select_related("project").filter(code=lot_code).first()
    if lot is None:
        raise NotFound("lot_not_found", f"未找到标段{lot_code}", f"No lot {lot_code}")
    role = require_project_manager(actor, lot.project)
    rule = specs.spec_for(lot).rules.approval_from
    if not needs_method_approval(lot) or lot.state != Lot.State.DRAFT:
        raise InvalidInput(
            "method_approval_not_needed",
            "只有达到公开招标数额标准、拟采用非招标采购方式且尚未开始采购的标段需要申请批准",
            "Only a lot at or above the open-tender threshold, by a non-tendering method, not yet started",
            rule=rule.legal if rule else None,
        )
    if not (reason or "").strip():
        raise InvalidInput("reason_required", "请说明采用该采购方式的理由", "State the reason")
    if MethodChange.objects.filter(lot=lot).exists():
        raise Conflict("method_change_exists", "该标段已申请批准采购方式", "Approval was requested already")
    change = MethodChange.objects.create(
        lot=lot,
        procedure=specs.spec_for(lot).id,
        reason=reason.strip(),
        requested_by=actor.name,
        requested_at=clock.now(),
    )
    audit.record(change, {"lot": lot.code, "procedure": change.procedure, "approval": True}, role=role)
    return change


@action("trading.decide_method_change")
def decide_method_change(
    actor: Actor, lot_code: str, approve: bool, decision_no: str, reason: str = ""
) -> MethodChange:
    """The competent (finance) department approves or refuses the change, with its decision number."""
    change = (
        MethodChange.objects.select_for_update(of=("self",))
        .select_related("lot__project")
        .filter(lot__code=lot_code)
        .first()
    )
    role = require_role(actor, Role.REGULATOR)
    if change is None:
        raise NotFound("method_change_not_found", "该标段没有变更采购方式的申请", "No change was requested")
    if not supervising_regulator(actor, change.lot.project):
        raise PermissionDenied(
            "not_competent_department",
            "只有对本项目有监督职责的财政部门可以批准变更采购方式",
            "Only the project's competent department decides",
        )
    if change.status != MethodChange.Status.REQUESTED:
        raise Conflict("method_change_decided", "该申请已批复", "Already decided")
    if not (decision_no or "").strip() or (not approve and not (reason or "").strip()):
        raise InvalidInput(
            "decision_fields",
            "请填写批复文号；不予批准的应说明理由",
            "Give the decision number (and a refusal's reason)",
        )
    change.status = MethodChange.Status.APPROVED if approve else MethodChange.Status.REFUSED
    change.decided_by = actor.name
    change.decided_at = clock.now()
    change.decision_no = decision_no.strip()[:100]
    change.decision_reason = (reason or "").strip()
    change.save()
    audit.record(
        change,
        {"lot": change.lot.code, "status": change.status, "decision_no": change.decision_no},
        role=role,
    )
    return change


@action("trading.retender")
def retender(actor: Actor, lot_code: str, procedure: str | None = None) -> Lot:
    """A failed lot is tendered again as a new lot of the same project (法 第28条), by the same method, or
    by the one the competent department approved (87号令 第43条)."""
    old, role = _failed_lot(actor, lot_code)
    seq = (old.project.lots.aggregate(m=Max("seq"))["m"] or 0) + 1
    form = LotIn(
        name=old.name,
        contract_kind=old.contract_kind,
        classify_code=old.classify_code,
        estimated_value=old.estimated_value,
        control_price=old.control_price,
        bond_amount=old.bond_amount,
    )
    method = specs.spec_for(old).id
    if procedure and procedure != method:
        change = MethodChange.objects.filter(lot=old, procedure=procedure).first()
        if change is None or change.status != MethodChange.Status.APPROVED:
            rule = specs.spec_for(old).rules.method_change
            raise InvalidInput(
                "method_change_not_approved",
                "变更采购方式须经财政部门批准",
                "Another method needs the competent department's approval",
                rule=rule.legal if rule else None,
            )
        method = procedure
    # A re-run follows the method's version in force now (the legal texts may have changed).
    spec = specs.current_spec(method, clock.today())
    if spec.rules.bond_ratio.value * form.estimated_value < form.bond_amount:
        form.bond_amount = (form.estimated_value * spec.rules.bond_ratio.value).quantize(Decimal("0.01"))
    lot = _create_lot(old.project, seq, form, clock.now(), spec, previous=old)
    audit.record(lot, {"retender_of": old.code, "procedure": spec.key}, role=role)
    return lot


# ---- notices ------------------------------------------------------------------------------------


def check_periods(form: NoticeIn, today: date, rules: TenderRules, budget: Decimal | None = None) -> None:
    """T1 and T3 with their boundaries (day 1 is the day after the trigger; holiday ends roll forward).
    A method whose periods bind only from a budget (单一来源's publicity) checks only the order below it."""
    if form.docs_until <= form.docs_from or form.bid_deadline <= form.docs_from:
        raise InvalidInput("notice_times_order", "时间先后不正确", "Times are out of order")
    if local_date(form.docs_from) < today:
        raise InvalidInput(
            "docs_from_past", "招标文件获取开始时间不能早于今天", "Documents cannot start in the past"
        )
    if not periods_apply(rules, budget):
        if form.docs_until > form.bid_deadline:
            raise InvalidInput(
                "docs_after_deadline", "招标文件获取截止不得晚于投标截止", "Documents end after the deadline"
            )
        return
    sale_end = rules.doc_sale_days.end(local_date(form.docs_from))
    if local_date(form.docs_until) < sale_end:
        raise InvalidInput(
            "doc_sale_period",
            f"招标文件获取期不得少于{rules.doc_sale_days.value}日：最早可截止于{local_text(sale_end)}",
            f"Documents must be available at least {rules.doc_sale_days.value} days: until {local_text_en(sale_end)} at least",
            rule=rules.doc_sale_days.legal,
            details={"earliest_docs_until": sale_end.isoformat()},
        )
    earliest = rules.bid_period_days.end(local_date(form.docs_from))
    if local_date(form.bid_deadline) < earliest:
        offered = at_same_time(earliest, form.bid_deadline)
        raise InvalidInput(
            "bid_period_too_short",
            f"自招标文件开始发出之日起至投标截止不得少于{rules.bid_period_days.value}日：最早可定于{local_text(offered)}",
            f"At least {rules.bid_period_days.value} days from documents to deadline: earliest {local_text_en(offered)}",
            rule=rules.bid_period_days.legal,
            details={"earliest_bid_deadline": offered.isoformat()},
        )
    if form.docs_until > form.bid_deadline:
        raise InvalidInput(
            "docs_after_deadline", "招标文件获取截止不得晚于投标截止", "Documents end after the deadline"
        )


@action("trading.create_notice")
def create_notice(actor: Actor, project_code: str, form: NoticeIn) -> Notice:
    project = _project_for_update(project_code)
    role = require_project_manager(actor, project)
    if form.method not in Notice.Method.values:
        raise InvalidInput("notice_method", "招标方式应为 open 或 invited", "method must be open or invited")
    lots = list(project.lots.filter(code__in=form.lot_codes))
    if not lots or len(lots) != len(set(form.lot_codes)):
        raise InvalidInput(
            "notice_lots",
            "请选择本项目的标段",
            "Choose lots of this project",
            details={"lots": form.lot_codes},
        )
    busy = [lot.code for lot in lots if lot.state != Lot.State.DRAFT or lot.notice_id is not None]
    if busy:
        raise Conflict(
            "lot_not_draft",
            "所选标段已在其他公告中",
            "Some lots are already in a notice",
            details={"lots": busy},
        )
    rules = lots_spec(lots).rules
    decrypt_minutes = form.decrypt_minutes or rules.decrypt_minutes_default.value
    if not 1 <= decrypt_minutes <= 24 * 60:
        raise InvalidInput(
            "decrypt_minutes", "解密时长应在1分钟至24小时之间", "decrypt_minutes must be 1..1440"
        )
    check_periods(form, clock.today(), rules, max(lot.estimated_value for lot in lots))
    _check_two_supplier_ground(form.two_supplier_ground, lots, rules)
    now = clock.now()
    notice = Notice.objects.create(
        project=project,
        method=form.method,
        title=form.title.strip() or project.name,
        body=form.body,
        docs_from=form.docs_from,
        docs_until=form.docs_until,
        bid_deadline=form.bid_deadline,
        opening_at=form.bid_deadline,  # SIMULTANEOUS_OPENING (法 第34条): opening at the deadline itself
        decrypt_minutes=decrypt_minutes,
        validity_days=form.validity_days or rules.bid_validity_days_default.value,
        opening_key=parse_public_key(form.opening_key).hex() if form.opening_key.strip() else "",
        two_supplier_ground=form.two_supplier_ground,
        created_at=now,
    )
    required = draw_mode(rules) is InviteeDrawMode.REQUIRED
    if form.method == Notice.Method.INVITED and required and form.invitees:
        raise InvalidInput(
            "invitees_by_draw",
            "政府采购邀请招标的被邀请供应商须从备选名单中随机抽取，不得直接指定",
            "Invitees of procurement's invited tendering are drawn at random, not named",
            rule=rules.invitee_draw.legal if rules.invitee_draw else None,
        )
    if form.method == Notice.Method.INVITED:
        invitees = [_entity(u, "invitee") for u in dict.fromkeys(form.invitees)]
        notice.invitees.set(invitees)
    Lot.objects.filter(pk__in=[lot.pk for lot in lots]).update(notice=notice)
    audit.record(
        notice, {"project": project.code, "method": form.method, "lots": sorted(form.lot_codes)}, role=role
    )
    return notice


def _check_two_supplier_ground(ground: str, lots: list[Lot], rules: TenderRules) -> None:
    """A ground for 2 final offers must be one the method allows; the failed-tender ground (74号令 第27条
    第2款) only for lots that re-run a failed tender with the finance department's approval — which is where
    the finding that only two suppliers bid or responded is made (the approval's reasons record it)."""
    if not ground:
        return
    allowed = rules.two_supplier_grounds.get(ground)
    if allowed is None:
        names = "、".join(Notice.TwoSupplierGround(g).label for g in rules.two_supplier_grounds) or "无"
        raise InvalidInput(
            "two_supplier_ground",
            f"本采购方式不适用该情形；可适用的情形：{names}",
            f"This method does not allow that ground ({ground}); allowed: {sorted(rules.two_supplier_grounds)}",
            details={"allowed": sorted(rules.two_supplier_grounds)},
        )
    if ground == Notice.TwoSupplierGround.FAILED_TENDER:
        approved = [
            lot.code
            for lot in lots
            if lot.previous is not None
            and MethodChange.objects.filter(lot=lot.previous, status=MethodChange.Status.APPROVED).exists()
        ]
        if len(approved) != len(lots):
            raise InvalidInput(
                "two_supplier_ground",
                "只有公开招标中提交投标文件或实质性响应的供应商只有两家、经财政部门批准转为竞争性谈判的标段，"
                "最后报价可为两家",
                "Two final offers only for lots re-running, with approval, a tender that had two suppliers",
                rule=allowed.minimum.legal,
                details={"lots": sorted({lot.code for lot in lots} - set(approved))},
            )


def verify_signature(actor: Actor, data: bytes, signature_hex: str) -> Certificate:
    """The document must be signed by a currently valid certificate of the actor's own entity."""
    try:
        signature = bytes.fromhex(signature_hex.strip())
    except ValueError:
        signature = b""
    now = clock.now()
    certs = Certificate.objects.filter(
        entity=entity_of(actor), revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now
    )
    for cert in certs:
        try:
            Sm2PublicKey.from_hex(cert.public_key).verify(data, signature)
        except GuomiError:
            continue
        return cert
    raise InvalidInput(
        "document_signature",
        "文件签名无效：须使用本单位有效数字证书对文件原文进行SM2签名",
        "The document must carry a valid SM2 signature by a current certificate of your entity",
        rule=SIGNED_DOCUMENT,
    )


def _store_document(actor: Actor, notice: Notice, meta: DocumentMeta, filename: str, data: bytes) -> Document:
    if not data:
        raise InvalidInput("document_empty", "文件为空", "The file is empty")
    if meta.kind not in Document.Kind.values:
        raise InvalidInput("document_kind", "文件类型不正确", "Unknown document kind")
    cert = verify_signature(actor, data, meta.signature)
    document = Document(
        notice=notice,
        kind=meta.kind,
        title=meta.title.strip() or filename,
        filename=filename,
        size=len(data),
        sm3=sm3_hex(data),
        signature=meta.signature.strip().lower(),
        signer_id=cert.entity_id,
        signer_key_id=cert.key_id,
        new_bid_deadline=meta.new_bid_deadline,
        published_at=clock.now(),
    )
    document.file.save(f"{notice.pk}-{document.sm3[:16]}.bin", ContentFile(data), save=False)
    document.save()
    return document


@action("trading.attach_document")
def attach_document(actor: Actor, notice_id: int, meta: DocumentMeta, filename: str, data: bytes) -> Document:
    """Tender documents go with the notice before it is published."""
    notice = _notice_for_update(notice_id)
    role = require_project_manager(actor, notice.project)
    if notice.status != Notice.Status.DRAFT or meta.kind != Document.Kind.TENDER_DOCUMENTS:
        raise InvalidInput(
            "document_stage",
            "发布前只能上传招标文件；发布后请用澄清或修改",
            "Before publishing: tender documents only",
        )
    document = _store_document(actor, notice, meta, filename, data)
    audit.record(
        document, {"notice": notice.pk, "sm3": document.sm3, "signer_key": document.signer_key_id}, role=role
    )
    return document


@action("trading.publish_notice")
def publish_notice(actor: Actor, notice_id: int) -> Notice:
    notice = _notice_for_update(notice_id)
    role = require_project_manager(actor, notice.project)
    if notice.status != Notice.Status.DRAFT:
        raise InvalidInput("notice_not_draft", "公告已发布或已终止", "The notice is not a draft")
    rules = notice_spec(notice).rules
    if not notice.documents.filter(kind=Document.Kind.TENDER_DOCUMENTS).exists():
        raise InvalidInput(
            "tender_documents_missing", "请先上传招标文件", "Upload the tender documents first"
        )
    form = NoticeIn(
        method=notice.method,
        title=notice.title,
        body=notice.body,
        lot_codes=[],
        docs_from=notice.docs_from,
        docs_until=notice.docs_until,
        bid_deadline=notice.bid_deadline,
    )
    budget = max((lot.estimated_value for lot in notice.lots.all()), default=None)
    check_periods(form, clock.today(), rules, budget)  # time has passed since the draft: check again
    drawn = InviteeDraw.objects.filter(notice=notice, status=InviteeDraw.Status.DRAWN).exists()
    if notice.method == Notice.Method.INVITED and draw_mode(rules) is InviteeDrawMode.REQUIRED and not drawn:
        raise InvalidInput(
            "invitees_not_drawn",
            "请先从备选供应商中随机抽取被邀请供应商",
            "Draw the invitees from the pool first",
            rule=rules.invitee_draw.legal if rules.invitee_draw else None,
        )
    unapproved = [
        lot.code for lot in notice.lots.all() if needs_method_approval(lot) and not method_approved(lot)
    ]
    if unapproved:
        rule = rules.approval_from
        raise InvalidInput(
            "method_not_approved",
            "达到公开招标数额标准的项目采用非招标采购方式，应当在采购活动开始前报财政部门批准",
            "At or above the open-tender threshold a non-tendering method needs the finance department's approval",
            rule=rule.legal if rule else None,
            details={"lots": unapproved},
        )
    if notice.method == Notice.Method.INVITED:
        # Imported here: recommendations build on this module (notice_spec, the notice's rules).
        from ggzy.trading.recommendations import check_recommendations

        check_recommendations(notice)
        invitees = list(notice.invitees.all())
        bidders = [e for e in invitees if _has_kind(e, EntityKind.BIDDER)]
        if rules.max_invited is not None and len(invitees) > rules.max_invited.value:
            raise InvalidInput(
                "too_many_invitees",
                f"本采购方式只向{rules.max_invited.value}家供应商采购，现邀请{len(invitees)}家",
                f"This method invites {rules.max_invited.value} supplier; {len(invitees)} invited",
                rule=rules.max_invited.legal,
            )
        fewest = procedure.supplier_minimum(notice, rules, rules.min_invited, at_start=True)
        if len(bidders) < fewest.value:
            raise InvalidInput(
                "too_few_invitees",
                f"应向{fewest.value}家以上供应商发出邀请，当前{len(bidders)}家",
                f"Invite at least {fewest.value} bidders; {len(bidders)} invited",
                rule=fewest.legal,
            )
    now = clock.now()
    notice.status = Notice.Status.PUBLISHED
    notice.published_at = now
    notice.save()
    events.on_notice_published(notice)
    for lot in notice.lots.all():
        procedure.move(lot, Lot.State.BIDDING, now)
        lot.save()
    if notice.method == Notice.Method.INVITED:
        for user_id in Account.objects.filter(entity__in=notice.invitees.all()).values_list(
            "user_id", flat=True
        ):
            notify.queue_to(
                user_id,
                "投标邀请书",
                f"您受邀参加“{notice.title}”投标，投标截止时间{local_text(notice.bid_deadline)}。",
                sealed_by=notice,  # who was invited is sealed like who took the documents (第21条)
            )
    audit.record(notice, {"published_at": now, "bid_deadline": notice.bid_deadline}, role=role)
    return notice


@action("trading.clarify")
def clarify(actor: Actor, notice_id: int, meta: DocumentMeta, filename: str, data: bytes) -> Document:
    """A clarification or amendment; late ones must move the deadline (T2), to at least the earliest legal one."""
    notice = _notice_for_update(notice_id)
    role = require_project_manager(actor, notice.project)
    if notice.status != Notice.Status.PUBLISHED or clock.now() >= notice.bid_deadline:
        raise InvalidInput(
            "clarify_closed", "仅可在投标截止前对已发布公告澄清或修改", "Only before the deadline"
        )
    if meta.kind not in {Document.Kind.CLARIFICATION, Document.Kind.AMENDMENT}:
        raise InvalidInput(
            "document_kind", "类型应为 clarification 或 amendment", "kind: clarification or amendment"
        )
    rules = notice_spec(notice).rules
    earliest = rules.clarification_days.end(clock.today())
    deadline = meta.new_bid_deadline or notice.bid_deadline
    if local_date(deadline) < earliest:
        offered = at_same_time(earliest, notice.bid_deadline)
        raise InvalidInput(
            "clarification_too_late",
            f"澄清或修改距投标截止不足{rules.clarification_days.value}日，应顺延投标截止时间，最早为{local_text(offered)}",
            f"Less than {rules.clarification_days.value} days before the deadline: move it to {local_text_en(offered)} or later",
            rule=rules.clarification_days.legal,
            details={"earliest_bid_deadline": offered.isoformat()},
        )
    if meta.new_bid_deadline is not None and meta.new_bid_deadline < notice.bid_deadline:
        raise InvalidInput("deadline_earlier", "不能提前投标截止时间", "The deadline cannot move earlier")
    document = _store_document(actor, notice, meta, filename, data)
    events.on_notice_clarified(notice)
    if meta.new_bid_deadline is not None and meta.new_bid_deadline != notice.bid_deadline:
        notice.bid_deadline = notice.opening_at = meta.new_bid_deadline
        if notice.docs_until > notice.bid_deadline:
            notice.docs_until = notice.bid_deadline
        notice.save()
        for lot in notice.lots.filter(state=Lot.State.BIDDING):
            lot.next_check = notice.bid_deadline
            lot.save(update_fields=["next_check"])
    # 电子招标投标办法 第21条: everyone who took the documents is told.
    downloaders = Download.objects.filter(notice=notice).values_list("entity_id", flat=True).distinct()
    for user_id in Account.objects.filter(entity_id__in=downloaders).values_list("user_id", flat=True):
        notify.queue_to(
            user_id,
            f"招标文件{document.get_kind_display()}",
            f"“{notice.title}”发布了{document.title}，投标截止时间{local_text(notice.bid_deadline)}。",
            sealed_by=notice,  # the recipients are the downloaders: sealed until the deadline
        )
    audit.record(
        document,
        {"notice": notice.pk, "kind": meta.kind, "sm3": document.sm3, "bid_deadline": notice.bid_deadline},
        role=role,
    )
    return document


@action("trading.terminate_notice")
def terminate_notice(actor: Actor, notice_id: int, reason: str) -> Notice:
    notice = _notice_for_update(notice_id)
    role = require_project_manager(actor, notice.project)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason_required", "终止招标须说明理由", "Give the reason for terminating")
    if notice.status == Notice.Status.TERMINATED:
        raise InvalidInput("notice_terminated", "公告已终止", "The notice is already terminated")
    now = clock.now()
    for lot in notice.lots.exclude(state__in=[Lot.State.FAILED, Lot.State.TERMINATED, Lot.State.ARCHIVED]):
        procedure.move(lot, Lot.State.TERMINATED, now, reason)
        lot.save()
    notice.status = Notice.Status.TERMINATED
    notice.terminated_at = now
    notice.termination_reason = reason
    notice.save()
    audit.record(notice, {"reason": reason}, role=role)
    return notice


# ---- documents for bidders ----------------------------------------------------------------------


@action("trading.download_document")
def download_document(actor: Actor, document_id: int) -> Document:
    """Any registered entity may take published documents: no registration step (E2); invitations only
    for invitees. Who downloaded stays sealed until the deadline."""
    require_role(actor, Role.BIDDER, Role.PRINCIPAL, Role.AGENT, Role.GUARANTOR)
    document = Document.objects.select_related("notice").filter(pk=document_id).first()
    if document is None or document.notice.status != Notice.Status.PUBLISHED:
        raise NotFound("document_not_found", "文件不存在或未发布", "No such published document")
    notice = document.notice
    now = clock.now()
    if not notice.docs_from <= now <= max(notice.docs_until, notice.bid_deadline):
        raise InvalidInput(
            "docs_not_available",
            "不在招标文件获取期内",
            "Outside the document period",
            rule=NO_PREREGISTRATION,
        )
    entity = entity_of(actor)
    enforcement.check(entity, "download", category=notice.project.category)
    if notice.method == Notice.Method.INVITED and not notice.invitees.filter(pk=entity.pk).exists():
        raise PermissionDenied(
            "not_invited", "邀请招标的文件只向受邀投标人提供", "Invited tenders: invitees only"
        )
    Download.objects.create(
        notice=notice,
        document=document,
        entity=entity,
        downloaded_by=actor.name,
        ip=actor.ip,
        downloaded_at=now,
    )
    audit.record(document, {"notice": notice.pk}, sealed_by=notice)
    return document


@action("trading.view_downloads")
def list_downloads(actor: Actor, notice: Notice) -> list[Download]:
    """After the deadline the parties and supervisors may see who took the documents; before it, nobody.
    Looking is itself recorded (access to data that was sealed, DESIGN rule 5)."""
    if clock.now() < notice.bid_deadline:
        raise PermissionDenied(
            "downloaders_sealed",
            "投标截止前，任何人（包括交易中心）均不能查看获取招标文件的潜在投标人名单和数量",
            "Before the deadline nobody, the operator included, may see who took the documents",
            rule=DOWNLOADERS_SECRET,
        )
    if not (is_party(actor, notice.project) or is_overseer(actor, notice.project)):
        # (a user without an entity once matched a project without an agent: None in {principal, None})
        raise PermissionDenied(
            "not_project_party",
            "只有本项目的招标人、代理机构及其所属交易平台和主管监督部门可以查看文件获取记录",
            "Only the project's parties, its platform node and its supervising department see the downloads",
        )
    downloads = list(notice.downloads.select_related("entity"))
    audit.record(notice, {"viewed": "downloads", "count": len(downloads)})
    return downloads


# ---- objections (异议) ---------------------------------------------------------------------------


@action("trading.raise_objection")
def raise_objection(actor: Actor, notice_id: int, text: str) -> Objection:
    require_role(actor, Role.BIDDER, Role.PRINCIPAL, Role.AGENT, Role.GUARANTOR)
    notice = _notice_for_update(notice_id)
    text = (text or "").strip()
    if not text:
        raise InvalidInput("objection_text", "请填写异议内容", "State the objection")
    if notice.status != Notice.Status.PUBLISHED:
        raise InvalidInput("notice_not_published", "公告未发布", "The notice is not published")
    rules = notice_spec(notice).rules
    today = clock.today()
    entity = entity_of(actor)
    if rules.objection_window.value is ObjectionWindow.AFTER_KNOWING:
        _check_challenge_in_time(notice, entity, today, rules)
    elif rules.objection_window.value is ObjectionWindow.DURING_PERIOD:
        if clock.now() > notice.docs_until:
            raise InvalidInput(
                "objection_too_late",
                f"异议应当在公示期内提出（公示至{local_text(notice.docs_until)}）",
                f"Objections are raised during the publicity (until {local_text_en(notice.docs_until)})",
                rule=rules.objection_window.legal,
            )
    else:
        days_left = calendar.calendar_days_between(today, local_date(notice.bid_deadline))
        if days_left < rules.objection_to_documents_days.value:
            raise InvalidInput(
                "objection_too_late",
                f"对招标文件的异议应当在投标截止时间{rules.objection_to_documents_days.value}日前提出，现距截止仅{days_left}日",
                f"Objections to the documents are due {rules.objection_to_documents_days.value} days before the deadline; "
                f"{days_left} left",
                rule=rules.objection_to_documents_days.legal,
            )
    now = clock.now()
    due = end_of_day(rules.objection_answer_days.end(today))
    objection = Objection.objects.create(
        notice=notice,
        stage=Objection.Stage.DOCUMENTS,
        raised_by=entity,
        text=text,
        raised_at=now,
        answer_due=due,
        next_check=due,
    )
    # The objector is a potential bidder: sealed like the downloads until the deadline.
    audit.record(objection, {"notice": notice.pk, "answer_due": due}, sealed_by=notice)
    return objection


def _check_challenge_in_time(notice: Notice, entity: Entity, today: date, rules: TenderRules) -> None:
    """A 质疑 of the documents: only by a supplier who obtained them, within the period counted from
    obtaining them or from the end of their availability, whichever is later (政府采购法 第52条; 条例 第53条)."""
    taken = notice.downloads.filter(entity=entity).order_by("downloaded_at").first()
    if taken is None:
        raise PermissionDenied(
            "documents_not_obtained",
            "只有已获取招标文件的潜在供应商可以对招标文件提出质疑",
            "Only a supplier who obtained the documents may challenge them",
            rule=rules.objection_to_documents_days.legal,
        )
    start = max(local_date(taken.downloaded_at), local_date(notice.docs_until))
    last = rules.objection_to_documents_days.end(start)
    if today > last:
        raise InvalidInput(
            "objection_too_late",
            f"对招标文件的质疑应当在获取招标文件或者其提供期限届满之日起{rules.objection_to_documents_days.text}内提出"
            f"（最迟{last.isoformat()}）",
            f"Challenges to the documents are due within {rules.objection_to_documents_days.text_en} "
            f"(by {last.isoformat()})",
            rule=rules.objection_to_documents_days.legal,
            details={"last_day": last.isoformat()},
        )


@action("trading.answer_objection")
def answer_objection(actor: Actor, objection_id: int, answer: str) -> Objection:
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("notice__project")
        .filter(pk=objection_id)
        .first()
    )
    if objection is None:
        raise NotFound("objection_not_found", "未找到异议", "No such objection")
    role = require_project_manager(actor, objection.notice.project)
    answer = (answer or "").strip()
    if not answer:
        raise InvalidInput("answer_required", "请填写答复", "Write the answer")
    if objection.status == Objection.Status.ANSWERED:
        raise InvalidInput("objection_answered", "该异议已答复", "Already answered")
    objection.answer = answer
    objection.answered_at = clock.now()
    objection.status = Objection.Status.ANSWERED
    objection.next_check = None
    objection.save()
    audit.record(
        objection,
        {"answered_at": objection.answered_at, "late": objection.answered_at > objection.answer_due},
        role=role,
    )
    return objection


@action("trading.raise_opening_objection")
def raise_opening_objection(actor: Actor, lot_code: str, text: str) -> Objection:
    """An objection to the opening, raised during it by a bidder of the lot and answered on the spot
    (条例 第44条): its answer is due when the decryption window closes."""
    require_role(actor, Role.BIDDER)
    entity = entity_of(actor)
    lot = Lot.objects.select_for_update(of=("self",)).select_related("notice").filter(code=lot_code).first()
    if lot is None or lot.notice is None:
        raise NotFound("lot_not_found", f"未找到标段{lot_code}", f"No lot {lot_code}")
    if lot.state != Lot.State.OPENING or lot.decrypt_closes_at is None:
        raise InvalidInput(
            "not_opening",
            "对开标的异议应当在开标现场提出",
            "Objections to the opening are raised during it",
            rule=OPENING_OBJECTION,
        )
    if not lot.bids.filter(bidder=entity).exists():
        raise PermissionDenied(
            "not_a_bidder", "只有本标段的投标人可以对开标提出异议", "Only bidders of the lot"
        )
    text = (text or "").strip()
    if not text:
        raise InvalidInput("objection_text", "请填写异议内容", "State the objection")
    objection = Objection.objects.create(
        notice=lot.notice,
        lot=lot,
        stage=Objection.Stage.OPENING,
        raised_by=entity,
        text=text,
        raised_at=clock.now(),
        answer_due=lot.decrypt_closes_at,
        next_check=lot.decrypt_closes_at,
    )
    audit.record(objection, {"lot": lot.code, "stage": "opening"})
    return objection
