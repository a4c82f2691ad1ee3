"""Evaluation, award and contract endpoints."""

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from ggzy.bidding.models import Round
from ggzy.evaluation import actions, award, framework, negotiation
from ggzy.evaluation.models import CallOff, Evaluation, FrameworkAgreement, RequirementChange
from ggzy.evaluation.schemas import (
    AgreementIn,
    AgreementOut,
    AnswerIn,
    AwardIn,
    CallOffIn,
    CallOffOut,
    CandidateOut,
    ChangeIn,
    ChangeOut,
    CommitteeIn,
    ConfirmIn,
    ContractIn,
    EvaluationOut,
    FailIn,
    MemberOut,
    MessageIn,
    MessageOut,
    NegotiationOut,
    PlanIn,
    PublicityIn,
    QuestionIn,
    RejectIn,
    RoundIn,
    RoundOut,
    ScoresIn,
    SignatureIn,
    SignInIn,
)
from ggzy.kernel.errors import NotFound, PermissionDenied
from ggzy.kernel.roles import Actor
from ggzy.registry.auth import actor_from_request
from ggzy.trading.queries import is_overseer, is_party, objection_out
from ggzy.trading.schemas import ObjectionIn, ObjectionOut

router = Router(tags=["evaluation"])


class Done(Schema):
    ok: bool = True


def _evaluation_for(actor: Actor, lot_code: str) -> Evaluation:
    evaluation = Evaluation.objects.select_related("lot__project").filter(lot__code=lot_code).first()
    if evaluation is None:
        raise NotFound("evaluation_not_started", "评标尚未开始", "The evaluation has not started")
    member = evaluation.members.filter(user_id=actor.user_id or 0).exists()
    if not (member or is_party(actor, evaluation.lot.project) or is_overseer(actor, evaluation.lot.project)):
        raise PermissionDenied(
            "evaluation_confidential", "评标过程保密，仅评标委员会、招标人和监督人员可见", "Confidential"
        )
    return evaluation


def evaluation_out(evaluation: Evaluation) -> EvaluationOut:
    plan = actions.plan_of(evaluation.lot)
    return EvaluationOut(
        lot=evaluation.lot.code,
        status=evaluation.status,
        method=plan.method,
        started_at=evaluation.started_at,
        planned_end=evaluation.planned_end,
        report_sm3=evaluation.report_sm3,
        members=evaluation.members.count(),
        signed=evaluation.members.filter(signed_report_at__isnull=False).count(),
        candidates=[
            CandidateOut(
                rank=c.rank, bidder=c.bid.bidder.name, uscc=c.bid.bidder.uscc, price=c.price, score=c.score
            )
            for c in evaluation.candidates.select_related("bid__bidder")
        ],
    )


@router.post("/lots/{code}/plan", response=Done, summary="设置评标办法（开标前）")
def set_plan(request: HttpRequest, code: str, payload: PlanIn) -> Done:
    actions.set_plan(actor_from_request(request), code, payload)
    return Done()


@router.post(
    "/lots/{code}/start", response={201: EvaluationOut}, summary="组建评标委员会并开始评标（交易中心）"
)
def start(request: HttpRequest, code: str, payload: CommitteeIn) -> Status[EvaluationOut]:
    return Status(201, evaluation_out(actions.start_evaluation(actor_from_request(request), code, payload)))


@router.get("/lots/{code}", response=EvaluationOut, summary="评标进度与候选人")
def get_evaluation(request: HttpRequest, code: str) -> EvaluationOut:
    return evaluation_out(_evaluation_for(actor_from_request(request), code))


class BidForCommitteeOut(Schema):
    receipt_no: str
    bidder: str
    price: str | None
    bid_form: dict[str, object] | None
    files: list[str]
    rejected: bool


@router.get("/lots/{code}/bids", response=list[BidForCommitteeOut], summary="评标委员会查看已解密的投标文件")
def committee_bids(request: HttpRequest, code: str) -> list[BidForCommitteeOut]:
    actor = actor_from_request(request)
    evaluation = _evaluation_for(actor, code)
    if not evaluation.members.filter(user_id=actor.user_id or 0).exists() and not is_overseer(
        actor, evaluation.lot.project
    ):
        raise PermissionDenied("not_a_member", "仅评标委员会成员和监督人员可查看投标文件", "Committee only")
    return [
        BidForCommitteeOut(
            receipt_no=b.receipt_no,
            bidder=b.bidder.name,
            price=(b.bid_form or {}).get("price"),
            bid_form=b.bid_form,
            files=[f["name"] for f in b.manifest.get("files", [])],
            rejected=hasattr(b, "rejection"),
        )
        for b in actions.standing_bids(evaluation.lot).select_related("bidder")
    ]


@router.get("/lots/{code}/bids/{receipt_no}/files/{name}", summary="阅读一份解密后的投标文件（留痕）")
def committee_bid_file(request: HttpRequest, code: str, receipt_no: str, name: str) -> HttpResponse:
    data = actions.read_bid_file(actor_from_request(request), code, receipt_no, name)
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = "attachment"
    return response


@router.post("/lots/{code}/sign-in", response=Done, summary="评标专家签到并声明无利害关系")
def sign_in(request: HttpRequest, code: str, payload: SignInIn) -> Done:
    actions.sign_in(actor_from_request(request), code, payload.public_key, payload.no_conflict)
    return Done()


@router.post("/lots/{code}/scores", response=Done, summary="提交评分")
def scores(request: HttpRequest, code: str, payload: ScoresIn) -> Done:
    actions.submit_scores(actor_from_request(request), code, payload.scores)
    return Done()


@router.post("/lots/{code}/rejections", response=Done, summary="否决投标（组长）")
def reject(request: HttpRequest, code: str, payload: RejectIn) -> Done:
    actions.reject_bid(actor_from_request(request), code, payload.receipt_no, payload.ground, payload.reason)
    return Done()


@router.post("/lots/{code}/questions", response=Done, summary="要求投标人澄清")
def ask(request: HttpRequest, code: str, payload: QuestionIn) -> Done:
    actions.ask_bidder(actor_from_request(request), code, payload.receipt_no, payload.question)
    return Done()


@router.post("/questions/{question_id}/answer", response=Done, summary="投标人答复澄清")
def answer(request: HttpRequest, question_id: int, payload: AnswerIn) -> Done:
    actions.answer_question(actor_from_request(request), question_id, payload.answer)
    return Done()


@router.post("/lots/{code}/extension", response=EvaluationOut, summary="申请延长评标时间")
def extension(request: HttpRequest, code: str) -> EvaluationOut:
    return evaluation_out(actions.ask_extension(actor_from_request(request), code))


@router.post("/lots/{code}/finish", response=EvaluationOut, summary="结束评分，生成评标报告（组长）")
def finish(request: HttpRequest, code: str) -> EvaluationOut:
    return evaluation_out(actions.finish_scoring(actor_from_request(request), code))


@router.get("/lots/{code}/report.pdf", summary="评标报告PDF")
def report_pdf(request: HttpRequest, code: str) -> FileResponse:
    evaluation = _evaluation_for(actor_from_request(request), code)
    if not evaluation.report_pdf:
        raise NotFound("report_missing", "评标报告尚未生成", "No report yet")
    response = FileResponse(evaluation.report_pdf.open("rb"), content_type="application/pdf")
    response["X-Content-SM3"] = evaluation.report_sm3
    return response


@router.post("/lots/{code}/signatures", response=EvaluationOut, summary="评标委员会成员签署评标报告")
def sign(request: HttpRequest, code: str, payload: SignatureIn) -> EvaluationOut:
    return evaluation_out(actions.sign_report(actor_from_request(request), code, payload.signature))


@router.post("/lots/{code}/publicity", response=Done, summary="公示中标候选人")
def publicity(request: HttpRequest, code: str, payload: PublicityIn) -> Done:
    award.publish_candidates(
        actor_from_request(request), code, payload.publicity_from, payload.publicity_until
    )
    return Done()


@router.post("/lots/{code}/result-objections", response={201: ObjectionOut}, summary="对评标结果提出异议")
def result_objection(request: HttpRequest, code: str, payload: ObjectionIn) -> Status[ObjectionOut]:
    return Status(201, objection_out(award.object_to_result(actor_from_request(request), code, payload.text)))


@router.post("/lots/{code}/award", response=Done, summary="确定中标人")
def award_lot(request: HttpRequest, code: str, payload: AwardIn) -> Done:
    award.award_lot(actor_from_request(request), code, payload.receipt_no)
    return Done()


@router.post("/lots/{code}/confirm", response=Done, summary="政府采购：采购人按顺序确定中标供应商并公告结果")
def confirm_result(request: HttpRequest, code: str, payload: ConfirmIn) -> Done:
    award.confirm_result(actor_from_request(request), code, payload.receipt_no, payload.reason)
    return Done()


@router.post("/lots/{code}/fail", response=Done, summary="合格投标人不足，废标")
def fail_evaluation(request: HttpRequest, code: str, payload: FailIn) -> Done:
    actions.fail_evaluation(actor_from_request(request), code, payload.reason)
    return Done()


@router.post("/lots/{code}/supervisor-report", response=Done, summary="向行政监督部门提交书面报告")
def supervisor_report(request: HttpRequest, code: str) -> Done:
    award.report_to_supervisor(actor_from_request(request), code)
    return Done()


@router.post("/lots/{code}/contract", response=Done, summary="签订合同")
def contract(request: HttpRequest, code: str, payload: ContractIn) -> Done:
    award.sign_contract(
        actor_from_request(request), code, payload.amount, payload.performance_bond, payload.contract_sm3
    )
    return Done()


# ---- negotiation (竞争性谈判, 竞争性磋商) ----------------------------------------------------------------


def round_out(r: Round) -> RoundOut:
    return RoundOut(
        number=r.number,
        final=r.final,
        deadline=r.deadline,
        status=r.status,
        requirements=r.requirements,
        decrypt_closes_at=r.decrypt_closes_at,
    )


def change_out(c: RequirementChange) -> ChangeOut:
    return ChangeOut(id=c.pk, text=c.text, proposed_at=c.proposed_at, confirmed_at=c.confirmed_at)


@router.get(
    "/lots/{code}/negotiation",
    response=NegotiationOut,
    summary="谈判（磋商）记录：谈判小组看全部，供应商看本单位",
)
def negotiation_record(request: HttpRequest, code: str) -> NegotiationOut:
    actor = actor_from_request(request)
    messages = negotiation.channel(actor, code)  # refuses anyone but the panel and the suppliers in it
    evaluation = Evaluation.objects.select_related("lot").get(lot__code=code)
    panel = evaluation.members.filter(user_id=actor.user_id or 0).exists()
    rounds = evaluation.lot.rounds.order_by("number")
    if not panel:
        rounds = rounds.filter(suppliers=actor.entity_id)
    changes = evaluation.requirement_changes.all()
    return NegotiationOut(
        lot=code,
        rounds=[round_out(r) for r in rounds],
        messages=[
            MessageOut(supplier=m.supplier.uscc, from_panel=m.from_panel, text=m.text, sent_at=m.sent_at)
            for m in messages
        ],
        # A supplier learns of a change when it is confirmed and sent to all (74号令 第32条).
        changes=[
            change_out(c)
            for c in (changes if panel else changes.filter(notices__supplier_id=actor.entity_id))
        ],
        unheard=[s.uscc for s in negotiation.unheard(evaluation)] if panel else [],
    )


@router.post("/lots/{code}/negotiation/messages", response={201: MessageOut}, summary="谈判记录：发言")
def negotiation_message(request: HttpRequest, code: str, payload: MessageIn) -> Status[MessageOut]:
    m = negotiation.send_message(actor_from_request(request), code, payload.supplier, payload.text)
    return Status(
        201, MessageOut(supplier=m.supplier.uscc, from_panel=m.from_panel, text=m.text, sent_at=m.sent_at)
    )


@router.post(
    "/lots/{code}/negotiation/leave", response={200: list[str]}, summary="最后报价截止前退出谈判（磋商）"
)
def leave_negotiation(request: HttpRequest, code: str) -> list[str]:
    """The receipts of the responses withdrawn."""
    return [b.receipt_no for b in negotiation.leave_negotiation(actor_from_request(request), code)]


@router.post("/lots/{code}/negotiation/changes", response={201: ChangeOut}, summary="提出采购需求实质性变动")
def propose_change(request: HttpRequest, code: str, payload: ChangeIn) -> Status[ChangeOut]:
    return Status(
        201, change_out(negotiation.propose_change(actor_from_request(request), code, payload.text))
    )


@router.post(
    "/lots/{code}/negotiation/changes/{change_id}/confirm",
    response=ChangeOut,
    summary="采购人代表确认实质性变动（同时书面通知全部供应商）",
)
def confirm_change(request: HttpRequest, code: str, change_id: int) -> ChangeOut:
    return change_out(negotiation.confirm_change(actor_from_request(request), code, change_id))


@router.post(
    "/lots/{code}/negotiation/changes/{change_id}/withdraw",
    response=ChangeOut,
    summary="撤回实质性变动（谈判小组）或不予确认（采购人代表）",
)
def withdraw_change(request: HttpRequest, code: str, change_id: int) -> ChangeOut:
    return change_out(negotiation.withdraw_change(actor_from_request(request), code, change_id))


@router.post(
    "/lots/{code}/negotiation/rounds",
    response={201: RoundOut},
    summary="要求提交加密的响应文件或最后报价（组长）",
)
def open_round(request: HttpRequest, code: str, payload: RoundIn) -> Status[RoundOut]:
    r = negotiation.open_round(
        actor_from_request(request), code, payload.minutes, payload.final, payload.requirements
    )
    return Status(201, round_out(r))


# ---- framework agreements (框架协议采购) ---------------------------------------------------------------


def agreement_out(a: FrameworkAgreement) -> AgreementOut:
    return AgreementOut(
        lot=a.lot.code,
        status=a.status,
        admitted_at=a.admitted_at,
        sign_due=a.sign_due,
        signed_at=a.signed_at,
        term_from=a.term_from,
        term_until=a.term_until,
        members=[
            MemberOut(order=m.order, supplier=m.supplier.name, uscc=m.supplier.uscc, price=m.price)
            for m in a.members.select_related("supplier")
        ],
    )


def call_off_out(c: CallOff) -> CallOffOut:
    return CallOffOut(
        method=c.method,
        purchaser=c.purchaser.uscc,
        supplier=c.member.supplier.uscc,
        quantity=c.quantity,
        unit_price=c.unit_price,
        amount=c.amount,
        cycle=c.cycle,
        awarded_at=c.awarded_at,
        result_due=c.result_due,
    )


@router.post(
    "/lots/{code}/framework/admission", response={201: AgreementOut}, summary="确定框架协议入围供应商"
)
def admit_framework(request: HttpRequest, code: str) -> Status[AgreementOut]:
    return Status(201, agreement_out(framework.admit_suppliers(actor_from_request(request), code)))


@router.post("/lots/{code}/framework/agreement", response=AgreementOut, summary="登记签订的框架协议")
def sign_framework(request: HttpRequest, code: str, payload: AgreementIn) -> AgreementOut:
    return agreement_out(
        framework.sign_agreement(actor_from_request(request), code, payload.term_until, payload.agreement_sm3)
    )


@router.post(
    "/lots/{code}/framework/call-offs", response={201: CallOffOut}, summary="框架协议项下采购（采购人）"
)
def framework_call_off(request: HttpRequest, code: str, payload: CallOffIn) -> Status[CallOffOut]:
    made = framework.call_off(
        actor_from_request(request), code, payload.method, payload.quantity, payload.supplier, payload.reason
    )
    return Status(201, call_off_out(made))
