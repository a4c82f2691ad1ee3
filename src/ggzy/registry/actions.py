"""Registry actions: register an entity once, change it (versioned), manage accounts and API tokens."""

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import Q

from ggzy.exchange.models import Node
from ggzy.exchange.queries import home_node_for
from ggzy.kernel import audit, clock, notify
from ggzy.kernel.actions import action, require_login, require_role, require_user
from ggzy.kernel.codes import validate_uscc
from ggzy.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ggzy.kernel.models import Region
from ggzy.kernel.regions import get_region, level_and_parent
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.models import (
    Account,
    ApiToken,
    Certificate,
    Contact,
    Department,
    Entity,
    EntityKind,
    EntityKindAssignment,
    EntityVersion,
    Qualification,
)
from ggzy.registry.rules import CA_MUTUAL_RECOGNITION, MOBILE, ONE_REGISTRATION
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
    name = _required(form.name, "name", "主体名称")
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
    audit.record(
        entity,
        {
            "uscc": uscc,
            "name": name,
            "kinds": kinds,
            "region": region.code,
            "node": node.pk,
            "admin": admin_user.username if admin_user else None,
        },
        role=Role.OPERATOR.value if actor.has(Role.OPERATOR) else Role.PUBLIC.value,
    )
    return entity


def _entity_or_404(uscc: str) -> Entity:
    entity = Entity.objects.select_for_update(of=("self",)).filter(uscc=(uscc or "").strip().upper()).first()
    if entity is None:
        raise NotFound("entity_not_found", f"未找到主体{uscc}", f"No entity with USCC {uscc}")
    return entity


def require_entity_manager(actor: Actor, entity: Entity) -> str:
    """Operators, or an administrator of the entity itself."""
    require_login(actor)
    if actor.has(Role.OPERATOR):
        return Role.OPERATOR.value
    if actor.entity_id == entity.pk and actor.is_entity_admin:
        return actor.primary_role
    raise PermissionDenied(
        "entity_manager_required",
        "只有该主体的管理员或交易中心可以修改主体信息",
        "Only the entity's administrators or the operator may change it",
    )


@action("registry.change_entity")
def change_entity(actor: Actor, uscc: str, change: EntityChange) -> Entity:
    """Change the registration; every change is a new version with a snapshot."""
    entity = _entity_or_404(uscc)
    role = require_entity_manager(actor, entity)
    before = snapshot(entity)
    if change.name is not None:
        entity.name = _required(change.name, "name", "主体名称")
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
    entity = _entity_or_404(uscc)
    role = require_entity_manager(actor, entity)
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
    department = None
    if form.kind == Account.Kind.REGULATOR:
        department = Department.objects.filter(pk=form.department_id or 0).first()
        if department is None:
            raise InvalidInput(
                "department_required", "监管人员须属于一个行政监督部门", "A regulator belongs to a department"
            )
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


@action("registry.register_certificate")
def register_certificate(actor: Actor, uscc: str, form: CertificateIn) -> Certificate:
    """Record a certificate of the entity, from any recognised CA (no local CA may be imposed)."""
    entity = _entity_or_404(uscc)
    role = require_entity_manager(actor, entity)
    issuer = _required(form.issuer, "issuer", "颁发机构")
    if issuer not in settings.RECOGNISED_CAS:
        raise InvalidInput(
            "ca_not_recognised",
            f"“{issuer}”不在平台认可的电子认证服务机构名单中：{'、'.join(settings.RECOGNISED_CAS)}",
            f"'{issuer}' is not a recognised CA: {', '.join(settings.RECOGNISED_CAS)}",
            rule=CA_MUTUAL_RECOGNITION,
        )
    key = parse_public_key(form.public_key)
    if form.valid_until <= form.valid_from or form.valid_until <= clock.now():
        raise InvalidInput("certificate_expired", "证书有效期不正确或已过期", "The certificate has expired")
    if Certificate.objects.filter(Q(key_id=key.key_id) | Q(issuer=issuer, serial=form.serial)).exists():
        raise Conflict("certificate_exists", "该证书已登记", "This certificate is already registered")
    cert = Certificate.objects.create(
        entity=entity,
        issuer=issuer,
        serial=_required(form.serial, "serial", "证书序列号"),
        public_key=key.hex(),
        key_id=key.key_id,
        valid_from=form.valid_from,
        valid_until=form.valid_until,
        registered_at=clock.now(),
    )
    audit.record(
        cert,
        {"entity": entity.uscc, "issuer": issuer, "serial": cert.serial, "key_id": key.key_id},
        role=role,
    )
    return cert
