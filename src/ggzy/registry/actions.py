"""Registry actions: register an entity once, change it (versioned), manage accounts and API tokens."""

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from ggzy.exchange.models import Node
from ggzy.exchange.queries import home_node_for, require_operator_of
from ggzy.kernel import audit, chronograph, clock, notify
from ggzy.kernel.actions import action, require_login, require_role, require_user
from ggzy.kernel.codes import validate_uscc
from ggzy.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ggzy.kernel.models import Region
from ggzy.kernel.regions import get_region, level_and_parent
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.certificates import challenge_message, parse_signature, verify_certificate
from ggzy.registry.models import (
    Account,
    ApiToken,
    Certificate,
    CertificateChallenge,
    Contact,
    Department,
    Entity,
    EntityKind,
    EntityKindAssignment,
    EntityVersion,
    PasswordReset,
    Qualification,
)
from ggzy.registry.names import name_key, normalise_name
from ggzy.registry.rules import (
    CA_MUTUAL_RECOGNITION,
    CERTIFICATE_RECHECK,
    CERTIFICATE_RECHECK_UNKNOWN,
    MOBILE,
    ONE_REGISTRATION,
    OWN_ADMINISTRATION,
    STAFF_ROLES,
)
from ggzy.registry.schemas import (
    AccountIn,
    CertificateIn,
    ContactIn,
    DepartmentIn,
    EntityChange,
    EntityForm,
    QualificationIn,
    StaffAccountIn,
)
from ggzy_guomi import GuomiError, Sm2PublicKey, sm3_hex

# ---- checks shared by registration and change ---------------------------------------------------


def _required(value: str, field: str, zh: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(
            f"{field}_required", f"请填写{zh}", f"'{field}' is required", details={"field": field}
        )
    return value


def _warn_near_duplicates(entity: Entity) -> list[Entity]:
    """Entities under other USCCs whose name is the same but for spaces, case or invisible characters
    (names registered before normalisation included): the operators of the node and of the nodes above it
    are told, with both codes."""
    others = list(
        Entity.objects.exclude(pk=entity.pk).filter(name_key=name_key(entity.name)).select_related("node")
    )
    if not others:
        return []
    listed = "、".join(f"{o.name!r}（{o.uscc}，{o.node.name}）" for o in others)
    nodes: list[Node] = []
    node: Node | None = entity.node
    while node is not None and node not in nodes:  # the node and those above it
        nodes.append(node)
        node = node.parent
    operators = Account.objects.filter(kind=Account.Kind.OPERATOR, node__in=nodes).values_list(
        "user_id", flat=True
    )
    for user_id in operators:
        notify.queue_to(
            user_id,
            "疑似重名主体注册",
            f"新注册主体“{entity.name}”（{entity.uscc}）与已注册主体名称相同或仅差空格、大小写、不可见字符：{listed}。"
            "请核实是否冒用名称。",
        )
    return others


def _kinds(kinds: list[str]) -> list[str]:
    chosen = sorted(set(kinds))
    unknown = [k for k in chosen if k not in EntityKind.values]
    if not chosen or unknown:
        raise InvalidInput(
            "entity_kinds",
            "主体类型应至少选择一项：principal（招标人/采购人）、agent（代理机构）、bidder（投标人）、guarantor（担保机构）",
            "Choose at least one entity kind: principal, agent, bidder, guarantor",
            details={"unknown": unknown},
        )
    return chosen


def _mobile(value: str, field: str) -> str:
    value = (value or "").strip()
    if not MOBILE.match(value):
        raise InvalidInput(
            "mobile_format",
            f"手机号码“{value}”格式不正确（11位，以1开头）",
            f"Mobile number '{value}' is not an 11-digit mainland number",
            details={"field": field},
        )
    return value


def _contacts(contacts: list[ContactIn]) -> list[dict[str, Any]]:
    if not contacts:
        raise InvalidInput("contacts_required", "请至少填写一位联系人", "At least one contact is required")
    rows = []
    for i, c in enumerate(contacts):
        rows.append(
            {
                "name": _required(c.name, f"contacts[{i}].name", "联系人姓名"),
                "mobile": _mobile(c.mobile, f"contacts[{i}].mobile"),
                "email": c.email.strip(),
                "is_primary": c.is_primary,
            }
        )
    if not any(r["is_primary"] for r in rows):
        rows[0]["is_primary"] = True
    return rows


def _qualifications(items: list[QualificationIn]) -> list[dict[str, Any]]:
    rows, seen = [], set()
    for i, q in enumerate(items):
        row = {
            "name": _required(q.name, f"qualifications[{i}].name", "资质名称"),
            "level": q.level.strip(),
            "certificate_no": _required(q.certificate_no, f"qualifications[{i}].certificate_no", "证书编号"),
            "issuer": q.issuer.strip(),
            "valid_until": q.valid_until,
        }
        key = (row["name"], row["certificate_no"])
        if key in seen:
            raise InvalidInput(
                "qualification_duplicate",
                f"资质“{row['name']}”证书{row['certificate_no']}重复填写",
                "The same qualification certificate is listed twice",
            )
        seen.add(key)
        rows.append(row)
    return rows


def resolve_entity_region(code: str) -> Region:
    """The entity's region. Entities from other provinces are welcome (R3.3): where only their province is
    loaded, a finer code is recorded at province level rather than refused."""
    code = (code or "").strip()
    level_and_parent(code)  # format check with its own error
    exact = Region.objects.filter(code=code).first()
    if exact is not None:
        return exact
    province = Region.objects.filter(code=code[:2] + "0000").first()
    if province is not None and not province.children.exists():
        return province
    return get_region(code)  # raises region_unknown


def _entity_conflict(existing: Entity) -> Conflict:
    return Conflict(
        "entity_already_registered",
        f"统一社会信用代码{existing.uscc}已由“{existing.name}”在{existing.node.name}注册，全省通用，无需重复注册",
        f"USCC {existing.uscc} is already registered as '{existing.name}' at {existing.node.name}; "
        "one registration serves the whole province",
        rule=ONE_REGISTRATION,
        details={
            "existing": {
                "uscc": existing.uscc,
                "name": existing.name,
                "node": existing.node.name,
                "url": f"/entities/{existing.uscc}/",
                "api": f"/api/registry/entities/{existing.uscc}",
            }
        },
    )


def snapshot(entity: Entity) -> dict[str, Any]:
    return {
        "uscc": entity.uscc,
        "name": entity.name,
        "kinds": entity.kind_values,
        "legal_representative": entity.legal_representative,
        "address": entity.address,
        "region_code": entity.region_id,
        "contacts": [
            {"name": c.name, "mobile": c.mobile, "email": c.email, "is_primary": c.is_primary}
            for c in entity.contacts.all()
        ],
        "qualifications": [
            {
                "name": q.name,
                "level": q.level,
                "certificate_no": q.certificate_no,
                "issuer": q.issuer,
                "valid_until": q.valid_until.isoformat(),
            }
            for q in entity.qualifications.all()
        ],
    }


def _qualification_check_at(valid_until: Any) -> datetime:
    """A certificate is valid through its expiry date: it lapses at the next midnight (platform time zone)."""
    from django.utils import timezone

    day_after = valid_until + timedelta(days=1)
    return timezone.make_aware(datetime(day_after.year, day_after.month, day_after.day))


def _write_lists(
    entity: Entity, contacts: list[dict[str, Any]] | None, quals: list[dict[str, Any]] | None
) -> None:
    now = clock.now()
    if contacts is not None:
        entity.contacts.all().delete()
        Contact.objects.bulk_create(Contact(entity=entity, **c) for c in contacts)
    if quals is not None:
        entity.qualifications.all().delete()
        rows = []
        for q in quals:
            lapses = _qualification_check_at(q["valid_until"])
            expired = lapses <= now
            rows.append(
                Qualification(
                    entity=entity,
                    **q,
                    status=Qualification.Status.EXPIRED if expired else Qualification.Status.VALID,
                    next_check=None if expired else lapses,
                )
            )
        Qualification.objects.bulk_create(rows)


def _set_kinds(entity: Entity, kinds: list[str]) -> None:
    entity.kinds.all().delete()
    EntityKindAssignment.objects.bulk_create(EntityKindAssignment(entity=entity, kind=k) for k in kinds)


def _save_version(entity: Entity, actor: Actor, before: dict[str, Any] | None) -> EntityVersion:
    data = snapshot(entity)
    changed = sorted(k for k in data if before is None or before.get(k) != data[k])
    return EntityVersion.objects.create(
        entity=entity,
        version=entity.version,
        data=data,
        changed_fields=changed,
        changed_by=actor.name,
        changed_at=clock.now(),
    )


def _new_user(account: AccountIn, field: str) -> User:
    username = _required(account.username, f"{field}.username", "用户名")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("username_taken", f"用户名“{username}”已被使用", f"Username '{username}' is taken")
    user = User(username=username, first_name=_required(account.name, f"{field}.name", "姓名"))
    try:
        validate_password(account.password, user)
    except ValidationError as exc:
        raise InvalidInput(
            "password_weak",
            "密码不符合要求：" + "；".join(str(m) for m in exc.messages),
            "Password rejected: " + "; ".join(str(m) for m in exc.messages),
        ) from exc
    user.set_password(account.password)
    user.save()
    return user


# ---- entities ------------------------------------------------------------------------------------


@action("registry.register_entity")
def register_entity(actor: Actor, form: EntityForm, account: AccountIn | None = None) -> Entity:
    """Register a market entity once for the whole province (一表申请), with its first administrator."""
    if actor.is_authenticated and not actor.has(Role.OPERATOR):
        raise PermissionDenied(
            "register_signed_in",
            "已登录用户不能再注册新主体；请退出后注册，或由交易中心代为登记",
            "Signed-in users cannot register another entity; sign out, or ask the operator",
        )
    if account is None and not (actor.has(Role.OPERATOR) or actor.is_system):
        raise InvalidInput(
            "account_required",
            "自助注册需同时设置管理员账户",
            "Self-registration needs an administrator account",
        )
    uscc = validate_uscc(form.uscc)
    existing = Entity.objects.filter(uscc=uscc).select_related("node").first()
    if existing is not None:
        raise _entity_conflict(existing)
    name = _required(normalise_name(form.name), "name", "主体名称")
    kinds = _kinds(form.kinds)
    region = resolve_entity_region(form.region_code)
    contacts = _contacts(form.contacts)
    quals = _qualifications(form.qualifications)
    legal_rep = _required(form.legal_representative, "legal_representative", "法定代表人")
    address = _required(form.address, "address", "住所")
    node = Node.objects.filter(pk=actor.node_id).first() if actor.node_id else home_node_for(region.code)
    if node is None:
        raise InvalidInput(
            "platform_not_configured", "平台尚未设置省级节点", "The platform has no province node yet"
        )
    now = clock.now()
    entity = Entity.objects.create(
        uscc=uscc,
        name=name,
        legal_representative=legal_rep,
        address=address,
        region=region,
        node=node,
        registered_at=now,
        updated_at=now,
    )
    _set_kinds(entity, kinds)
    _write_lists(entity, contacts, quals)
    _save_version(entity, actor, None)
    near = _warn_near_duplicates(entity)
    admin_user = None
    if account is not None:
        admin_user = _new_user(account, "account")
        Account.objects.create(
            user=admin_user,
            kind=Account.Kind.ENTITY,
            node=node,
            entity=entity,
            is_entity_admin=True,
            mobile=_mobile(account.mobile, "account.mobile"),
        )
        notify.queue(
            admin_user,
            "主体注册成功",
            f"{entity.name}（{entity.uscc}）已在{node.name}完成注册，全省各交易平台通用。",
        )
        if actor.has(Role.OPERATOR):
            # Registered at the counter: the operator typed the form, but never knows the administrator's
            # password — the administrator sets it with a code sent to them alone.
            admin_user.set_unusable_password()
            admin_user.save(update_fields=["password"])
            _send_reset_code(admin_user, "交易中心已代为登记本单位，请凭此码设置管理员密码。")
    audit.record(
        entity,
        {
            "uscc": uscc,
            "name": name,
            "kinds": kinds,
            "region": region.code,
            "node": node.pk,
            "admin": admin_user.username if admin_user else None,
            "near_duplicates": [o.uscc for o in near],
        },
        role=Role.OPERATOR.value if actor.has(Role.OPERATOR) else Role.PUBLIC.value,
    )
    return entity


def _entity_or_404(uscc: str) -> Entity:
    entity = Entity.objects.select_for_update(of=("self",)).filter(uscc=(uscc or "").strip().upper()).first()
    if entity is None:
        raise NotFound("entity_not_found", f"未找到主体{uscc}", f"No entity with USCC {uscc}")
    return entity


def require_own_admin(actor: Actor, entity: Entity) -> str:
    """An administrator of the entity itself. No staff role (operator, regulator, expert, the public)
    ever acts for a market entity, whatever else it may do."""
    require_login(actor)
    is_staff = bool(actor.roles & STAFF_ROLES) or actor.is_system
    if not is_staff and actor.entity_id == entity.pk and actor.is_entity_admin:
        return actor.primary_role
    raise PermissionDenied(
        "entity_manager_required",
        "只有该主体自己的管理员可以办理此事项；交易中心、监管等工作人员不能代替市场主体操作",
        "Only the entity's own administrators may do this; no platform staff acts for a market entity",
        rule=OWN_ADMINISTRATION,
    )


@action("registry.change_entity")
def change_entity(actor: Actor, uscc: str, change: EntityChange) -> Entity:
    """Change the registration; every change is a new version with a snapshot."""
    entity = _entity_or_404(uscc)
    role = require_own_admin(actor, entity)
    before = snapshot(entity)
    if change.name is not None:
        entity.name = _required(normalise_name(change.name), "name", "主体名称")
    if change.legal_representative is not None:
        entity.legal_representative = _required(
            change.legal_representative, "legal_representative", "法定代表人"
        )
    if change.address is not None:
        entity.address = _required(change.address, "address", "住所")
    if change.region_code is not None:
        entity.region = resolve_entity_region(change.region_code)
    kinds = _kinds(change.kinds) if change.kinds is not None else None
    contacts = _contacts(change.contacts) if change.contacts is not None else None
    quals = _qualifications(change.qualifications) if change.qualifications is not None else None
    if kinds is not None:
        _set_kinds(entity, kinds)
    _write_lists(entity, contacts, quals)
    after = snapshot(entity)
    changed = sorted(k for k in after if before[k] != after[k])
    if not changed:
        raise InvalidInput("no_change", "没有需要变更的内容", "Nothing to change")
    entity.version += 1
    entity.updated_at = clock.now()
    entity.save()
    _save_version(entity, actor, before)
    audit.record(entity, {"version": entity.version, "changed": changed}, role=role)
    return entity


@action("registry.add_entity_user")
def add_entity_user(actor: Actor, uscc: str, account: AccountIn, is_admin: bool = False) -> User:
    """An administrator of the entity adds one of its staff (the first administrator came with the
    registration). Nobody else creates users of an entity."""
    entity = _entity_or_404(uscc)
    role = require_own_admin(actor, entity)
    user = _new_user(account, "account")
    Account.objects.create(
        user=user,
        kind=Account.Kind.ENTITY,
        node=entity.node,
        entity=entity,
        is_entity_admin=is_admin,
        mobile=_mobile(account.mobile, "account.mobile"),
    )
    audit.record(entity, {"user": user.username, "is_admin": is_admin}, role=role)
    return user


# ---- operators: freeze or reset an entity account ----------------------------------------------


def _entity_account(username: str) -> Account:
    account = (
        Account.objects.select_for_update(of=("self",))
        .select_related("user", "entity__node")
        .filter(user__username=(username or "").strip(), kind=Account.Kind.ENTITY)
        .first()
    )
    if account is None or account.entity is None:
        raise NotFound("account_not_found", f"未找到市场主体账户{username}", f"No entity account {username}")
    return account


def _require_operator_for(actor: Actor, entity: Entity) -> str:
    """Operators of the node the entity registered at, or of a node above it."""
    role = require_role(actor, Role.OPERATOR)
    require_operator_of(actor, entity.node, entity.name)
    return role


def _reason(reason: str) -> str:
    return _required(reason, "reason", "原因")[:300]


def _send_reset_code(user: User, why: str) -> None:
    """A single-use code to the account holder alone (only its digest is kept)."""
    code = secrets.token_urlsafe(12)
    now = clock.now()
    PasswordReset.objects.filter(user=user, used_at__isnull=True).update(used_at=now)  # older codes die
    PasswordReset.objects.create(
        user=user,
        digest=sm3_hex(code.encode()),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.PASSWORD_RESET_SECONDS),
    )
    hours = settings.PASSWORD_RESET_SECONDS // 3600
    notify.queue(
        user,
        "设置新密码 / set a new password",
        f"{why}账户：{user.username}；重置码：{code}（{hours}小时内有效，仅可使用一次；"
        "在登录页“重置密码”或 POST /api/auth/password-reset 使用）。",
        channel="sms",
        body_after_send=f"{why}账户：{user.username}；重置码已发送到账户持有人的手机，平台不保存。",
    )


@action("registry.freeze_entity_account")
def freeze_entity_account(actor: Actor, username: str, reason: str, frozen: bool = True) -> Account:
    """An operator freezes (or unfreezes) an entity's account: it can neither sign in nor use its API
    tokens while frozen. The reason is recorded and sent to the entity's administrators and the user."""
    account = _entity_account(username)
    assert account.entity is not None
    role = _require_operator_for(actor, account.entity)
    why = _reason(reason)
    if bool(account.frozen_at) == frozen:
        raise Conflict(
            "account_already_frozen" if frozen else "account_not_frozen",
            "该账户已处于冻结状态" if frozen else "该账户未被冻结",
            "The account is already frozen" if frozen else "The account is not frozen",
        )
    account.frozen_at = clock.now() if frozen else None
    account.frozen_reason = why if frozen else ""
    account.save(update_fields=["frozen_at", "frozen_reason"])
    account.user.is_active = not frozen
    account.user.save(update_fields=["is_active"])
    verb = "冻结" if frozen else "解冻"
    _notify_entity(
        account,
        f"账户{account.user.username}已被{verb}",
        f"交易中心{verb}了账户{account.user.username}。原因：{why}",
    )
    audit.record(
        account.user,
        {"entity": account.entity.uscc, "username": account.user.username, "frozen": frozen, "reason": why},
        role=role,
    )
    return account


@action("registry.reset_entity_account")
def reset_entity_account(actor: Actor, username: str, reason: str) -> Account:
    """An operator resets an entity's account (e.g. a lost password): its password stops working and
    its API tokens are revoked; a single-use code goes to the account holder, who chooses a new password.
    The operator never learns a password or the code."""
    account = _entity_account(username)
    assert account.entity is not None
    role = _require_operator_for(actor, account.entity)
    why = _reason(reason)
    user = account.user
    user.set_unusable_password()
    user.save(update_fields=["password"])
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
    _send_reset_code(user, f"交易中心重置了您的账户（原因：{why}）。")
    _notify_entity(
        account, f"账户{user.username}已被重置", f"交易中心重置了账户{user.username}的密码，原因：{why}"
    )
    audit.record(
        user,
        {"entity": account.entity.uscc, "username": user.username, "reason": why, "tokens_revoked": revoked},
        role=role,
    )
    return account


def _notify_entity(account: Account, subject: str, body: str) -> None:
    """The user concerned and every administrator of the entity."""
    recipients = {account.user}
    recipients |= {
        a.user
        for a in Account.objects.filter(entity=account.entity, is_entity_admin=True).select_related("user")
    }
    for user in sorted(recipients, key=lambda u: u.pk):
        notify.queue(user, subject, body)


@action("registry.complete_password_reset")
def complete_password_reset(actor: Actor, username: str, code: str, password: str) -> User:
    """The holder of a reset code sets a new password (single use, before it expires)."""
    now = clock.now()
    reset = (
        PasswordReset.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(user__username=(username or "").strip(), digest=sm3_hex((code or "").strip().encode()))
        .first()
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise InvalidInput(
            "reset_code_invalid",
            "重置码无效、已使用或已过期，请联系交易中心重新发送",
            "The reset code is wrong, used or expired; ask the operator for a new one",
        )
    user = reset.user
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            "password_weak",
            "密码不符合要求：" + "；".join(str(m) for m in exc.messages),
            "Password rejected: " + "; ".join(str(m) for m in exc.messages),
        ) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    reset.used_at = now
    reset.save(update_fields=["used_at"])
    audit.record(user, {"username": user.username}, role=Role.PUBLIC.value)
    return user


def expire_qualification(qualification_id: int, now: datetime) -> None:
    """Chronograph handler: a certificate past its expiry date becomes expired (idempotent)."""
    _expire_qualification(Actor.system("chronograph"), qualification_id, now)


@action("registry.expire_qualification")
def _expire_qualification(actor: Actor, qualification_id: int, now: datetime) -> None:
    q = Qualification.objects.select_for_update(of=("self",)).get(pk=qualification_id)
    due = q.next_check is not None and q.next_check <= now
    if due and q.status == Qualification.Status.VALID:
        q.status = Qualification.Status.EXPIRED
    q.next_check = None if due else q.next_check
    q.save(update_fields=["status", "next_check"])
    audit.record(q, {"entity": q.entity_id, "valid_until": q.valid_until, "status": q.status, "due": due})


# ---- departments and staff accounts -------------------------------------------------------------


@action("registry.create_department")
def create_department(actor: Actor, form: DepartmentIn) -> Department:
    role = require_role(actor, Role.OPERATOR)
    node = Node.objects.filter(pk=form.node_id).first()
    if node is None:
        raise InvalidInput(
            "node_unknown", "平台节点不存在", "Unknown node", details={"node_id": form.node_id}
        )
    require_operator_of(actor, node)
    name = _required(form.name, "name", "部门名称")
    if Department.objects.filter(node=node, name=name).exists():
        raise Conflict("department_exists", f"{node.name}已有“{name}”", f"{name} already exists at this node")
    department = Department.objects.create(name=name, node=node, sectors=sorted(set(form.sectors)))
    audit.record(department, {"name": name, "node": node.pk, "sectors": department.sectors}, role=role)
    return department


@action("registry.create_staff_account")
def create_staff_account(actor: Actor, form: StaffAccountIn) -> User:
    """Operators create accounts for regulators, experts and other operators."""
    role = require_role(actor, Role.OPERATOR)
    staff_kinds = {Account.Kind.REGULATOR, Account.Kind.EXPERT, Account.Kind.OPERATOR}
    if form.kind not in staff_kinds:
        raise InvalidInput(
            "staff_kind",
            "账户类型应为 regulator、expert 或 operator",
            "kind must be regulator, expert or operator",
        )
    node = Node.objects.filter(pk=form.node_id).first()
    if node is None:
        raise InvalidInput(
            "node_unknown", "平台节点不存在", "Unknown node", details={"node_id": form.node_id}
        )
    require_operator_of(actor, node)
    department = None
    if form.kind == Account.Kind.REGULATOR:
        department = Department.objects.filter(pk=form.department_id or 0).select_related("node").first()
        if department is None:
            raise InvalidInput(
                "department_required", "监管人员须属于一个行政监督部门", "A regulator belongs to a department"
            )
        require_operator_of(actor, department.node, department.name)
    user = _new_user(form, "account")
    if form.kind == Account.Kind.OPERATOR:
        user.is_staff = True  # operators may open the (read-only) admin
        user.save(update_fields=["is_staff"])
    Account.objects.create(
        user=user, kind=form.kind, node=node, department=department, mobile=_mobile(form.mobile, "mobile")
    )
    audit.record(user, {"username": user.username, "kind": form.kind, "node": node.pk}, role=role)
    return user


@action("registry.register_public_user")
def register_public_user(actor: Actor, account: AccountIn) -> User:
    """A member of the public opens an account (to follow projects, file reports)."""
    province = Node.objects.filter(level=Node.Level.PROVINCE).first()
    if province is None:
        raise InvalidInput(
            "platform_not_configured", "平台尚未设置省级节点", "The platform has no province node yet"
        )
    user = _new_user(account, "account")
    Account.objects.create(
        user=user, kind=Account.Kind.PUBLIC, node=province, mobile=_mobile(account.mobile, "account.mobile")
    )
    audit.record(user, {"username": user.username, "kind": "public"}, role=Role.PUBLIC.value)
    return user


# ---- sign-in and API tokens ---------------------------------------------------------------------


@action("registry.sign_in")
def record_sign_in(actor: Actor, channel: str) -> None:
    """Every sign-in is logged with its network address (电子招标投标办法 第49条)."""
    require_login(actor)
    audit.record(("auth.user", actor.user_id or 0), {"channel": channel})


@action("registry.issue_api_token")
def issue_api_token(actor: Actor, label: str = "") -> tuple[ApiToken, str]:
    """A new bearer token for the signed-in user; the secret is returned once and only its digest kept."""
    user_id = require_user(actor)
    secret = "ggzy_" + secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken.objects.create(
        user_id=user_id,
        digest=sm3_hex(secret.encode()),
        prefix=secret[:12],
        label=label[:100],
        created_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_DAYS),
    )
    audit.record(token, {"prefix": token.prefix, "expires_at": token.expires_at})
    return token, secret


@action("registry.revoke_api_token")
def revoke_api_token(actor: Actor, prefix: str) -> int:
    user_id = require_user(actor)
    tokens = ApiToken.objects.filter(user_id=user_id, prefix=prefix, revoked_at__isnull=True)
    count = tokens.update(revoked_at=clock.now())
    if not count:
        raise NotFound("token_not_found", "未找到该令牌", "No such active token")
    audit.record(("registry.apitoken", prefix), {"revoked": count})
    return count


# ---- certificates (R3.2) ------------------------------------------------------------------------


def parse_public_key(text: str) -> Sm2PublicKey:
    text = (text or "").strip()
    try:
        return Sm2PublicKey.from_pem(text) if text.startswith("-----BEGIN") else Sm2PublicKey.from_hex(text)
    except GuomiError as exc:
        raise InvalidInput(
            "public_key_format",
            f"SM2公钥格式不正确：{exc}",
            f"Not an SM2 public key: {exc}",
        ) from exc


@action("registry.certificate_challenge")
def issue_certificate_challenge(actor: Actor, uscc: str) -> CertificateChallenge:
    """A fresh random challenge for the entity's administrator to sign with a certificate's key."""
    entity = _entity_or_404(uscc)
    role = require_own_admin(actor, entity)
    now = clock.now()
    challenge = CertificateChallenge.objects.create(
        entity=entity,
        user_id=require_user(actor),
        nonce=secrets.token_hex(32),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.CERTIFICATE_CHALLENGE_SECONDS),
    )
    audit.record(challenge, {"entity": entity.uscc, "expires_at": challenge.expires_at}, role=role)
    return challenge


def challenge_text(challenge: CertificateChallenge) -> str:
    return challenge_message(challenge.entity.uscc, challenge.nonce).decode()


@action("registry.register_certificate")
def register_certificate(actor: Actor, uscc: str, form: CertificateIn) -> Certificate:
    """The holder registers its certificate: issued by a recognised CA (no local CA may be imposed),
    valid, not revoked, naming this entity, and with proof that the holder has its SM2 private key."""
    entity = _entity_or_404(uscc)
    role = require_own_admin(actor, entity)
    now = clock.now()
    challenge = (
        CertificateChallenge.objects.select_for_update(of=("self",))
        .filter(nonce=(form.challenge or "").strip().lower(), entity=entity, user_id=require_user(actor))
        .first()
    )
    if challenge is None or challenge.used_at is not None or challenge.expires_at <= now:
        raise InvalidInput(
            "challenge_invalid",
            "挑战值无效、已使用或已过期，请重新获取挑战值后签名",
            "The challenge is unknown, used or expired: get a new one and sign it",
            rule=CA_MUTUAL_RECOGNITION,
        )
    verified = verify_certificate(form.certificate, entity.uscc, now)
    signature = parse_signature(form.signature)
    try:
        verified.public_key.verify(challenge_message(entity.uscc, challenge.nonce), signature)
    except GuomiError as exc:
        raise InvalidInput(
            "possession_not_proven",
            "签名不能由该证书的公钥验证：请用该证书的私钥对挑战消息签名",
            "The signature does not verify with the certificate's key: sign the challenge with its private key",
            rule=CA_MUTUAL_RECOGNITION,
        ) from exc
    key_id = verified.public_key.key_id
    if (
        Certificate.objects.filter(key_id=key_id).exists()
        or Certificate.objects.filter(issuer=verified.issuer, serial=verified.serial).exists()
    ):
        raise Conflict("certificate_exists", "该证书已登记", "This certificate is already registered")
    challenge.used_at = now
    challenge.save(update_fields=["used_at"])
    cert = Certificate.objects.create(
        entity=entity,
        issuer=verified.issuer,
        serial=verified.serial,
        public_key=verified.public_key.hex(),
        key_id=key_id,
        valid_from=verified.valid_from,
        valid_until=verified.valid_until,
        registered_at=now,
        subject=verified.subject,
        pem=verified.pem,
        fingerprint=verified.fingerprint,
        next_check=now + CERTIFICATE_RECHECK,
    )
    audit.record(
        cert,
        {
            "entity": entity.uscc,
            "issuer": cert.issuer,
            "serial": cert.serial,
            "key_id": key_id,
            "fingerprint": cert.fingerprint,
        },
        role=role,
    )
    return cert


# ---- certificates re-checked against the CAs' current revocation lists --------------------------------

UNKNOWN_STATUS = {"crl_stale", "crl_unavailable"}


def recheck_certificate(certificate_id: int, now: datetime) -> None:
    """Chronograph handler: verify a registered certificate again, as at registration, with the CRLs the
    CAs publish now. A revoked certificate (or one whose CA is no longer recognised) stops signing at
    once (bids, documents and reports are verified only against unrevoked certificates) and its entity is
    told; an expired one simply lapses (its validity dates already say so)."""
    if chronograph.claim(Certificate, certificate_id, now, CERTIFICATE_RECHECK_UNKNOWN):  # not another's
        _recheck_certificate(Actor.system("chronograph"), certificate_id, now)


@action("registry.recheck_certificate")
def _recheck_certificate(actor: Actor, certificate_id: int, now: datetime) -> None:
    cert = Certificate.objects.select_for_update(of=("self",)).select_related("entity").get(pk=certificate_id)
    outcome = "good"
    if cert.revoked_at is not None or cert.valid_until <= now:
        outcome, cert.next_check = "lapsed", None
    else:
        try:
            verify_certificate(cert.pem, cert.entity.uscc, now)
            cert.next_check = now + CERTIFICATE_RECHECK
        except InvalidInput as refusal:
            if refusal.code not in UNKNOWN_STATUS:
                _revoke_certificate(cert, now, refusal)
                outcome, cert.next_check = refusal.code, None
            else:
                outcome, cert.next_check = (
                    refusal.code,
                    now + CERTIFICATE_RECHECK_UNKNOWN,
                )  # look again sooner
    cert.save(update_fields=["revoked_at", "revoked_reason", "next_check"])
    audit.record(cert, {"entity": cert.entity.uscc, "serial": cert.serial, "outcome": outcome})


def _revoke_certificate(cert: Certificate, now: datetime, refusal: InvalidInput) -> None:
    cert.revoked_at = now
    cert.revoked_reason = refusal.zh[:300]
    admins = Account.objects.filter(entity=cert.entity, is_entity_admin=True)
    for user_id in admins.values_list("user_id", flat=True):
        notify.queue_to(
            user_id,
            "数字证书已停用",
            f"贵单位登记的数字证书（{cert.issuer}，序列号{cert.serial}）经核验已不能使用："
            f"{cert.revoked_reason}。请登记新的证书后再签名或投标。",
        )
