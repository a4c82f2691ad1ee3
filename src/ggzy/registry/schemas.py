"""The registration form (一表申请) and the shapes the registry shows. Formats are checked by the actions."""

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from ggzy.kernel.limits import Code


class ContactIn(Schema):
    name: str = Field(max_length=64)
    mobile: str = Field(max_length=20)
    email: str = Field(default="", max_length=254)
    is_primary: bool = False


class QualificationIn(Schema):
    name: str = Field(max_length=100, description="资质名称，如 建筑工程施工总承包")
    level: str = Field(default="", max_length=32)
    certificate_no: str = Field(max_length=64)
    issuer: str = Field(default="", max_length=100)
    valid_until: date


class EntityForm(Schema):
    uscc: str = Field(max_length=32, description="统一社会信用代码（18位）")
    name: str = Field(max_length=200)
    kinds: list[Code] = Field(description="principal / agent / bidder / guarantor")
    legal_representative: str = Field(max_length=64)
    address: str = Field(max_length=300)
    region_code: str = Field(max_length=6, description="GB/T 2260 行政区划代码")
    contacts: list[ContactIn]
    qualifications: list[QualificationIn] = []


class EntityChange(Schema):
    """Fields to change; lists replace the whole list. The USCC never changes."""

    name: str | None = Field(default=None, max_length=200)
    kinds: list[Code] | None = None
    legal_representative: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=300)
    region_code: str | None = Field(default=None, max_length=6)
    contacts: list[ContactIn] | None = None
    qualifications: list[QualificationIn] | None = None


class AccountIn(Schema):
    username: str = Field(max_length=150)
    password: str = Field(max_length=128)
    name: str = Field(max_length=64, description="真实姓名")
    mobile: str = Field(max_length=20)


class RegistrationIn(Schema):
    entity: EntityForm
    account: AccountIn | None = Field(
        default=None, description="the entity's first administrator (self-service)"
    )


class StaffAccountIn(AccountIn):
    kind: Code = Field(description="regulator / expert / operator")
    node_id: int
    department_id: int | None = None


class DepartmentIn(Schema):
    name: str = Field(max_length=100)
    node_id: int
    sectors: list[Code] = []


class QualificationOut(Schema):
    name: str
    level: str
    certificate_no: str
    valid_until: date
    status: str


class EntityPublicOut(Schema):
    uscc: str
    name: str
    kinds: list[str]
    legal_representative: str
    address: str
    region_code: str
    region_name: str
    node: str
    status: str
    version: int
    registered_at: datetime
    qualifications: list[QualificationOut]


class ContactOut(Schema):
    name: str
    mobile: str
    email: str
    is_primary: bool


class EntityDetailOut(EntityPublicOut):
    contacts: list[ContactOut]


class EntityVersionOut(Schema):
    version: int
    changed_fields: list[str]
    changed_by: str
    changed_at: datetime


class CertificateIn(Schema):
    """A certificate registered by its holder, with proof of possession of its SM2 key."""

    certificate: str = Field(max_length=20000, description="X.509 证书（PEM），由平台认可的CA颁发、SM2密钥")
    challenge: str = Field(max_length=64, description="平台签发的挑战值（POST …/certificates/challenge）")
    signature: str = Field(
        max_length=400, description="用证书私钥对挑战消息的SM2签名（DER，hex或base64；ID 1234567812345678）"
    )


class ChallengeOut(Schema):
    challenge: str
    message: str = Field(description="须原样签名的消息（UTF-8）")
    expires_at: datetime


class AccountActionIn(Schema):
    reason: str = Field(max_length=300, description="原因（通知主体并记入审计日志）")


class FreezeIn(AccountActionIn):
    frozen: bool = Field(default=True, description="true 冻结，false 解冻")


class AccountStateOut(Schema):
    username: str
    entity: str | None
    frozen: bool
    frozen_reason: str
    password_reset_pending: bool


class PasswordResetIn(Schema):
    username: str = Field(max_length=150)
    code: str = Field(max_length=64)
    password: str = Field(max_length=128)


class CertificateOut(Schema):
    issuer: str
    serial: str
    subject: str
    fingerprint: str
    key_id: str
    valid_from: datetime
    valid_until: datetime
    revoked: bool
