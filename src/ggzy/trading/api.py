"""Trading endpoints: projects, notices, documents, clarifications, objections, downloads."""

from datetime import datetime

from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from ggzy.kernel.errors import NotFound
from ggzy.kernel.limits import Code, Reason
from ggzy.registry.api_auth import ANYONE
from ggzy.registry.auth import actor_from_request
from ggzy.trading import actions, invitations, queries, recommendations
from ggzy.trading.models import InviteeDraw, MethodChange, Objection
from ggzy.trading.schemas import (
    AnswerIn,
    BidFormOut,
    DocumentMeta,
    DocumentOut,
    InviteeDrawIn,
    InviteeDrawOut,
    LotOut,
    NoticeIn,
    NoticeOut,
    ObjectionIn,
    ObjectionOut,
    ProjectIn,
    ProjectOut,
    TerminateIn,
)

router = Router(tags=["trading"])


class DownloaderOut(Schema):
    entity: str
    uscc: str
    document: str
    downloaded_at: str


@router.post("/projects", response={201: ProjectOut}, summary="登记交易项目及标段")
def create_project(request: HttpRequest, payload: ProjectIn) -> Status[ProjectOut]:
    project = actions.create_project(actor_from_request(request), payload)
    return Status(201, queries.project_out(project))


@router.get("/projects/{code}", response=ProjectOut, auth=ANYONE, summary="项目信息")
def get_project(request: HttpRequest, code: str) -> ProjectOut:
    return queries.project_out(queries.project_for(actor_from_request(request), code))


@router.post("/projects/{code}/notices", response={201: NoticeOut}, summary="起草招标公告/投标邀请书")
def create_notice(request: HttpRequest, code: str, payload: NoticeIn) -> Status[NoticeOut]:
    notice = actions.create_notice(actor_from_request(request), code, payload)
    return Status(201, queries.notice_out(notice))


@router.get("/notices/{notice_id}", response=NoticeOut, auth=ANYONE, summary="公告")
def get_notice(request: HttpRequest, notice_id: int) -> NoticeOut:
    return queries.notice_out(queries.notice_for(actor_from_request(request), notice_id))


@router.post(
    "/notices/{notice_id}/documents", response={201: DocumentOut}, summary="上传招标文件（附SM2签名）"
)
def attach_document(
    request: HttpRequest, notice_id: int, meta: Form[DocumentMeta], file: File[UploadedFile]
) -> Status[DocumentOut]:
    doc = actions.attach_document(
        actor_from_request(request), notice_id, meta, file.name or "file", file.read()
    )
    return Status(201, queries.document_out(doc))


@router.post("/notices/{notice_id}/publish", response=NoticeOut, summary="发布公告")
def publish_notice(request: HttpRequest, notice_id: int) -> NoticeOut:
    return queries.notice_out(actions.publish_notice(actor_from_request(request), notice_id))


@router.post(
    "/notices/{notice_id}/clarifications", response={201: DocumentOut}, summary="澄清或修改（可顺延截止时间）"
)
def clarify(
    request: HttpRequest, notice_id: int, meta: Form[DocumentMeta], file: File[UploadedFile]
) -> Status[DocumentOut]:
    doc = actions.clarify(actor_from_request(request), notice_id, meta, file.name or "file", file.read())
    return Status(201, queries.document_out(doc))


@router.post("/notices/{notice_id}/terminate", response=NoticeOut, summary="终止招标")
def terminate(request: HttpRequest, notice_id: int, payload: TerminateIn) -> NoticeOut:
    return queries.notice_out(
        actions.terminate_notice(actor_from_request(request), notice_id, payload.reason)
    )


@router.get("/documents/{document_id}/download", summary="下载招标文件（记录下载人，截止前保密）")
def download(request: HttpRequest, document_id: int) -> FileResponse:
    document = actions.download_document(actor_from_request(request), document_id)
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.filename)
    response["X-Content-SM3"] = document.sm3
    response["X-Signature-SM2"] = document.signature
    return response


@router.get("/notices/{notice_id}/downloads", response=list[DownloaderOut], summary="文件获取记录（截止后）")
def downloads(request: HttpRequest, notice_id: int) -> list[DownloaderOut]:
    actor = actor_from_request(request)
    notice = queries.notice_for(actor, notice_id)
    return [
        DownloaderOut(
            entity=d.entity.name,
            uscc=d.entity.uscc,
            document=d.document.title,
            downloaded_at=d.downloaded_at.isoformat(),
        )
        for d in actions.list_downloads(actor, notice)
    ]


@router.post("/notices/{notice_id}/objections", response={201: ObjectionOut}, summary="对招标文件提出异议")
def raise_objection(request: HttpRequest, notice_id: int, payload: ObjectionIn) -> Status[ObjectionOut]:
    objection = actions.raise_objection(actor_from_request(request), notice_id, payload.text)
    return Status(201, queries.objection_out(objection))


@router.get("/notices/{notice_id}/objections", response=list[ObjectionOut], auth=ANYONE, summary="异议及答复")
def list_objections(request: HttpRequest, notice_id: int) -> list[ObjectionOut]:
    notice = queries.notice_for(actor_from_request(request), notice_id)
    return [queries.objection_out(o) for o in Objection.objects.filter(notice=notice)]


@router.post("/objections/{objection_id}/answer", response=ObjectionOut, summary="答复异议")
def answer_objection(request: HttpRequest, objection_id: int, payload: AnswerIn) -> ObjectionOut:
    return queries.objection_out(
        actions.answer_objection(actor_from_request(request), objection_id, payload.answer)
    )


@router.post(
    "/notices/{notice_id}/invitee-draw",
    response={201: InviteeDrawOut},
    summary="邀请招标：确定备选供应商并承诺随机种子",
)
def commit_invitee_draw(
    request: HttpRequest, notice_id: int, payload: InviteeDrawIn
) -> Status[InviteeDrawOut]:
    draw = invitations.commit_invitee_draw(actor_from_request(request), notice_id, payload)
    return Status(201, invitations.draw_out(draw, show_names=True))


class RecommendationIn(Schema):
    supplier: Code = Field(description="被推荐供应商统一社会信用代码")
    opinion: Reason = Field(description="书面推荐意见")


class RecommendationOut(Schema):
    supplier: str
    by_purchaser: bool
    recommender: str
    opinion: str
    made_at: datetime


@router.post(
    "/notices/{notice_id}/recommendations",
    response={201: RecommendationOut},
    summary="书面推荐供应商（采购人或评审专家，竞争性谈判、询价、磋商）",
)
def recommend_supplier(
    request: HttpRequest, notice_id: int, payload: RecommendationIn
) -> Status[RecommendationOut]:
    r = recommendations.recommend_supplier(
        actor_from_request(request), notice_id, payload.supplier, payload.opinion
    )
    return Status(
        201,
        RecommendationOut(
            supplier=r.supplier.uscc,
            by_purchaser=r.by_purchaser,
            recommender=r.recommender_name,
            opinion=r.opinion,
            made_at=r.made_at,
        ),
    )


@router.post(
    "/notices/{notice_id}/invitee-draw/execute",
    response=InviteeDrawOut,
    summary="邀请招标：随机抽取被邀请供应商",
)
def execute_invitee_draw(request: HttpRequest, notice_id: int) -> InviteeDrawOut:
    draw = invitations.execute_invitee_draw(actor_from_request(request), notice_id)
    return invitations.draw_out(draw, show_names=True)


@router.get(
    "/notices/{notice_id}/invitee-draw", response=InviteeDrawOut, auth=ANYONE, summary="邀请供应商抽取记录"
)
def get_invitee_draw(request: HttpRequest, notice_id: int) -> InviteeDrawOut:
    actor = actor_from_request(request)
    notice = queries.notice_for(actor, notice_id)
    draw = InviteeDraw.objects.filter(notice=notice).first()
    if draw is None:
        raise NotFound(
            "invitee_draw_not_found", "本公告没有供应商抽取记录", "No invitee draw for this notice"
        )
    # Who was drawn is sealed like the invitations until the deadline (电子招标投标办法 第21条).
    return invitations.draw_out(
        draw, show_names=queries.is_party(actor, notice.project) or queries.deadline_passed(notice)
    )


@router.get(
    "/lots/{code}/bid-form", response=BidFormOut, auth=ANYONE, summary="标段的投标函格式（开标一览表字段）"
)
def get_bid_form(request: HttpRequest, code: str) -> BidFormOut:
    return queries.bid_form_out(actor_from_request(request), code)


@router.post(
    "/lots/{code}/retender", response={201: LotOut}, summary="流标后重新招标（或按批准的方式重新采购）"
)
def retender(request: HttpRequest, code: str, procedure: str = "") -> Status[LotOut]:
    lot = actions.retender(actor_from_request(request), code, procedure or None)
    return Status(201, queries.lot_out(lot))


class MethodChangeIn(Schema):
    procedure: Code = Field(description="申请采用的采购方式，如 procurement_single_source、procurement_rfq")
    reason: Reason


class MethodChangeDecisionIn(Schema):
    approve: bool
    decision_no: Code = Field(description="批复文号")
    reason: Reason = ""


class MethodChangeOut(Schema):
    lot: str
    procedure: str
    status: str
    decision_no: str


def _change_out(change: MethodChange) -> MethodChangeOut:
    return MethodChangeOut(
        lot=change.lot.code, procedure=change.procedure, status=change.status, decision_no=change.decision_no
    )


@router.post(
    "/lots/{code}/method-change",
    response={201: MethodChangeOut},
    summary="申请变更采购方式（报财政部门批准）",
)
def request_method_change(
    request: HttpRequest, code: str, payload: MethodChangeIn
) -> Status[MethodChangeOut]:
    change = actions.request_method_change(
        actor_from_request(request), code, payload.procedure, payload.reason
    )
    return Status(201, _change_out(change))


class ApprovalIn(Schema):
    reason: Reason = Field(description="采用非招标采购方式的理由")


@router.post(
    "/lots/{code}/method-approval",
    response={201: MethodChangeOut},
    summary="达到公开招标数额标准采用非招标采购方式：采购活动开始前报财政部门批准",
)
def request_method_approval(request: HttpRequest, code: str, payload: ApprovalIn) -> Status[MethodChangeOut]:
    return Status(
        201, _change_out(actions.request_method_approval(actor_from_request(request), code, payload.reason))
    )


@router.post(
    "/lots/{code}/method-change/decision", response=MethodChangeOut, summary="财政部门批复变更采购方式"
)
def decide_method_change(request: HttpRequest, code: str, payload: MethodChangeDecisionIn) -> MethodChangeOut:
    change = actions.decide_method_change(
        actor_from_request(request), code, payload.approve, payload.decision_no, payload.reason
    )
    return _change_out(change)
