from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ggzy.kernel.limits import Code, Key, Reason


class CriterionIn(Schema):
    code: str = Field(max_length=16)
    name: str = Field(max_length=100)
    kind: Code = Field(description="technical 技术 / business 商务")
    max_points: Decimal = Field(max_digits=6, decimal_places=2)


class PlanIn(Schema):
    method: Code = Field(
        description="lowest_price 经评审的最低投标价法（政府采购：最低评标价法）/ comprehensive 综合评估法（综合评分法）"
    )
    price_points: Decimal = Field(default=Decimal(0), max_digits=6, decimal_places=2)
    criteria: list[CriterionIn] = []
    sme_deduction: Decimal = Field(
        default=Decimal(0),
        max_digits=5,
        decimal_places=4,
        description="小微企业价格扣除比例（如0.10为10%；0为不扣除），范围依交易程序和合同类型",
    )


class CommitteeIn(Schema):
    experts: list[Code] = Field(description="评标专家用户名（来自随机抽取）")
    representatives: list[Code] = Field(default=[], description="招标人代表用户名")
    chair: Code
    hours: int = 8


class SignInIn(Schema):
    public_key: Key = Field(description="本人数字证书的SM2公钥（PEM或hex）")
    no_conflict: bool = Field(description="声明与投标人无利害关系")


class ScoresIn(Schema):
    scores: dict[Code, dict[Code, Decimal]] = Field(description="{回执号: {评分因素代码: 分值}}")


class RejectIn(Schema):
    receipt_no: Code
    ground: Code
    reason: Reason


class QuestionIn(Schema):
    receipt_no: Code
    question: Reason


class AnswerIn(Schema):
    answer: Reason


class SignatureIn(Schema):
    signature: Key = Field(description="对评标报告PDF原文的SM2签名（DER hex）")


class PublicityIn(Schema):
    publicity_from: datetime
    publicity_until: datetime


class AwardIn(Schema):
    receipt_no: Code


class ConfirmIn(Schema):
    """Procurement (87号令 第68条): the winner confirmed from the report, in rank order."""

    receipt_no: Code
    reason: Reason = Field(default="", description="未确定排名第一的中标候选人时的合法理由")


class FailIn(Schema):
    reason: Reason = Field(description="废标理由")


class ContractIn(Schema):
    amount: Decimal = Field(max_digits=16, decimal_places=2)
    performance_bond: Decimal = Field(default=Decimal(0), max_digits=14, decimal_places=2)
    contract_sm3: Code = Field(description="合同文本的SM3摘要")


class CandidateOut(Schema):
    rank: int
    bidder: str
    uscc: str
    price: Decimal
    score: Decimal | None


class EvaluationOut(Schema):
    lot: str
    status: str
    method: str
    started_at: datetime
    planned_end: datetime
    report_sm3: str
    members: int
    signed: int
    candidates: list[CandidateOut]


# ---- negotiation (竞争性谈判, 竞争性磋商) ----------------------------------------------------------------


class MessageIn(Schema):
    supplier: Code = Field(
        default="", description="谈判小组发给的供应商统一社会信用代码（供应商本人发言时留空）"
    )
    text: Reason


class ChangeIn(Schema):
    text: Reason = Field(description="采购需求中技术、服务要求或合同草案条款的实质性变动")


class RoundIn(Schema):
    minutes: int = Field(description="供应商提交时限（分钟，10至10080）")
    final: bool = Field(default=False, description="本轮为最后报价")
    requirements: Reason = ""


class RoundOut(Schema):
    number: int
    final: bool
    deadline: datetime
    status: str
    requirements: str
    decrypt_closes_at: datetime | None = None


class MessageOut(Schema):
    supplier: str
    from_panel: bool
    text: str
    sent_at: datetime


class ChangeOut(Schema):
    id: int
    text: str
    proposed_at: datetime
    confirmed_at: datetime | None = None


class NegotiationOut(Schema):
    lot: str
    rounds: list[RoundOut]
    messages: list[MessageOut]
    changes: list[ChangeOut]
    unheard: list[str] = Field(default=[], description="本阶段谈判小组尚未谈判的供应商（仅谈判小组可见）")


# ---- framework agreements (框架协议采购) ---------------------------------------------------------------


class AgreementIn(Schema):
    term_until: date = Field(description="协议期限止（货物不超过1年，服务不超过2年）")
    agreement_sm3: Key = Field(description="签订的框架协议文本SM3（hex）")


class CallOffIn(Schema):
    method: Code = Field(description="direct 直接选定 / rotation 顺序轮候")
    quantity: Decimal = Field(max_digits=14, decimal_places=2)
    supplier: Code = Field(default="", description="直接选定的入围供应商统一社会信用代码")
    reason: Reason = Field(default="", description="直接选定的理由")


class MemberOut(Schema):
    order: int
    supplier: str
    uscc: str
    price: Decimal


class CallOffOut(Schema):
    method: str
    purchaser: str
    supplier: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    cycle: int
    awarded_at: datetime
    result_due: datetime | None = None


class AgreementOut(Schema):
    lot: str
    status: str
    admitted_at: datetime
    sign_due: datetime
    signed_at: datetime | None = None
    term_from: date | None = None
    term_until: date | None = None
    members: list[MemberOut]
