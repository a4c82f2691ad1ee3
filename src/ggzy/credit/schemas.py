"""Shapes of credit requests and responses."""

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from ggzy.kernel.limits import Code, Reason, Text


class PractitionerIn(Schema):
    name: str = Field(max_length=64)
    id_number: str = Field(
        default="", max_length=18, description="居民身份证号：只用于计算HMAC-SM3摘要，不保存原文"
    )
    id_digest: str = Field(
        default="", max_length=64, description="已计算的HMAC-SM3摘要（与 id_number 二选一）"
    )
    role: str = Field(default="project_manager", max_length=32)


class CreditRecordIn(Schema):
    uscc: str = Field(
        default="", max_length=18, description="市场主体的统一社会信用代码（对从业人员为其单位，可空）"
    )
    name: str = Field(default="", max_length=200, description="主体未在本平台登记时填写名称")
    practitioner: PractitionerIn | None = None
    kind: Code = Field(description="记录类别，见 credit.rules.KINDS")
    severity: Code = Field(default="serious", description="minor / general / serious")
    source: Code = Field(default="", description="regulator / court / platform（由身份决定时可省略）")
    decision_no: str = Field(default="", max_length=100)
    facts: Text
    valid_from: date
    valid_until: date | None = None
    is_public: bool = True
    basis_citation: str = Field(default="", max_length=300, description="不填则用记录类别的法定依据")
    basis_text: Reason = ""


class RevokeIn(Schema):
    reason: Reason


class CreditRecordOut(Schema):
    id: int
    subject: str
    uscc: str
    subject_name: str
    role: str
    kind: str
    kind_name: str
    positive: bool
    source: str
    severity: str
    ban: bool
    ban_categories: list[str]
    basis_citation: str
    basis_text: str
    decision_no: str
    authority: str
    facts: str
    valid_from: date
    valid_until: date | None
    is_public: bool
    status: str
    recorded_at: datetime


class CreditStatusOut(Schema):
    uscc: str
    name: str
    on: date
    blacklisted: bool
    redlisted: bool
    bans: list[dict[str, Any]]
    negatives: list[dict[str, Any]]
    positives: list[dict[str, Any]]
    repeat_collusion: dict[str, Any] | None
    records: list[CreditRecordOut]


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    sm3: str
    warnings: list[dict[str, Any]]


class KindOut(Schema):
    code: str
    name: str
    positive: bool
    citation: str
    text: str
    ban_min_years: int | None
    ban_max_years: int | None
    ban_categories: list[str]
    unconfirmed: bool
