"""Forms and views of the expert library and the draw. Personal data leaves only masked; drawn experts
leave only as counts and a sealed list (sequence, row, status) until the evaluation starts."""

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from ggzy.kernel.limits import Code
from ggzy.registry.schemas import AccountIn


class ExpertForm(Schema):
    name: str = Field(max_length=64, description="姓名")
    id_number: str = Field(max_length=32, description="居民身份证号码（18位）；只保存其加密摘要和后4位")
    mobile: str = Field(max_length=20, description="手机（用于短信/语音通知，不公开）")
    employer_name: str = Field(max_length=200)
    employer_uscc: str = Field(max_length=32, description="工作单位统一社会信用代码")
    region_code: str = Field(max_length=6, description="所在地 GB/T 2260 行政区划代码")
    title: str = Field(max_length=64, description="职称，如 高级工程师")
    title_level: Code = Field(
        description="senior 正高级 / deputy_senior 副高级 / intermediate / junior / none"
    )
    practice_since: date = Field(description="从事本专业工作起始日期")
    specialties: list[Code] = Field(description="评标专业代码，如 A0801")


class ApplicationIn(Schema):
    expert: ExpertForm
    account: AccountIn | None = Field(
        default=None, description="未登录申请时一并开设专家账户；已登录的专家账户申请时不填"
    )


class ReasonIn(Schema):
    reason: str = Field(max_length=500)


class SanctionIn(Schema):
    reason: str = Field(max_length=500)
    until: date | None = Field(default=None, description="期限至（含）；不填为无限期")


class UnavailabilityIn(Schema):
    starts_on: date
    ends_on: date
    reason: str = Field(default="", max_length=200)


class ConflictIn(Schema):
    entity_uscc: str = Field(max_length=32)
    reason: str = Field(max_length=300)


class DrawRowIn(Schema):
    specialty: str = Field(max_length=16)
    count: int = Field(ge=1, le=50)


class ExclusionIn(Schema):
    expert_code: str = Field(max_length=16)
    reason: str = Field(max_length=300)


class DrawRequestIn(Schema):
    lot_code: str = Field(max_length=20)
    procedure: Code = Field(
        default="",
        description="可不填：委员会规则取自标段的交易程序规范；填写时须与之一致（construction_tender 等）",
    )
    rows: list[DrawRowIn]
    representatives: int = Field(default=0, ge=0, le=20, description="招标人代表人数（不抽取）")
    evaluation_at: datetime
    venue: str = Field(default="", max_length=200)
    channel: Code = Field(default="voice", description="sms / voice")
    allowed_regions: list[Code] = Field(
        default=[], description="专家来源地区；不填为本省（可加外省，远程异地评标）"
    )
    exclusions: list[ExclusionIn] = Field(default=[], description="交易中心排除的专家（须说明原因）")
    another_reason: str = Field(
        default="",
        max_length=300,
        description="同一标段已有抽取时必填：再次抽取的理由（记录在案、主管部门可见并预警）",
    )


class PhoneEvidenceIn(Schema):
    """What proves the call when the operator records an expert's answer given by phone."""

    call_record_id: str = Field(max_length=64, description="语音/电话系统的通话记录编号")
    called_at: datetime = Field(description="通话时间")
    note_name: str = Field(default="通话记录.txt", max_length=100, description="通话记录附件文件名")
    note_base64: str = Field(description="通话记录附件（如录音文字记录、截图），Base64")


class RespondIn(Schema):
    accept: bool
    reason: str = Field(default="", max_length=300)
    evidence: PhoneEvidenceIn | None = Field(
        default=None, description="交易中心代为记录电话答复时必填：通话记录编号、时间和附件"
    )


class AssessmentIn(Schema):
    attitude: int = Field(ge=0, le=10, description="工作态度")
    discipline: int = Field(ge=0, le=10, description="评标纪律")
    professional: int = Field(ge=0, le=10, description="专业水平")
    confidentiality: int = Field(ge=0, le=10, description="保密情况")
    comment: str = Field(default="", max_length=500)


# ---- views ---------------------------------------------------------------------------------------


class SpecialtyOut(Schema):
    code: str
    name: str
    parent: str | None
    level: int
    provisional: bool


class ExpertOut(Schema):
    """An expert as operators and the expert see it: ID number and mobile masked."""

    code: str
    name: str
    id_number: str
    mobile: str
    employer_name: str
    employer_uscc: str
    region_code: str
    region_name: str
    title: str
    title_level: str
    years_of_practice: int
    specialties: list[str]
    status: str
    status_reason: str
    status_until: date | None
    score: str | None
    score_count: int
    applied_at: datetime


class RowOut(Schema):
    index: int
    specialty: str
    specialty_name: str
    count: int
    pool_size: int
    notified: int
    accepted: int
    declined: int
    no_answer: int
    skipped: int
    shortfall: int


class SealedEntryOut(Schema):
    seq: int
    row: int
    status: str
    replaces: int | None


class DrawOut(Schema):
    id: int
    number: str
    lot_code: str
    procedure: str
    representatives: int
    evaluation_at: datetime
    venue: str
    channel: str
    status: str
    allowed_regions: list[str]
    algorithm: str
    seed_commitment: str
    pool_digest: str
    excluded_counts: dict[str, int]
    rows: list[RowOut]
    sealed_list: list[SealedEntryOut]
    names_sealed: bool
    another_reason: str = Field(default="", description="再次抽取的理由（同一标段第二次及以后的抽取）")


class VerifyRowOut(Schema):
    index: int
    specialty: str
    count: int
    pool: list[str]


class VerifyCallOut(Schema):
    seq: int
    row: int
    position: int
    code: str
    replaces_row: int | None


class VerifyOut(Schema):
    ok: bool
    checks: dict[str, bool]
    problems: list[str]
    algorithm: str
    number: str
    seed_commitment: str
    pool_digest: str
    seed: str | None = Field(description="随机种子 = SM3(随机秘密 ‖ 检查点Merkle根)：评标开始后公开")
    secret: str | None = Field(
        default=None, description="执行时揭示的随机秘密；SM3(secret) = seed_commitment"
    )
    commit_event_seq: int | None = Field(default=None, description="承诺随机秘密的审计事件序号")
    checkpoint: dict[str, Any] | None = Field(
        default=None, description="所用审计检查点（承诺之后签署的第一个，平台SM2签名，可离线验证）"
    )
    rows: list[VerifyRowOut] | None
    calls: list[VerifyCallOut] | None


class CallOut(Schema):
    """A drawn expert's own call: what they need to answer."""

    id: int
    draw: str
    lot_code: str
    project_name: str
    evaluation_at: datetime
    venue: str
    status: str
    respond_by: datetime


class MemberOut(Schema):
    seq: int
    code: str
    name: str
    specialty: str
    employer_name: str
    id_number: str
    mobile: str
    status: str


class SealedListOut(Schema):
    draw: str
    lot_code: str
    printed_at: datetime
    printed_by: str
    members: list[MemberOut]
    unfilled: int


class AssessmentOut(Schema):
    expert: str
    rater_role: str
    total: str
    expert_score: str | None
    expert_status: str
