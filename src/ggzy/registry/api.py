"""Registry endpoints: registration (一表申请), entity data, accounts, departments, API tokens."""

from datetime import datetime

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from ggzy.kernel.codes import validate_uscc
from ggzy.kernel.errors import NotAuthenticated
from ggzy.kernel.limits import CODE_MAX, Code
from ggzy.registry import actions, queries, suppliers
from ggzy.registry.api_auth import ANYONE
from ggzy.registry.auth import actor_for_user, actor_from_request, client_ip
from ggzy.registry.models import Account, Certificate, Department, Entity, SupplierEntry
from ggzy.registry.schemas import (
    AccountActionIn,
    AccountIn,
    AccountStateOut,
    CertificateIn,
    CertificateOut,
    ChallengeOut,
    DepartmentIn,
    EntityChange,
    EntityDetailOut,
    EntityPublicOut,
    EntityVersionOut,
    FreezeIn,
    PasswordResetIn,
    RegistrationIn,
    StaffAccountIn,
)

router = Router(tags=["registry"])
auth_router = Router(tags=["auth"])


class UsccCheckOut(Schema):
    valid: bool
    uscc: str
    registered: bool


class UserOut(Schema):
    username: str
    name: str


class EntityUserIn(AccountIn):
    is_admin: bool = False


class DepartmentOut(Schema):
    id: int
    name: str
    node_id: int
    sectors: list[str]


class TokenIn(Schema):
    username: Code
    password: str = Field(max_length=CODE_MAX * 4)
    label: str = Field(default="", max_length=100)


class TokenOut(Schema):
    token: str
    prefix: str
    expires_at: datetime


class MeOut(Schema):
    name: str
    roles: list[str]
    node_id: int | None
    entity_id: int | None
    department_id: int | None


@router.get("/uscc/{code}", response=UsccCheckOut, auth=None, summary="校验统一社会信用代码")
def check_uscc(request: HttpRequest, code: str) -> UsccCheckOut:
    uscc = validate_uscc(code)
    return UsccCheckOut(valid=True, uscc=uscc, registered=Entity.objects.filter(uscc=uscc).exists())


@router.post("/entities", response={201: EntityDetailOut}, auth=ANYONE, summary="主体注册（一表申请）")
def register_entity(request: HttpRequest, payload: RegistrationIn) -> Status[EntityDetailOut]:
    entity = actions.register_entity(actor_from_request(request), payload.entity, payload.account)
    return Status(201, queries.private_view(queries.entity_by_uscc(entity.uscc)))


@router.get("/entities", response=list[EntityPublicOut], auth=None, summary="主体名录（公开信息）")
@paginate(LimitOffsetPagination)
def list_entities(
    request: HttpRequest, kind: str | None = None, region: str | None = None, q: str | None = None
) -> list[EntityPublicOut]:
    qs = queries.entities().filter(status=Entity.Status.ACTIVE)
    if kind:
        qs = qs.filter(kinds__kind=kind)
    if region:
        qs = qs.filter(region__code__startswith=region.rstrip("0") or region)
    if q:
        qs = qs.filter(name__contains=q)
    return [queries.public_view(e) for e in qs.distinct()]


@router.get("/entities/{uscc}", response=EntityPublicOut, auth=None, summary="主体公开信息")
def get_entity(request: HttpRequest, uscc: str) -> EntityPublicOut:
    return queries.public_view(queries.entity_by_uscc(uscc))


@router.get("/entities/{uscc}/private", response=EntityDetailOut, summary="主体完整登记信息（含联系人）")
def get_entity_private(request: HttpRequest, uscc: str) -> EntityDetailOut:
    entity = queries.entity_by_uscc(uscc)
    queries.require_private_access(actor_from_request(request), entity)
    return queries.private_view(entity)


@router.patch("/entities/{uscc}", response=EntityDetailOut, summary="变更主体信息（生成新版本）")
def change_entity(request: HttpRequest, uscc: str, payload: EntityChange) -> EntityDetailOut:
    entity = actions.change_entity(actor_from_request(request), uscc, payload)
    return queries.private_view(queries.entity_by_uscc(entity.uscc))


@router.get("/entities/{uscc}/versions", response=list[EntityVersionOut], summary="主体登记变更记录")
def entity_versions(request: HttpRequest, uscc: str) -> list[EntityVersionOut]:
    entity = queries.entity_by_uscc(uscc)
    queries.require_private_access(actor_from_request(request), entity)
    return [
        EntityVersionOut(
            version=v.version,
            changed_fields=v.changed_fields,
            changed_by=v.changed_by,
            changed_at=v.changed_at,
        )
        for v in entity.versions.all()
    ]


@router.post(
    "/entities/{uscc}/users", response={201: UserOut}, summary="主体管理员为本单位添加用户（仅本主体管理员）"
)
def add_entity_user(request: HttpRequest, uscc: str, payload: EntityUserIn) -> Status[UserOut]:
    account = AccountIn(**payload.dict(exclude={"is_admin"}))
    user = actions.add_entity_user(actor_from_request(request), uscc, account, is_admin=payload.is_admin)
    return Status(201, UserOut(username=user.username, name=user.first_name))


@router.post(
    "/entities/{uscc}/certificates/challenge",
    response={201: ChallengeOut},
    summary="获取证书持有证明挑战值（主体管理员）",
)
def certificate_challenge(request: HttpRequest, uscc: str) -> Status[ChallengeOut]:
    challenge = actions.issue_certificate_challenge(actor_from_request(request), uscc)
    return Status(
        201,
        ChallengeOut(
            challenge=challenge.nonce,
            message=actions.challenge_text(challenge),
            expires_at=challenge.expires_at,
        ),
    )


@router.post(
    "/entities/{uscc}/certificates",
    response={201: CertificateOut},
    summary="登记数字证书（CA互认；持有人以私钥签名挑战值证明持有）",
)
def register_certificate(request: HttpRequest, uscc: str, payload: CertificateIn) -> Status[CertificateOut]:
    cert = actions.register_certificate(actor_from_request(request), uscc, payload)
    return Status(201, certificate_out(cert))


def account_state(account: Account) -> AccountStateOut:
    return AccountStateOut(
        username=account.user.username,
        entity=account.entity.uscc if account.entity else None,
        frozen=account.frozen_at is not None,
        frozen_reason=account.frozen_reason,
        password_reset_pending=not account.user.has_usable_password(),
    )


@router.post(
    "/entity-accounts/{username}/freeze",
    response=AccountStateOut,
    summary="冻结或解冻市场主体账户（交易中心，须说明原因）",
)
def freeze_entity_account(request: HttpRequest, username: str, payload: FreezeIn) -> AccountStateOut:
    account = actions.freeze_entity_account(
        actor_from_request(request), username, payload.reason, frozen=payload.frozen
    )
    return account_state(account)


@router.post(
    "/entity-accounts/{username}/reset",
    response=AccountStateOut,
    summary="重置市场主体账户（交易中心，须说明原因；重置码只发给账户本人）",
)
def reset_entity_account(request: HttpRequest, username: str, payload: AccountActionIn) -> AccountStateOut:
    account = actions.reset_entity_account(actor_from_request(request), username, payload.reason)
    return account_state(account)


@router.get("/entities/{uscc}/certificates", response=list[CertificateOut], auth=None, summary="主体数字证书")
def list_certificates(request: HttpRequest, uscc: str) -> list[CertificateOut]:
    entity = queries.entity_by_uscc(uscc)
    return [certificate_out(c) for c in entity.certificates.all()]


def certificate_out(c: Certificate) -> CertificateOut:
    return CertificateOut(
        issuer=c.issuer,
        serial=c.serial,
        subject=c.subject,
        fingerprint=c.fingerprint,
        key_id=c.key_id,
        valid_from=c.valid_from,
        valid_until=c.valid_until,
        revoked=c.revoked_at is not None,
    )


@router.get("/departments", response=list[DepartmentOut], auth=None, summary="行政监督部门")
def list_departments(request: HttpRequest) -> list[DepartmentOut]:
    return [
        DepartmentOut(id=d.pk, name=d.name, node_id=d.node_id, sectors=d.sectors)
        for d in Department.objects.all()
    ]


@router.post("/departments", response={201: DepartmentOut}, summary="新建行政监督部门（交易中心）")
def create_department(request: HttpRequest, payload: DepartmentIn) -> Status[DepartmentOut]:
    d = actions.create_department(actor_from_request(request), payload)
    return Status(201, DepartmentOut(id=d.pk, name=d.name, node_id=d.node_id, sectors=d.sectors))


@router.post("/accounts", response={201: UserOut}, summary="新建监管、专家、交易中心账户（交易中心）")
def create_staff_account(request: HttpRequest, payload: StaffAccountIn) -> Status[UserOut]:
    user = actions.create_staff_account(actor_from_request(request), payload)
    return Status(201, UserOut(username=user.username, name=user.first_name))


@router.post("/public-accounts", response={201: UserOut}, auth=ANYONE, summary="公众用户注册")
def register_public_user(request: HttpRequest, payload: AccountIn) -> Status[UserOut]:
    user = actions.register_public_user(actor_from_request(request), payload)
    return Status(201, UserOut(username=user.username, name=user.first_name))


@auth_router.post("/token", response={201: TokenOut}, auth=None, summary="用户名密码换取API令牌")
def issue_token(request: HttpRequest, payload: TokenIn) -> Status[TokenOut]:
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise NotAuthenticated("bad_credentials", "用户名或密码错误", "Wrong username or password")
    token, secret = actions.issue_api_token(actor_for_user(user, client_ip(request)), payload.label)
    return Status(201, TokenOut(token=secret, prefix=token.prefix, expires_at=token.expires_at))


@auth_router.post(
    "/password-reset", response={204: None}, auth=ANYONE, summary="凭重置码设置新密码（账户被重置后）"
)
def complete_password_reset(request: HttpRequest, payload: PasswordResetIn) -> Status[None]:
    actions.complete_password_reset(
        actor_from_request(request), payload.username, payload.code, payload.password
    )
    return Status(204, None)


@auth_router.delete("/token/{prefix}", response={204: None}, summary="吊销API令牌")
def revoke_token(request: HttpRequest, prefix: str) -> Status[None]:
    actions.revoke_api_token(actor_from_request(request), prefix)
    return Status(204, None)


@auth_router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest) -> MeOut:
    actor = actor_from_request(request)
    return MeOut(
        name=actor.name,
        roles=sorted(r.value for r in actor.roles),
        node_id=actor.node_id,
        entity_id=actor.entity_id,
        department_id=actor.department_id,
    )


# ---- the provincial supplier library (政府采购供应商库) --------------------------------------------------


class LibraryApplyIn(Schema):
    categories: list[Code] = Field(max_length=50, description="申请入库的品目，如 B、B01、C02")


class LibraryDecisionIn(Schema):
    admit: bool
    reason: str = Field(default="", max_length=300)


class LibraryExitIn(Schema):
    reason: str = Field(default="", max_length=300)


class LibraryEntryOut(Schema):
    id: int
    uscc: str
    name: str
    category: str
    status: str
    applied_at: datetime
    decided_at: datetime | None
    reason: str


def library_out(e: SupplierEntry) -> LibraryEntryOut:
    return LibraryEntryOut(
        id=e.pk,
        uscc=e.entity.uscc,
        name=e.entity.name,
        category=e.category,
        status=e.status,
        applied_at=e.applied_at,
        decided_at=e.decided_at,
        reason=e.reason,
    )


@router.post(
    "/entities/{uscc}/library",
    response={201: list[LibraryEntryOut]},
    summary="供应商申请进入政府采购供应商库",
)
def apply_to_library(
    request: HttpRequest, uscc: str, payload: LibraryApplyIn
) -> Status[list[LibraryEntryOut]]:
    entries = suppliers.apply_to_library(actor_from_request(request), uscc, payload.categories)
    return Status(201, [library_out(e) for e in entries])


@router.get(
    "/library", response=list[LibraryEntryOut], auth=ANYONE, summary="政府采购供应商库（入库名单公开）"
)
def list_library(request: HttpRequest, category: str = "", pending: bool = False) -> list[LibraryEntryOut]:
    """Admitted suppliers are public; pending applications are for the province's trading centre."""
    entries = suppliers.listing(actor_from_request(request), category, pending=pending)
    return [library_out(e) for e in entries[:500]]


@router.post("/library/{entry_id}/decision", response=LibraryEntryOut, summary="入库审核（省级交易中心）")
def decide_library_entry(request: HttpRequest, entry_id: int, payload: LibraryDecisionIn) -> LibraryEntryOut:
    entry = suppliers.decide_library_entry(
        actor_from_request(request), entry_id, payload.admit, payload.reason
    )
    return library_out(entry)


@router.post("/library/{entry_id}/exit", response=LibraryEntryOut, summary="退出或移出供应商库")
def exit_library(request: HttpRequest, entry_id: int, payload: LibraryExitIn) -> LibraryEntryOut:
    return library_out(suppliers.exit_library(actor_from_request(request), entry_id, payload.reason))
