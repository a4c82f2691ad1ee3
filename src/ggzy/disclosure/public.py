"""The public view of trades and entities, built only through the disclosure table (`rules.public`).

The portal pages, search, the change feed, OCDS, the national data-spec output and the bulk downloads all
read from here, so they show the same thing at the same moment (DESIGN rule 9) and nothing private
(rule 7, R6.3). Evaluation, awards and credit records are read only when their apps are installed.
"""

import html
import re
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import QuerySet

from ggzy.disclosure.rules import Stage, public, rule_for
from ggzy.registry.models import Entity
from ggzy.trading.models import Document, Lot, MethodChange, Notice, Project
from ggzy.trading.specs import CONSTRUCTION_TENDER_SPEC, ProcedureSpec, project_spec, spec, spec_for

Record = dict[str, Any]

METHOD_LABELS = dict(Notice.Method.choices)
STATE_LABELS = dict(Lot.State.choices)
KIND_LABELS = dict(Lot.ContractKind.choices)


def evaluation_installed() -> bool:
    return apps.is_installed("ggzy.evaluation")


def credit_installed() -> bool:
    return apps.is_installed("ggzy.credit")


def category_label(value: str) -> str:
    from ggzy.catalogue.models import TradeCategory

    return dict(TradeCategory.choices).get(value, value)


# ---- the procedure a public page speaks for ------------------------------------------------------------
# Each lot follows its procedure specification (`Lot.procedure`): its words (采购人/招标人, 投标供应商/投标人,
# 中标供应商/中标人), whether its candidates are published before the award, the fields of its opening record.
# What the portal calls things beyond the specification's wording is here, by specification id.


def lot_chain(lot: Lot) -> dict[str, Any]:
    """Where a re-run lot came from and where a failed one went, with an approved change of method
    (87号令 第43条: the finance department's decision number is public with the new procedure)."""
    chain: dict[str, Any] = {}
    previous = lot.previous
    if previous is not None:
        change = MethodChange.objects.filter(lot=previous, status=MethodChange.Status.APPROVED).first()
        chain["from"] = previous.code
        if change is not None and change.procedure == lot_spec(lot).id:
            chain["method_change"] = change.decision_no
    follow = Lot.objects.filter(previous=lot).values_list("code", flat=True).first()
    if follow:
        chain["to"] = follow
    return chain


def lot_spec(lot: Lot) -> ProcedureSpec:
    return spec_for(lot)


def notice_spec(notice: Notice) -> ProcedureSpec:
    key = notice.lots.order_by("seq").values_list("procedure", flat=True).first()
    return spec(key) if key else CONSTRUCTION_TENDER_SPEC


def words(procedure: ProcedureSpec) -> dict[str, Any]:
    """What a page of this procedure calls its people and papers (the specification's wording, and more)."""
    w = procedure.wording
    return {
        "principal": w.principal,
        "agent": w.agent,
        "bidder": w.bidder,
        "winner": w.winner,
        "regulator": w.regulator,
        "notice": w.notice,
        "documents": w.documents,
        "award": w.award,
        "representative": f"{w.principal}代表",
        "investment": w.investment,
        "estimate": w.estimate,
        "ceiling": w.ceiling,
        "failed": w.failed,
        "expert": w.expert,
    }


def method_label(procedure: ProcedureSpec, method: str) -> str:
    """The method as the portal names it: 公开招标 for construction, 政府采购公开招标 for procurement."""
    return procedure.method_name(method)


def method_details(procedure: ProcedureSpec, method: str) -> str:
    """The method named in full, with its board: 工程建设项目公开招标, 政府采购邀请招标."""
    return procedure.method_detail(method)


def opening_columns(procedure: ProcedureSpec) -> list[tuple[str, str]]:
    """The fields of the bid form read out at the opening, with their public labels (disclosure table)."""
    return [(f.name, rule_for("opening_row", f.name).label) for f in procedure.bid_form if f.read_at_opening]


# ---- stages ---------------------------------------------------------------------------------------


def _award_of(lot: Lot) -> Any:
    if not evaluation_installed():
        return None
    from ggzy.evaluation.models import Award

    return Award.objects.filter(lot=lot).first()


def _opening_of(lot: Lot) -> Any:
    from ggzy.bidding.models import OpeningRecord

    return OpeningRecord.objects.filter(lot=lot).first()


def lot_stage(lot: Lot) -> Stage:
    notice = lot.notice
    if notice is None or notice.status == Notice.Status.DRAFT or notice.published_at is None:
        return Stage.UNPUBLISHED
    agreement = _framework_of(lot)
    if agreement is not None:  # 框架协议: the admission is its result, the agreement its contract
        return Stage.CONTRACTED if agreement.signed_at is not None else Stage.RESULT
    award = _award_of(lot)
    if award is not None:
        if award.contract_signed_at is not None:
            return Stage.CONTRACTED
        if award.awarded_at is not None:
            return Stage.RESULT
        return Stage.CANDIDATES
    record = _opening_of(lot)
    if record is not None:
        return Stage.OPENING_CLOSED if record.closed_at is not None else Stage.OPENED
    return Stage.PUBLISHED


def project_stage(project: Project) -> Stage:
    stages = [lot_stage(lot) for lot in project.lots.select_related("notice")]
    return max(stages, default=Stage.UNPUBLISHED)


def is_public_project(project: Project) -> bool:
    return project.notices.exclude(status=Notice.Status.DRAFT).filter(published_at__isnull=False).exists()


def public_notices() -> QuerySet[Notice]:
    return Notice.objects.exclude(status=Notice.Status.DRAFT).filter(published_at__isnull=False)


# ---- records ----------------------------------------------------------------------------------------


def entity_record(entity: Entity) -> Record:
    return public(
        "entity",
        Stage.UNPUBLISHED,
        {
            "uscc": entity.uscc,
            "name": entity.name,
            "kinds": entity.kind_values,
            "legal_representative": entity.legal_representative,
            "address": entity.address,
            "region_code": entity.region_id,
            "region_name": entity.region.full_name,
            "node": entity.node.name,
            "status": entity.status,
            "registered_at": entity.registered_at,
            "qualifications": [
                {
                    "name": q.name,
                    "level": q.level,
                    "certificate_no": q.certificate_no,
                    "valid_until": q.valid_until,
                }
                for q in entity.qualifications.all()
            ],
        },
    )


def project_record(project: Project, stage: Stage | None = None) -> Record:
    stage = project_stage(project) if stage is None else stage
    funding = []
    if project.state_budget_amount > 0:
        funding.append("财政预算资金")
    if project.state_owned_controlled:
        funding.append("国有资金控股或主导")
    if project.foreign_loan_or_aid:
        funding.append("国际组织或外国政府贷款、援助资金")
    if project.private_only:
        funding.append("非国有资金")
    node = project.node
    return public(
        "project",
        stage,
        {
            "code": project.code,
            "unified_deal_code": project.unified_deal_code,
            "name": project.name,
            "category": project.category,
            "principal_name": project.principal.name,
            "principal_uscc": project.principal.uscc,
            "agent_name": project.agent.name if project.agent else None,
            "agent_uscc": project.agent.uscc if project.agent else None,
            "total_investment": project.total_investment,
            "state_budget_amount": project.state_budget_amount,
            "funding": "、".join(funding) or "其他资金",
            "node": node.name,
            "platform_code": node.effective_platform_code,
            "region_code": node.region_id,
            "region_name": node.region.full_name,
            "must_enter": project.must_enter,
            "created_at": project.created_at,
        },
    )


def notice_record(notice: Notice) -> Record:
    stage = (
        Stage.PUBLISHED if notice.published_at and notice.status != Notice.Status.DRAFT else Stage.UNPUBLISHED
    )
    return public(
        "notice",
        stage,
        {
            "id": notice.pk,
            "title": notice.title,
            "body": notice.body,
            "method": notice.method,
            "status": notice.status,
            "published_at": notice.published_at,
            "docs_from": notice.docs_from,
            "docs_until": notice.docs_until,
            "bid_deadline": notice.bid_deadline,
            "opening_at": notice.opening_at,
            "validity_days": notice.validity_days,
            "terminated_at": notice.terminated_at,
            "termination_reason": notice.termination_reason,
        },
    )


def document_record(document: Document, *, with_text: bool = False) -> Record:
    notice = document.notice
    stage = (
        Stage.PUBLISHED if notice.published_at and notice.status != Notice.Status.DRAFT else Stage.UNPUBLISHED
    )
    values: Record = {
        "id": document.pk,
        "kind": document.kind,
        "title": document.title,
        "filename": document.filename,
        "size": document.size,
        "sm3": document.sm3,
        "signer": document.signer.name,
        "published_at": document.published_at,
        "new_bid_deadline": document.new_bid_deadline,
    }
    if with_text:
        values["text"] = document_text(document)
    return public("document", stage, values)


def _bid_manager(bid: Any) -> str | None:
    form = bid.bid_form or {}
    manager = form.get("project_manager")
    return str(manager) if manager else None


def lot_record(lot: Lot) -> Record:
    """The lot with everything public about it at its stage: opening record, candidates, award, contract.

    A method without candidates' publicity (government procurement) publishes no ranking: its result notice
    carries the winner, the price and the notice period (87号令 第69条), in `result`."""
    stage = lot_stage(lot)
    procedure = lot_spec(lot)
    record = public(
        "lot",
        stage,
        {
            "code": lot.code,
            "name": lot.name,
            "contract_kind": lot.contract_kind,
            "classify_code": lot.classify_code,
            "estimated_value": lot.estimated_value,
            "control_price": lot.control_price,
            "bond_amount": lot.bond_amount,
            "state": lot.state,
            "stage": int(stage),
            "outcome_reason": lot.outcome_reason,
        },
    )
    record["state_label"] = STATE_LABELS.get(lot.state, lot.state)
    record["stage_label"] = stage.label
    record["kind_label"] = KIND_LABELS.get(lot.contract_kind, lot.contract_kind)
    record["notice_id"] = lot.notice_id
    record["state_changed_at"] = lot.state_changed_at
    record["procedure"] = procedure.key
    record["procedure_id"] = procedure.id
    record["procedure_name"] = procedure.name
    record["candidate_publicity"] = procedure.candidate_publicity
    record["chain"] = lot_chain(lot)
    record["words"] = words(procedure)
    record["opening_columns"] = opening_columns(procedure)
    opening = _opening_of(lot)
    record["opening"] = None
    if opening is not None and stage >= Stage.OPENED:
        rows = [public("opening_row", stage, _opening_row(row)) for row in opening.rows or []]
        if not rows and stage < Stage.OPENING_CLOSED:
            rows = [
                public("opening_row", stage, {"bidder": b.bidder.name, "uscc": b.bidder.uscc})
                for b in _live_bids(lot)
            ]
        record["opening"] = {
            **public(
                "opening",
                stage,
                {"started_at": opening.started_at, "closed_at": opening.closed_at, "bidders": len(rows)},
            ),
            "rows": rows,
            # Each row with its cells in the order of the bid form's columns, for the page's table.
            "lines": [
                {"row": row, "cells": [row.get(name) for name, _ in record["opening_columns"]]}
                for row in rows
            ],
        }
    record["candidates"] = []
    record["publicity"] = None
    record["result"] = None
    record["award"] = None
    record["contract"] = None
    record["committee"] = []
    if evaluation_installed() and stage >= Stage.CANDIDATES:
        _evaluation_part(lot, stage, record, procedure)
    _framework_part(lot, stage, record)
    return record


def _framework_of(lot: Lot) -> Any:
    if not evaluation_installed():
        return None
    from ggzy.evaluation.models import FrameworkAgreement

    return FrameworkAgreement.objects.filter(lot=lot).first()


def _framework_part(lot: Lot, stage: Stage, record: Record) -> None:
    """A framework agreement's admitted suppliers, its term and the purchases made under it."""
    agreement = _framework_of(lot)
    record["framework"] = None
    if agreement is None or stage < Stage.RESULT:
        return
    record["framework"] = {
        **public(
            "framework",
            stage,
            {
                "admitted_at": agreement.admitted_at,
                "sign_due": agreement.sign_due,
                "signed_at": agreement.signed_at,
                "term_from": agreement.term_from,
                "term_until": agreement.term_until,
                "sm3": agreement.agreement_sm3,
            },
        ),
        "members": [
            public(
                "framework_member",
                stage,
                {"order": m.order, "supplier": m.supplier.name, "uscc": m.supplier.uscc, "price": m.price},
            )
            for m in agreement.members.select_related("supplier").order_by("order")
        ],
        "call_offs": [
            public(
                "call_off",
                stage,
                {
                    "method": c.get_method_display(),
                    "purchaser": c.purchaser.name,
                    "supplier": c.member.supplier.name,
                    "uscc": c.member.supplier.uscc,
                    "quantity": c.quantity,
                    "unit_price": c.unit_price,
                    "amount": c.amount,
                    "awarded_at": c.awarded_at,
                },
            )
            for c in agreement.call_offs.select_related("purchaser", "member__supplier").order_by(
                "awarded_at", "pk"
            )
        ]
        if stage >= Stage.CONTRACTED
        else [],
    }


def _live_bids(lot: Lot) -> list[Any]:
    from ggzy.bidding.models import Bid

    return list(
        lot.bids.exclude(status__in=[Bid.Status.SUPERSEDED, Bid.Status.WITHDRAWN]).select_related("bidder")
    )


def _opening_row(row: dict[str, Any]) -> Record:
    allowed = (
        "bidder",
        "uscc",
        "status",
        "price",
        "duration_days",
        "quality",
        "project_manager",
        "delivery_days",
        "brand",
        "bond",
        "decrypted_at",
        "fault",
    )
    return {key: row.get(key) for key in allowed if key in row}


def _evaluation_part(lot: Lot, stage: Stage, record: Record, procedure: ProcedureSpec) -> None:
    from ggzy.evaluation.models import Award, Candidate

    award = Award.objects.filter(lot=lot).select_related("winner__bidder").first()
    if award is None:
        return
    candidates = Candidate.objects.filter(evaluation__lot=lot).select_related("bid__bidder").order_by("rank")
    if not procedure.candidate_publicity:
        _result_notice(lot, stage, record, procedure, award, list(candidates))
        return
    record["candidates"] = [
        public(
            "candidate",
            stage,
            {
                "rank": c.rank,
                "bidder": c.bid.bidder.name,
                "uscc": c.bid.bidder.uscc,
                "price": c.price,
                "score": c.score,
                "project_manager": _bid_manager(c.bid),
                "publicity_from": award.publicity_from,
                "publicity_until": award.publicity_until,
            },
        )
        for c in candidates
    ]
    record["publicity"] = {"from": award.publicity_from, "until": award.publicity_until}
    if award.winner is not None and stage >= Stage.RESULT:
        price = next((c.price for c in candidates if c.bid_id == award.winner_id), None)
        record["award"] = public(
            "award",
            stage,
            {
                "winner": award.winner.bidder.name,
                "winner_uscc": award.winner.bidder.uscc,
                "price": price,
                "awarded_at": award.awarded_at,
            },
        )
        record["committee"] = _committee(lot, stage, procedure)
    _contract_part(stage, record, award)


def _committee(lot: Lot, stage: Stage, procedure: ProcedureSpec) -> list[Record]:
    from ggzy.evaluation.models import CommitteeMember

    said = words(procedure)
    kinds: dict[str, str] = {
        str(CommitteeMember.Kind.EXPERT): said["expert"],
        str(CommitteeMember.Kind.REPRESENTATIVE): said["representative"],
    }
    members = CommitteeMember.objects.filter(evaluation__lot=lot).select_related("user").order_by("id")
    return [
        public(
            "expert",
            stage,
            {
                "name": m.user.first_name or "（未登记姓名）",
                "kind": kinds.get(str(m.kind), m.get_kind_display()),
                "chair": m.is_chair,
            },
        )
        for m in members
    ]


def _contract_part(stage: Stage, record: Record, award: Any) -> None:
    if award.contract_signed_at is not None and stage >= Stage.CONTRACTED:
        record["contract"] = public(
            "contract",
            stage,
            {
                "amount": award.contract_amount,
                "signed_at": award.contract_signed_at,
                "performance_bond": award.performance_bond,
                "sm3": award.contract_sm3,
            },
        )


def _result_notice(
    lot: Lot, stage: Stage, record: Record, procedure: ProcedureSpec, award: Any, candidates: list[Any]
) -> None:
    """Procurement: no candidates' publicity. The purchaser's confirmation publishes the result at once with
    its notice period (Award.publicity_from/until), the winner and the price (87号令 第68–69条)."""
    if award.winner is None or stage < Stage.RESULT:
        return
    price = next((c.price for c in candidates if c.bid_id == award.winner_id), None)
    record["award"] = public(
        "award",
        stage,
        {
            "winner": award.winner.bidder.name,
            "winner_uscc": award.winner.bidder.uscc,
            "price": price,
            "awarded_at": award.awarded_at,
        },
    )
    from ggzy.evaluation.rules import award_rules_for

    period = award_rules_for(lot).result_notice_days
    record["result"] = public(
        "result_notice",
        stage,
        {
            "notice_from": award.publicity_from,
            "notice_until": award.publicity_until,
            "notice_period": period.text if period is not None else "",
            "deemed": award.deemed,
            "decision_reason": award.decision_reason,
        },
    )
    record["committee"] = _committee(lot, stage, procedure)
    _contract_part(stage, record, award)


# ---- the whole trade ----------------------------------------------------------------------------------


@dataclass
class Event:
    at: datetime
    kind: str
    title: str
    detail: str = ""
    lot: str = ""
    url: str = ""


def project_view(project: Project) -> Record:
    """Everything public about a project, with its timeline (oldest first)."""
    # A lot not yet published (added later, or a re-tender in preparation) has nothing public: left out.
    published = [
        lot
        for lot in project.lots.select_related("notice").order_by("seq")
        if lot_stage(lot) > Stage.UNPUBLISHED
    ]
    lots = [lot_record(lot) for lot in published]
    stage = max((Stage(lot["stage"]) for lot in lots), default=Stage.UNPUBLISHED)
    procedure = project_spec(project)
    notices = []
    for notice in public_notices().filter(project=project).order_by("published_at", "id"):
        docs = [
            document_record(d)
            for d in notice.documents.select_related("signer", "notice").order_by("published_at", "id")
        ]
        of_notice = notice_spec(notice)
        notices.append(
            {
                **notice_record(notice),
                "documents": docs,
                "method_label": method_label(of_notice, notice.method),
                "method_details": method_details(of_notice, notice.method),
                "procedure": of_notice.key,
            }
        )
    view = {
        **project_record(project, stage),
        "category_label": category_label(project.category),
        "procedure": procedure.key,
        "procedure_name": procedure.name,
        "words": words(procedure),
        "stage": int(stage),
        "stage_label": stage.label,
        "lots": lots,
        "notices": notices,
    }
    view["timeline"] = timeline(view)
    return view


def timeline(view: Record) -> list[Event]:
    code = view["code"]
    said = view.get("words") or words(CONSTRUCTION_TENDER_SPEC)
    events: list[Event] = []
    for notice in view["notices"]:
        events.append(
            Event(
                notice["published_at"],
                "notice",
                f"发布{notice['method_label']}公告",
                notice["title"],
                url=f"/portal/notices/{notice['id']}/",
            )
        )
        for doc in notice["documents"]:
            label = {
                "tender_documents": f"发布{said['documents']}",
                "clarification": "发布澄清",
                "amendment": "发布修改",
            }.get(doc["kind"], "发布文件")
            detail = doc["title"]
            if doc.get("new_bid_deadline"):
                detail += f"（投标截止时间顺延至{_fmt(doc['new_bid_deadline'])}）"
            events.append(Event(doc["published_at"], doc["kind"], label, detail))
        if notice.get("terminated_at"):
            events.append(
                Event(notice["terminated_at"], "terminated", "终止招标", notice.get("termination_reason", ""))
            )
    for lot in view["lots"]:
        lot_words = lot.get("words") or said
        opening = lot.get("opening")
        if opening:
            events.append(
                Event(
                    opening["started_at"],
                    "opening",
                    "开标",
                    f"{opening['bidders']}家{lot_words['bidder']}",
                    lot["code"],
                )
            )
            if opening.get("closed_at"):
                events.append(Event(opening["closed_at"], "opening_record", "公布开标记录", "", lot["code"]))
        if lot["state"] == Lot.State.FAILED:
            events.append(
                Event(
                    lot["state_changed_at"],
                    "failed",
                    lot_words["failed"],
                    lot.get("outcome_reason", ""),
                    lot["code"],
                )
            )
        publicity = lot.get("publicity")
        if lot["candidates"] and publicity:
            names = "、".join(f"第{c['rank']}名 {c['bidder']}" for c in lot["candidates"])
            events.append(
                Event(
                    publicity["from"],
                    "candidates",
                    "中标候选人公示",
                    f"{names}；公示至{_fmt(publicity['until'])}",
                    lot["code"],
                )
            )
        if lot["award"]:
            detail = f"{lot_words['winner']} {lot['award']['winner']}，中标金额 {lot['award']['price']} 元"
            result = lot.get("result")
            if result:
                detail += f"；公告期至{_fmt(result['notice_until'])}"
            events.append(Event(lot["award"]["awarded_at"], "award", "中标结果公告", detail, lot["code"]))
        if lot["contract"]:
            events.append(
                Event(
                    lot["contract"]["signed_at"],
                    "contract",
                    "签订合同",
                    f"合同金额 {lot['contract']['amount']} 元",
                    lot["code"],
                )
            )
        if lot["state"] == Lot.State.ARCHIVED:
            events.append(Event(lot["state_changed_at"], "archived", "归档", "", lot["code"]))
    events.sort(key=lambda e: e.at)
    for event in events:
        if event.lot and not event.url:
            event.url = f"/portal/projects/{code}/#lot-{event.lot}"
    return events


def _fmt(moment: datetime | None) -> str:
    from django.utils import timezone

    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# ---- document text ------------------------------------------------------------------------------------


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


MAX_TEXT = 200_000


def _decode(data: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="ignore")


def extract_text(filename: str, data: bytes) -> str:
    """Text of a published file: .txt, .html/.htm, and .pdf (pypdf, pure Python); else nothing."""
    name = filename.lower()
    if data.startswith(b"%PDF-"):
        return _pdf_text(data)
    if name.endswith((".html", ".htm")):
        parser = _TextOnly()
        parser.feed(_decode(data))
        return html.unescape(re.sub(r"\s+", " ", " ".join(parser.parts))).strip()[:MAX_TEXT]
    if name.endswith((".txt", ".md", ".csv")):
        return _decode(data)[:MAX_TEXT]
    return ""


def _pdf_text(data: bytes) -> str:
    import io

    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is a dependency; without it PDFs are indexed by title only
        return ""
    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join((page.extract_text() or "") for page in reader.pages)[:MAX_TEXT]
    except Exception:
        return ""


def document_text(document: Document) -> str:
    try:
        with document.file.open("rb") as handle:
            data = handle.read(8 * 1024 * 1024)
    except (OSError, ValueError):
        return ""
    return extract_text(document.filename, data)


def ocid_prefix() -> str:
    return str(getattr(settings, "OCDS_OCID_PREFIX", "ocds-ggzy00-"))
