"""Shapes of the catalogue: what operators send, what everyone sees, and the must-enter question."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ggzy.catalogue.entry import ContractEstimate, Decision, ProjectFacts
from ggzy.kernel.limits import Code

Amount = Decimal  # yuan, at most 2 decimals; checked again by the actions and by must_enter


class VersionIn(Schema):
    node_id: int
    code: str = Field(max_length=32, description="目录编号，如 NX-2026-01")
    title: str = Field(max_length=200)
    parent_version_id: int | None = Field(
        default=None,
        description="copy the items of this adopted version: the province's (a city derives) or the node's own",
    )
    citation: str = Field(default="", max_length=2000, description="发布依据（文号）")


class ItemIn(Schema):
    category: Code = Field(description="engineering / procurement / land / mining / state_assets / ...")
    subject: str = Field(default="", max_length=3, description="D6 标的分类：A–E，工程可加类别，如 A08")
    name: str = Field(max_length=200)
    threshold: Amount | None = Field(
        default=None, ge=0, max_digits=16, decimal_places=2, description="元；空=不设限额"
    )
    statutory_threshold: bool = Field(
        default=False, description="the threshold is a statutory one (e.g. 16号令)"
    )
    funding_scope: Code = Field(description="public / non_private / all")
    basis: Code = Field(description="law (法定) / catalogue (目录规定，应进必进)")
    scope: str = Field(max_length=2000)
    citation: str = Field(max_length=1000)


class ItemChange(Schema):
    """Fields to change; a field left out is kept (send "threshold": null to remove the limit)."""

    category: Code | None = None
    subject: str | None = Field(default=None, max_length=3)
    name: str | None = Field(default=None, max_length=200)
    threshold: Amount | None = Field(default=None, ge=0, max_digits=16, decimal_places=2)
    statutory_threshold: bool | None = None
    funding_scope: Code | None = None
    basis: Code | None = None
    scope: str | None = Field(default=None, max_length=2000)
    citation: str | None = Field(default=None, max_length=1000)


class ConsultationIn(Schema):
    comment_until: date | None = Field(
        default=None, description="last day of comments; default: the configured period"
    )


class AdoptIn(Schema):
    effective_from: date
    citation: str = Field(default="", max_length=2000, description="发布依据（文号）；草稿已填写的可省略")


class CommentIn(Schema):
    text: str = Field(max_length=2000)


class NationalIn(Schema):
    node_id: int
    effective_from: date | None = None


class ItemOut(Schema):
    id: int
    seq: int
    category: str
    category_label: str
    subject: str
    subject_label: str
    contract_kind: str | None
    name: str
    threshold: Decimal | None
    statutory_threshold: bool
    funding_scope: str
    basis: str
    scope: str
    citation: str


class VersionOut(Schema):
    id: int
    node_id: int
    node_name: str
    parent_id: int | None
    code: str
    title: str
    status: str
    citation: str
    created_at: datetime
    comment_until: date | None
    adopted_at: datetime | None
    effective_from: date | None
    superseded_on: date | None
    superseded_by_id: int | None


class VersionDetailOut(VersionOut):
    items: list[ItemOut]
    comment_count: int


class CommentOut(Schema):
    id: int
    text: str
    user: str | None
    created_at: datetime


class ContractIn(Schema):
    kind: Code = Field(description="works（施工）/ goods（货物）/ services（服务）")
    amount: Amount = Field(ge=0, max_digits=16, decimal_places=2, description="合同估算价（元）")
    combinable: bool = Field(default=True, description="可与同类合同合并采购（16号令第5条第2款，合计计算）")
    name: str = Field(default="", max_length=200)


class FactsIn(Schema):
    category: Code
    subject: str = Field(default="", max_length=3)
    state_budget_amount: Amount = Field(default=Decimal(0), ge=0, max_digits=16, decimal_places=2)
    total_investment: Amount | None = Field(default=None, ge=0, max_digits=16, decimal_places=2)
    state_owned_controlled: bool = False
    foreign_loan_or_aid: bool = False
    private_only: bool = False
    public_interest_infrastructure: bool = False
    contracts: list[ContractIn] = []

    def to_facts(self) -> ProjectFacts:
        data = self.dict(exclude={"contracts"})
        return ProjectFacts(
            **data,
            contracts=tuple(ContractEstimate(**c.dict()) for c in self.contracts),
        )


class ReasonOut(Schema):
    test: str
    passed: bool
    zh: str
    en: str
    citation: str


class DecisionOut(Schema):
    must_enter: bool
    must_tender: bool
    may_choose: bool
    catalogue_version: str
    catalogue_version_id: int
    node_id: int
    on_date: date
    items: list[int]
    reasons: list[ReasonOut]

    @staticmethod
    def of(decision: Decision, version_id: int, node_id: int, on_date: date) -> "DecisionOut":
        return DecisionOut(
            **decision.as_json(), catalogue_version_id=version_id, node_id=node_id, on_date=on_date
        )
