"""Shapes of supervision requests and responses."""

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from ggzy.kernel.limits import Code, Reason, Text


class AlertMoveIn(Schema):
    to: Code = Field(description="reviewing / dismissed / confirmed / transferred")
    note: Reason = ""
    transferred_to: str = Field(default="", max_length=200, description="移交单位（to=transferred 时必填）")


class AlertMoveOut(Schema):
    from_status: str
    to_status: str
    note: str
    moved_by: str
    moved_at: datetime


class AlertOut(Schema):
    id: int
    rule_id: str
    rule_name: str
    severity: str
    title: str
    status: str
    score: float | None
    department_id: int | None
    project: str | None
    lot: str | None
    entity: str | None
    region: str | None
    raised_at: datetime
    updated_at: datetime


class AlertDetailOut(AlertOut):
    basis_citation: str
    basis_text: str
    evidence: dict[str, Any]
    note: str
    transferred_to: str
    moves: list[AlertMoveOut]


class ComplaintIn(Schema):
    lot_code: Code
    matter: Code = Field(default="other", description="documents / opening / result / other")
    objection_id: int | None = Field(
        default=None, description="就条例第22、44、54条事项投诉时，先前提出的异议"
    )
    request: Reason = Field(description="明确的请求")
    text: Text = Field(description="事实、理由和证明材料说明")
    known_on: date = Field(description="知道或者应当知道投诉事项之日")


class ReportIn(Schema):
    lot_code: Code = ""
    project_code: Code = ""
    sector: Code = Field(default="", description="未指明项目时：举报事项所属交易类别")
    node_id: int | None = Field(default=None, description="未指明项目时：所在平台节点")
    text: Text
    contact: str = Field(default="", max_length=100, description="可选；不公开；匿名举报可不填")


class ReasonIn(Schema):
    reason: Reason


class DecisionIn(Schema):
    outcome: Code = Field(description="upheld / partly / dismissed（投诉）；confirmed / unfounded（举报）")
    decision: Reason
    public: bool = True


class CaseOut(Schema):
    id: int
    number: str
    kind: str
    matter: str
    status: str
    department_id: int
    project: str | None
    lot: str | None
    complainant: str | None
    anonymous: bool
    request: str
    text: str
    known_on: date | None
    received_at: datetime
    accept_due: datetime
    accepted_at: datetime | None
    decision_due: datetime | None
    decided_at: datetime | None
    outcome: str
    decision: str
    decision_public: bool
    accept_overdue: bool
    decision_overdue: bool


class PublicDecisionOut(Schema):
    number: str
    kind: str
    department: str
    project: str | None
    lot: str | None
    outcome: str
    decision: str
    decided_at: datetime | None
    published_at: datetime | None
    basis: str


class InstructionIn(Schema):
    lot_code: Code
    kind: Code = Field(description="suspend / terminate / correct")
    reason: Reason
    case_id: int | None = None
    alert_id: int | None = None
    due: datetime | None = Field(default=None, description="责令改正的期限")


class ComplianceIn(Schema):
    text: Text


class InstructionOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    lot: str
    department_id: int
    reason: str
    basis_citation: str
    previous_state: str
    issued_by: str
    issued_at: datetime
    due: datetime | None
    closed_at: datetime | None
    compliance: str
    overdue: bool


class PowerOut(Schema):
    code: str
    name: str
    kind: str
    citation: str
    text: str
    unconfirmed: bool


class DepartmentPowersOut(Schema):
    department_id: int
    department: str
    node: str
    sectors: list[str]
    powers: list[PowerOut]


class DashboardOut(Schema):
    department_id: int
    department: str
    alerts_by_status: dict[str, int]
    alerts_by_rule: dict[str, int]
    cases_by_status: dict[str, int]
    overdue: dict[str, int]
    risk_map: list[dict[str, Any]]


class TrailEventOut(Schema):
    """`position` numbers this trail (1 = oldest): the global seq would count, by its gaps, the sealed
    events in between (who bid, who took the documents: 电子招标投标办法 第21条); no event hash either (it
    covers seq and the previous hash: trying the few possible seqs would tell what came just before)."""

    position: int
    occurred_at: datetime
    actor: str
    role: str
    ip: str | None
    action: str
    object_type: str
    object_id: str
    payload: dict[str, Any]


class ScreenOut(Schema):
    lot: str
    computed_at: datetime
    score: float
    bidders: int
    priced: int
    screens: dict[str, Any]
    suspicion: dict[str, Any]
    components: dict[str, Any]
    pairs: list[dict[str, Any]]
    bidder_signals: list[dict[str, Any]]
    reference: str
    basis: dict[str, str]
