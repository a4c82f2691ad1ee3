"""Shapes of trading requests and responses."""

from datetime import datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ggzy.kernel.limits import Code, Document, Key, Reason, Text


class LotIn(Schema):
    name: str = Field(max_length=200)
    contract_kind: Code = Field(description="works 施工 / goods 货物 / services 服务")
    classify_code: str = Field(max_length=7, description="标段分类代码，如 A08（施工）")
    estimated_value: Decimal = Field(max_digits=16, decimal_places=2)
    control_price: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    bond_amount: Decimal = Field(default=Decimal(0), max_digits=14, decimal_places=2)


class ProjectIn(Schema):
    name: str = Field(max_length=200)
    principal_uscc: Code | None = Field(default=None, description="代理机构登记时必填：委托的招标人")
    agent_uscc: Code | None = None
    category: Code = "engineering"
    procedure: Code | None = Field(
        default=None, description="交易方式（程序规范id，如 procurement_rfq 询价）；留空则用该类别的默认方式"
    )
    state_budget_amount: Decimal = Field(default=Decimal(0), max_digits=16, decimal_places=2)
    total_investment: Decimal = Field(max_digits=16, decimal_places=2)
    state_owned_controlled: bool = False
    foreign_loan_or_aid: bool = False
    private_only: bool = False
    lots: list[LotIn]


class InviteeDrawIn(Schema):
    """邀请招标 of government procurement: the pool to draw from, how many to invite, the witnesses."""

    pool: list[Code] = Field(
        default=[],
        max_length=1000,
        description="备选供应商统一社会信用代码（政府采购邀请招标不少于拟抽取数的两倍）",
    )
    from_library: bool = Field(
        default=False,
        description="从省级供应商库中该品目全部已入库、未受信用惩戒的供应商中抽取（不另列名单）",
    )
    library_category: Code | None = Field(default=None, description="供应商库品目，默认为标段分类代码")
    count: int = Field(ge=1, le=100, description="拟随机抽取并邀请的供应商数（不少于3家）")
    witnesses: list[Code] = Field(
        default=[], max_length=20, description="在场监督的采购人工作人员（平台用户名；邀请招标不少于2名）"
    )


class InviteeDrawOut(Schema):
    notice: int
    status: str
    count: int
    pool_size: int
    pool_digest: str
    seed_commitment: str
    witnesses: list[str]
    beacon_seq: int | None
    seed: str
    drawn: list[str] = Field(description="抽中的供应商（投标截止前仅采购人和代理机构可见）")


class NoticeIn(Schema):
    method: Code = Field(description="open 公开招标 / invited 邀请招标")
    title: str = Field(max_length=200)
    body: Document
    lot_codes: list[Code]
    docs_from: datetime
    docs_until: datetime
    bid_deadline: datetime
    decrypt_minutes: int | None = None
    validity_days: int | None = None
    opening_key: Key = Field(
        default="", description="一键解密：开标SM2公钥（PEM或hex），投标文件须同时对其加密"
    )
    invitees: list[Code] = Field(default=[], description="邀请招标：受邀投标人的统一社会信用代码")
    two_supplier_ground: Code = Field(
        default="",
        description="竞争性谈判、磋商：最后报价可为两家的情形（failed_tender / research / government_services）",
    )


class DocumentMeta(Schema):
    kind: Code = "tender_documents"
    title: str = Field(max_length=200)
    signature: Key = Field(description="发布人对文件原文的SM2签名（DER，hex）")
    new_bid_deadline: datetime | None = None


class ObjectionIn(Schema):
    text: Text


class AnswerIn(Schema):
    answer: Reason


class TerminateIn(Schema):
    reason: Reason


class LotOut(Schema):
    code: str
    name: str
    procedure: str = Field(description="交易程序规范，如 procurement_tender@2026-02-01")
    contract_kind: str
    classify_code: str
    estimated_value: Decimal
    control_price: Decimal | None
    bond_amount: Decimal
    state: str
    bid_deadline: datetime | None
    decrypt_closes_at: datetime | None
    outcome_reason: str


class BidFieldOut(Schema):
    name: str
    label: str
    kind: str = Field(description="amount 金额（元，字符串）/ integer / text / boolean")
    required: bool
    read_at_opening: bool = Field(description="开标时公布")


class BidFormOut(Schema):
    """The lot's 投标函/开标一览表: what bid-form.json holds (ggzy-bid seal --form)."""

    lot: str
    procedure: str
    procedure_name: str
    fields: list[BidFieldOut]


class ProjectOut(Schema):
    code: str
    unified_deal_code: str
    name: str
    principal: str
    agent: str | None
    node: str
    category: str
    must_enter: bool
    must_tender: bool
    entry_reasons: list[dict[str, object]]
    lots: list[LotOut]


class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    filename: str
    size: int
    sm3: str
    signature: str
    signer: str
    signer_key_id: str
    new_bid_deadline: datetime | None
    published_at: datetime


class NoticeOut(Schema):
    id: int
    project: str
    method: str
    title: str
    body: str
    status: str
    docs_from: datetime
    docs_until: datetime
    bid_deadline: datetime
    opening_at: datetime
    decrypt_minutes: int
    validity_days: int
    opening_key: str
    published_at: datetime | None
    lots: list[LotOut]
    documents: list[DocumentOut]


class ObjectionOut(Schema):
    id: int
    stage: str
    text: str
    raised_at: datetime
    answer_due: datetime
    answer: str
    status: str
    overdue: bool
