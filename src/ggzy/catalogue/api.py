"""Trading catalogue endpoints: versions and items, the catalogue in force, "must this project enter the
platform?", public comments, and the operators' management actions."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from ggzy.catalogue import actions, queries, rules
from ggzy.catalogue.models import CatalogueVersion, TradeCategory
from ggzy.catalogue.schemas import (
    AdoptIn,
    CommentIn,
    CommentOut,
    ConsultationIn,
    DecisionOut,
    FactsIn,
    ItemChange,
    ItemIn,
    ItemOut,
    NationalIn,
    VersionDetailOut,
    VersionIn,
    VersionOut,
)
from ggzy.kernel import clock
from ggzy.registry.api_auth import ANYONE
from ggzy.registry.auth import actor_from_request

router = Router(tags=["catalogue"])


class CommentAck(Schema):
    id: int
    version_id: int


@router.get("/reference", auth=None, summary="交易类别、标的分类代码（D6）与16号令限额（含依据）")
def reference(request: HttpRequest) -> dict[str, Any]:
    return {
        "categories": [{"code": c.value, "label": c.label} for c in TradeCategory],
        "subject_kinds": {
            "rule": rules.SUBJECT_KIND_RULE.as_json(),
            "rows": [
                {"code": k, "name": r.name, "contract_kind": r.contract_kind}
                for k, r in rules.SUBJECT_KINDS.items()
            ],
        },
        "engineering_classes": {
            "rule": rules.ENGINEERING_CLASS_RULE.as_json(),
            "rows": [
                {"code": k, "name": r.name, "contract_kind": r.contract_kind}
                for k, r in rules.ENGINEERING_CLASSES.items()
            ],
        },
        "must_tender_thresholds": [
            {"kind": t.kind, "label": t.zh, "amount": str(t.amount), "rule": t.legal.as_json()}
            for t in rules.THRESHOLDS.values()
        ],
        "budget_funds": {
            "amount": str(rules.BUDGET_FUNDS.value),
            "share": str(rules.BUDGET_SHARE.value),
            "rule": rules.BUDGET_FUNDS.legal.as_json(),
        },
        "comment_days": {
            "days": rules.comment_days(),
            "rule": rules.comment_rule().as_json(),
            "unconfirmed": rules.COMMENT_PERIOD.unconfirmed,
        },
    }


@router.get("/versions", response=list[VersionOut], auth=ANYONE, summary="交易目录版本（草稿仅交易中心可见）")
def list_versions(
    request: HttpRequest, node_id: int | None = None, status: str | None = None
) -> list[VersionOut]:
    qs = queries.visible_versions(actor_from_request(request))
    if node_id is not None:
        qs = qs.filter(node_id=node_id)
    if status:
        qs = qs.filter(status=status)
    return [queries.version_out(v) for v in qs]


@router.get("/versions/{version_id}", response=VersionDetailOut, auth=ANYONE, summary="交易目录版本及条目")
def get_version(request: HttpRequest, version_id: int) -> VersionDetailOut:
    return queries.version_detail(queries.version_for(actor_from_request(request), version_id))


@router.get("/effective", response=VersionDetailOut, auth=None, summary="某节点某日施行的交易目录")
def get_effective(
    request: HttpRequest, node_id: int | None = None, on: date | None = None
) -> VersionDetailOut:
    node = queries.node_by_id(node_id)
    return queries.version_detail(queries.version_in_force(node, on or clock.today()))


@router.post("/must-enter", response=DecisionOut, auth=None, summary="项目是否必须进入平台交易，及理由")
def must_enter(
    request: HttpRequest, payload: FactsIn, node_id: int | None = None, on: date | None = None
) -> DecisionOut:
    node = queries.node_by_id(node_id)
    on_date = on or clock.today()
    decision, version = queries.decide_for(payload.to_facts(), node, on_date)
    return DecisionOut.of(decision, version.pk, node.pk, on_date)


# --- management (operators) ------------------------------------------------------------------------------


def _detail(version: CatalogueVersion) -> VersionDetailOut:
    return queries.version_detail(CatalogueVersion.objects.select_related("node").get(pk=version.pk))


@router.post("/versions", response={201: VersionDetailOut}, summary="起草交易目录（市级目录依据省级目录）")
def create_draft(request: HttpRequest, payload: VersionIn) -> Status[VersionDetailOut]:
    version = actions.create_draft(actor_from_request(request), **payload.dict())
    return Status(201, _detail(version))


@router.post("/versions/{version_id}/items", response={201: ItemOut}, summary="增加目录条目（草稿）")
def add_item(request: HttpRequest, version_id: int, payload: ItemIn) -> Status[ItemOut]:
    item = actions.add_item(actor_from_request(request), version_id, payload)
    return Status(201, queries.item_out(item))


@router.patch("/items/{item_id}", response=ItemOut, summary="修改目录条目（草稿）")
def change_item(request: HttpRequest, item_id: int, payload: ItemChange) -> ItemOut:
    return queries.item_out(actions.change_item(actor_from_request(request), item_id, payload))


@router.delete("/items/{item_id}", response={204: None}, summary="删除目录条目（草稿）")
def remove_item(request: HttpRequest, item_id: int) -> Status[None]:
    actions.remove_item(actor_from_request(request), item_id)
    return Status(204, None)


@router.post("/versions/{version_id}/consultation", response=VersionDetailOut, summary="公开征求意见")
def open_consultation(request: HttpRequest, version_id: int, payload: ConsultationIn) -> VersionDetailOut:
    version = actions.open_consultation(actor_from_request(request), version_id, payload.comment_until)
    return _detail(version)


@router.post("/versions/{version_id}/adopt", response=VersionDetailOut, summary="发布施行（征求意见期满后）")
def adopt(request: HttpRequest, version_id: int, payload: AdoptIn) -> VersionDetailOut:
    version = actions.adopt(actor_from_request(request), version_id, payload.effective_from, payload.citation)
    return _detail(version)


@router.post("/national", response={201: VersionDetailOut}, summary="加载国家规定汇编目录（省级，演示）")
def load_national(request: HttpRequest, payload: NationalIn) -> Status[VersionDetailOut]:
    version = actions.load_national_catalogue(
        actor_from_request(request), payload.node_id, payload.effective_from
    )
    return Status(201, _detail(version))


# --- comments --------------------------------------------------------------------------------------------


@router.post(
    "/versions/{version_id}/comments",
    response={201: CommentAck},
    auth=ANYONE,
    summary="提交意见（任何人，征求意见期内）",
)
def submit_comment(request: HttpRequest, version_id: int, payload: CommentIn) -> Status[CommentAck]:
    comment = actions.submit_comment(actor_from_request(request), version_id, payload.text)
    return Status(201, CommentAck(id=comment.pk, version_id=version_id))


@router.get("/versions/{version_id}/comments", response=list[CommentOut], summary="收到的意见（交易中心）")
def list_comments(request: HttpRequest, version_id: int) -> list[CommentOut]:
    actor = actor_from_request(request)
    return queries.comments_for(actor, queries.version_for(actor, version_id))
