"""The expert library: application and review (X1), availability, conflicts of interest, sanctions
and their expiry (R4.1, R4.4)."""

from datetime import date, datetime

from django.contrib.auth.models import User

from ggzy.exchange.models import Node
from ggzy.exchange.queries import home_node_for
from ggzy.experts import queries
from ggzy.experts.actions.common import (
    expert_for_update,
    id_digest,
    new_expert_user,
    require_keeper,
    required,
    set_status,
    specialties_of,
    valid_mobile,
    validate_id_number,
)
from ggzy.experts.models import ConflictDeclaration, Expert, TitleLevel, Unavailability
from ggzy.experts.rules import BLACKLIST, MIN_PRACTICE_YEARS, ONE_EXPERT_PROFILE, SENIOR_TITLE_LEVELS
from ggzy.experts.schemas import ExpertForm
from ggzy.kernel import audit, clock, notify, sequences
from ggzy.kernel.actions import action, require_role, require_user
from ggzy.kernel.codes import validate_uscc
from ggzy.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ggzy.kernel.regions import get_region
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.models import Entity
from ggzy.registry.schemas import AccountIn

# ---- the library ---------------------------------------------------------------------------------


@action("experts.apply")
def apply(actor: Actor, form: ExpertForm, account: AccountIn | None = None) -> Expert:
    """Apply to the library: a signed-in expert account, or anyone opening an expert account with it."""
    if actor.is_authenticated:
        if not actor.has(Role.EXPERT) or account is not None:
            raise PermissionDenied(
                "expert_account_required",
                "已登录用户须使用评标专家账户申请；其他用户请退出后申请并开设专家账户",
                "Signed in, apply with an expert account; otherwise sign out and open one with the application",
            )
        if Expert.objects.filter(user_id=require_user(actor)).exists():
            raise Conflict(
                "expert_already_applied", "该账户已登记专家信息", "This account already has an expert profile"
            )
    elif account is None:
        raise InvalidInput(
            "account_required", "未登录申请时须同时开设专家账户", "Applying signed out needs an account"
        )
    name = required(form.name, "name", "姓名")
    number = validate_id_number(form.id_number)
    digest = id_digest(number)
    if Expert.objects.filter(id_digest=digest).exists():
        raise Conflict(
            "expert_already_registered",
            "该身份证号码已登记为评标专家，全省一库，无需重复申请",
            "This person is already in the expert library",
            rule=ONE_EXPERT_PROFILE,
        )
    mobile = valid_mobile(form.mobile)
    employer_uscc = validate_uscc(form.employer_uscc)
    employer_name = required(form.employer_name, "employer_name", "工作单位")
    region = get_region(form.region_code)
    title = required(form.title, "title", "职称")
    if form.title_level not in TitleLevel.values:
        raise InvalidInput(
            "title_level",
            "职称等级应为 senior（正高级）、deputy_senior（副高级）、intermediate（中级）、junior（初级）或 none",
            "title_level: senior, deputy_senior, intermediate, junior or none",
        )
    if form.practice_since > clock.today():
        raise InvalidInput(
            "practice_since_future", "从业起始日期不能晚于今天", "practice_since is in the future"
        )
    specialties = specialties_of(form.specialties)
    if account is None:
        user = User.objects.get(pk=require_user(actor))
    else:
        node = home_node_for(region.code) or Node.objects.filter(level=Node.Level.PROVINCE).first()
        if node is None:
            raise InvalidInput(
                "platform_not_configured", "平台尚未设置省级节点", "The platform has no province node yet"
            )
        user = new_expert_user(account, node, mobile)
    now = clock.now()
    expert = Expert.objects.create(
        code=f"EX{sequences.next_value('experts.expert'):08d}",
        user=user,
        name=name,
        id_digest=digest,
        id_last4=number[-4:],
        mobile=mobile,
        employer_name=employer_name,
        employer_uscc=employer_uscc,
        employer_entity=Entity.objects.filter(uscc=employer_uscc).first(),
        region=region,
        title=title,
        title_level=form.title_level,
        practice_since=form.practice_since,
        applied_at=now,
    )
    expert.specialties.set(specialties)
    audit.record(
        expert,
        {
            "code": expert.code,
            "username": user.username,
            "specialties": [s.code for s in specialties],
            "region": region.code,
            "title_level": expert.title_level,
        },
        role=Role.EXPERT.value if actor.is_authenticated else Role.PUBLIC.value,
    )
    return expert


def qualification_problems(expert: Expert, on: date) -> list[InvalidInput]:
    """X1: 满八年 and a senior title (12号令 第11条)."""
    problems = []
    years = queries.full_years(expert.practice_since, on)
    if years < MIN_PRACTICE_YEARS.value:
        problems.append(
            InvalidInput(
                "expert_practice_too_short",
                f"从事相关专业领域工作{years}年，不满{MIN_PRACTICE_YEARS.value}年",
                f"{years} years of practice; at least {MIN_PRACTICE_YEARS.value} are required",
                rule=MIN_PRACTICE_YEARS.legal,
                details={"years": years, "minimum": MIN_PRACTICE_YEARS.value},
            )
        )
    if expert.title_level not in SENIOR_TITLE_LEVELS.value:
        problems.append(
            InvalidInput(
                "expert_title_not_senior",
                f"职称等级为“{expert.get_title_level_display()}”，评标专家须具有高级职称（正高级或副高级）",
                "An evaluation expert needs a senior title (full or deputy senior)",
                rule=SENIOR_TITLE_LEVELS.legal,
                details={"title_level": expert.title_level},
            )
        )
    return problems


@action("experts.approve")
def approve(actor: Actor, code: str) -> Expert:
    role = require_role(actor, Role.OPERATOR)
    expert = expert_for_update(code)
    require_keeper(actor, expert)
    if expert.status != Expert.Status.PENDING:
        raise Conflict(
            "expert_not_pending",
            f"专家{expert.code}当前状态为“{expert.get_status_display()}”，不是待审核",
            f"Expert {expert.code} is '{expert.status}', not pending",
        )
    problems = qualification_problems(expert, clock.today())
    if problems:
        raise problems[0]
    set_status(expert, Expert.Status.ACTIVE, actor, "审核通过")
    expert.reviewed_at = clock.now()
    expert.reviewed_by = actor.name
    expert.save()
    notify.queue_to(expert.user_id, "评标专家审核通过", f"您已入选评标专家库，专家编号{expert.code}。")
    audit.record(expert, {"code": expert.code, "status": expert.status}, role=role)
    return expert


@action("experts.reject")
def reject(actor: Actor, code: str, reason: str) -> Expert:
    role = require_role(actor, Role.OPERATOR)
    reason = required(reason, "reason", "不予通过的理由")
    expert = expert_for_update(code)
    require_keeper(actor, expert)
    if expert.status != Expert.Status.PENDING:
        raise Conflict(
            "expert_not_pending",
            f"专家{expert.code}当前状态为“{expert.get_status_display()}”，不是待审核",
            f"Expert {expert.code} is '{expert.status}', not pending",
        )
    set_status(expert, Expert.Status.REJECTED, actor, reason)
    expert.reviewed_at = clock.now()
    expert.reviewed_by = actor.name
    expert.save()
    notify.queue_to(expert.user_id, "评标专家申请未通过", f"您的评标专家申请未通过审核：{reason}")
    audit.record(expert, {"code": expert.code, "status": expert.status, "reason": reason}, role=role)
    return expert


def _own_or_operator(actor: Actor, expert_code: str | None) -> tuple[Expert, str]:
    if expert_code and actor.has(Role.OPERATOR):
        kept = expert_for_update(expert_code)
        require_keeper(actor, kept)
        return kept, Role.OPERATOR.value
    require_role(actor, Role.EXPERT)
    expert = Expert.objects.select_for_update(of=("self",)).filter(user_id=actor.user_id or 0).first()
    if expert is None:
        raise NotFound("expert_profile_missing", "尚未登记专家信息", "You have no expert profile")
    return expert, Role.EXPERT.value


@action("experts.declare_unavailable")
def declare_unavailable(
    actor: Actor, starts_on: date, ends_on: date, reason: str = "", expert_code: str | None = None
) -> Unavailability:
    expert, role = _own_or_operator(actor, expert_code)
    if ends_on < starts_on:
        raise InvalidInput("period_reversed", "结束日期早于开始日期", "The period ends before it starts")
    period = Unavailability.objects.create(
        expert=expert, starts_on=starts_on, ends_on=ends_on, reason=reason.strip(), declared_at=clock.now()
    )
    audit.record(expert, {"unavailable": [starts_on, ends_on]}, role=role)
    return period


@action("experts.declare_conflict")
def declare_conflict(
    actor: Actor, entity_uscc: str, reason: str, expert_code: str | None = None
) -> ConflictDeclaration:
    """The expert (or the operator on their behalf) declares a conflict of interest with an entity."""
    expert, role = _own_or_operator(actor, expert_code)
    uscc = validate_uscc(entity_uscc)
    reason = required(reason, "reason", "利害关系说明")
    declaration, created = ConflictDeclaration.objects.get_or_create(
        expert=expert,
        entity_uscc=uscc,
        defaults={
            "entity": Entity.objects.filter(uscc=uscc).first(),
            "reason": reason,
            "declared_at": clock.now(),
        },
    )
    if not created:
        raise Conflict("conflict_already_declared", "已申报过该主体", "Already declared for this entity")
    audit.record(expert, {"conflict_with": uscc}, role=role)
    return declaration


# ---- sanctions (R4.4) ----------------------------------------------------------------------------


def _sanction(actor: Actor, code: str, to: str, reason: str, until: date | None) -> tuple[Expert, str]:
    role = require_role(actor, Role.OPERATOR, Role.REGULATOR)
    reason = required(reason, "reason", "原因")
    if until is not None and until < clock.today():
        raise InvalidInput("until_past", "期限不能早于今天", "The period ends in the past")
    expert = expert_for_update(code)
    require_keeper(actor, expert)
    if expert.status in {Expert.Status.PENDING, Expert.Status.REJECTED, Expert.Status.RETIRED}:
        raise Conflict(
            "expert_not_in_library",
            f"专家{expert.code}当前状态为“{expert.get_status_display()}”",
            f"Expert {expert.code} is '{expert.status}'",
        )
    set_status(expert, to, actor, reason, until)
    expert.save()
    return expert, role


@action("experts.suspend")
def suspend(actor: Actor, code: str, reason: str, until: date | None = None) -> Expert:
    expert, role = _sanction(actor, code, Expert.Status.SUSPENDED, reason, until)
    notify.queue_to(expert.user_id, "评标资格暂停", f"您的评标资格已暂停：{reason}")
    audit.record(expert, {"status": expert.status, "reason": reason, "until": until}, role=role)
    return expert


@action("experts.blacklist")
def blacklist(actor: Actor, code: str, reason: str, until: date | None = None) -> Expert:
    """列入黑名单 by an operator or a regulator, for a period (inclusive) or without end."""
    expert, role = _sanction(actor, code, Expert.Status.BLACKLISTED, reason, until)
    notify.queue_to(expert.user_id, "列入评标专家黑名单", f"您已被列入评标专家黑名单：{reason}")
    audit.record(
        expert,
        {"status": expert.status, "reason": reason, "until": until, "rule": BLACKLIST.citation},
        role=role,
    )
    return expert


@action("experts.reinstate")
def reinstate(actor: Actor, code: str, reason: str) -> Expert:
    role = require_role(actor, Role.OPERATOR, Role.REGULATOR)
    reason = required(reason, "reason", "恢复理由")
    expert = expert_for_update(code)
    require_keeper(actor, expert)
    if expert.status not in {Expert.Status.SUSPENDED, Expert.Status.BLACKLISTED}:
        raise Conflict(
            "expert_not_sanctioned",
            f"专家{expert.code}未被暂停或列入黑名单",
            f"Expert {expert.code} is neither suspended nor blacklisted",
        )
    set_status(expert, Expert.Status.ACTIVE, actor, reason)
    expert.save()
    notify.queue_to(expert.user_id, "评标资格恢复", f"您的评标资格已恢复：{reason}")
    audit.record(expert, {"status": expert.status, "reason": reason}, role=role)
    return expert


def lift_expired_sanction(expert_id: int, now: datetime) -> None:
    """Chronograph handler: a suspension or blacklisting with a period ends after its last day."""
    _lift_expired(Actor.system("chronograph"), expert_id, now)


@action("experts.sanction_expired")
def _lift_expired(actor: Actor, expert_id: int, now: datetime) -> None:
    expert = Expert.objects.select_for_update(of=("self",)).get(pk=expert_id)
    due = expert.next_check is not None and expert.next_check <= now
    lifted = due and expert.status in {Expert.Status.SUSPENDED, Expert.Status.BLACKLISTED}
    if lifted:
        until = expert.status_until
        set_status(expert, Expert.Status.ACTIVE, actor, f"期限届满（至{until}）")
    elif due:
        expert.next_check = None
    expert.save()
    audit.record(expert, {"lifted": lifted, "status": expert.status})
