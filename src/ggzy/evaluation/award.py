"""After the report: candidates' publicity, objections to the result, award, report to the supervisor,
contract, and the deadlines the chronograph watches (T11–T18)."""

from datetime import datetime, timedelta
from decimal import Decimal

from ggzy.bidding.models import Bid, Bond
from ggzy.credit import enforcement
from ggzy.evaluation.models import Award, Candidate, Evaluation
from ggzy.evaluation.rules import FIRST_RANKED, AwardRules, award_rules_for
from ggzy.kernel import audit, clock, events, notify
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.errors import InvalidInput, NotFound, PermissionDenied
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.timefmt import local_text, local_text_en
from ggzy.registry.models import Account
from ggzy.registry.queries import entity_of
from ggzy.trading import procedure
from ggzy.trading.actions import end_of_day, local_date, require_project_manager
from ggzy.trading.models import Lot, Objection
from ggzy.trading.specs import spec_for


def _lot(lot_code: str) -> Lot:
    lot = (
        Lot.objects.select_for_update(of=("self",))
        .select_related("project", "notice")
        .filter(code=lot_code)
        .first()
    )
    if lot is None:
        raise NotFound("lot_not_found", f"未找到标段{lot_code}", f"No lot {lot_code}")
    return lot


def _award(lot: Lot) -> Award:
    award = Award.objects.select_for_update(of=("self",)).filter(lot=lot).first()
    if award is None:
        raise NotFound(
            "publicity_not_started", "中标候选人尚未公示", "The candidates have not been published"
        )
    return award


def _tell_bidders(lot: Lot, subject: str, body: str) -> None:
    bidders = lot.bids.exclude(status__in=[Bid.Status.SUPERSEDED, Bid.Status.WITHDRAWN]).values_list(
        "bidder_id", flat=True
    )
    for user_id in Account.objects.filter(entity_id__in=bidders).values_list("user_id", flat=True):
        notify.queue_to(user_id, subject, body)


def _reported(lot: Lot) -> Evaluation:
    evaluation = Evaluation.objects.filter(lot=lot, status=Evaluation.Status.REPORTED).first()
    if evaluation is None or evaluation.reported_at is None or lot.state != Lot.State.EVALUATION:
        raise InvalidInput(
            "report_missing", "评标报告尚未提交", "The evaluation report has not been submitted"
        )
    if not evaluation.candidates.exists():
        raise InvalidInput("no_candidates", "没有中标候选人，应当依法重新招标", "No candidates: tender again")
    assert evaluation.reported_at is not None
    return evaluation


def _schedule(award: Award) -> None:
    due = [
        d
        for d, done in (
            (award.publicity_until, award.awarded_at is not None),
            (award.contract_due, award.contract_signed_at is not None or award.contract_late),
            (award.report_due, award.reported_at is not None or award.report_late),
        )
        if d is not None and not done
    ]
    award.next_check = min(due) if due else None


@action("evaluation.publish_candidates")
def publish_candidates(
    actor: Actor, lot_code: str, publicity_from: datetime, publicity_until: datetime
) -> Award:
    lot = _lot(lot_code)
    rules = award_rules_for(lot)
    role = require_project_manager(actor, lot.project)
    if rules.publicity_within_days is None or rules.publicity_min_days is None:
        raise InvalidInput(
            "no_candidate_publicity",
            f"{spec_for(lot).name}不公示中标候选人，由{spec_for(lot).wording.principal}按评标报告确定中标人",
            "This method has no candidates' publicity: the principal confirms the winner from the report",
            rule=rules.decision_days.legal if rules.decision_days else None,
        )
    evaluation = _reported(lot)
    reported_at = evaluation.reported_at
    assert reported_at is not None
    latest_start = rules.publicity_within_days.end(local_date(reported_at))
    if local_date(publicity_from) > latest_start or publicity_from < reported_at:
        raise InvalidInput(
            "publicity_start",
            f"应当自收到评标报告之日起{rules.publicity_within_days.value}日内公示中标候选人（最迟{local_text(latest_start)}）",
            f"Publish the candidates within {rules.publicity_within_days.value} days of the report (by {local_text_en(latest_start)})",
            rule=rules.publicity_within_days.legal,
        )
    shortest_end = rules.publicity_min_days.end(local_date(publicity_from))
    if local_date(publicity_until) < shortest_end:
        raise InvalidInput(
            "publicity_too_short",
            f"公示期不得少于{rules.publicity_min_days.value}日：最早可结束于{local_text(shortest_end)}",
            f"Publicity lasts at least {rules.publicity_min_days.value} days: until {local_text_en(shortest_end)} at least",
            rule=rules.publicity_min_days.legal,
        )
    award = Award.objects.create(lot=lot, publicity_from=publicity_from, publicity_until=publicity_until)
    _schedule(award)
    award.save()
    procedure.move(lot, Lot.State.PUBLICITY, clock.now())
    lot.save()
    _tell_bidders(
        lot,
        "中标候选人公示",
        f"{lot.code} 中标候选人公示至{local_text(publicity_until)}，如有异议请在公示期内提出。",
    )
    audit.record(award, {"lot": lot.code, "from": publicity_from, "until": publicity_until}, role=role)
    return award


@action("evaluation.object_to_result")
def object_to_result(actor: Actor, lot_code: str, text: str) -> Objection:
    """An objection to the evaluation result, during the publicity; answered within 3 days, award paused."""
    require_role(actor, Role.BIDDER)
    entity = entity_of(actor)
    lot = _lot(lot_code)
    rules = award_rules_for(lot)
    award = _award(lot)
    now = clock.now()
    if rules.result_challenge_days is not None:
        # 质疑 of the result: within the period after the result's 公告期 ends (条例 第53条第3项).
        # The end of the 公告期 (stored as the next midnight), or the publication day where there is none.
        notice_ends = local_date(max(award.publicity_from, award.publicity_until - timedelta(seconds=1)))
        last = end_of_day(rules.result_challenge_days.end(notice_ends))
        if (
            lot.state not in {Lot.State.AWARDED, Lot.State.CONTRACTED}
            or not award.publicity_from <= now <= last
        ):
            raise InvalidInput(
                "outside_challenge_period",
                f"对中标结果的质疑应当在中标结果公告期限届满之日起{rules.result_challenge_days.text}内提出",
                f"Challenge the result within {rules.result_challenge_days.text_en} of the end of its notice period",
                rule=rules.result_challenge_days.legal,
            )
    elif lot.state != Lot.State.PUBLICITY or not award.publicity_from <= now <= award.publicity_until:
        raise InvalidInput(
            "outside_publicity",
            "对评标结果的异议应当在中标候选人公示期间提出",
            "Only during the publicity",
            rule=rules.objection_answer_days.legal,
        )
    if not text.strip():
        raise InvalidInput("objection_text", "请填写异议内容", "State the objection")
    if not lot.bids.filter(bidder=entity).exists():
        raise PermissionDenied("not_a_bidder", "只有本标段的投标人可以提出异议", "Only bidders of the lot")
    due = end_of_day(rules.objection_answer_days.end(clock.today()))
    assert lot.notice is not None
    objection = Objection.objects.create(
        notice=lot.notice,
        lot=lot,
        stage=Objection.Stage.RESULT,
        raised_by=entity,
        text=text.strip(),
        raised_at=now,
        answer_due=due,
        next_check=due,
    )
    audit.record(objection, {"lot": lot.code, "stage": "result", "answer_due": due})
    return objection


@action("evaluation.award")
def award_lot(actor: Actor, lot_code: str, receipt_no: str) -> Award:
    lot = _lot(lot_code)
    rules = award_rules_for(lot)
    role = require_project_manager(actor, lot.project)
    award = _award(lot)
    now = clock.now()
    if lot.state != Lot.State.PUBLICITY or now < award.publicity_until:
        raise InvalidInput(
            "publicity_running",
            "中标候选人公示期结束后方可定标",
            "Award after the publicity ends",
            rule=rules.publicity_min_days.legal if rules.publicity_min_days else None,
        )
    if lot.objections.filter(stage=Objection.Stage.RESULT, status=Objection.Status.PENDING).exists():
        raise InvalidInput(
            "objection_pending",
            "对评标结果的异议答复前，应当暂停招标投标活动",
            "Answer the objections first",
            rule=rules.objection_answer_days.legal,
        )
    candidate = _candidate(lot, receipt_no)
    state_funded = lot.project.state_owned_controlled or lot.project.state_budget_amount > 0
    if state_funded and candidate.rank != 1:
        raise InvalidInput(
            "first_ranked_required",
            "国有资金占控股或者主导地位的项目，应当确定排名第一的中标候选人为中标人",
            "State-funded projects award the first-ranked candidate",
            rule=FIRST_RANKED,
        )
    _check_validity(lot, rules)
    _award_to(lot, award, candidate, rules, now)
    audit.record(
        award, {"lot": lot.code, "winner": candidate.bid.bidder.uscc, "price": candidate.price}, role=role
    )
    return award


def _candidate(lot: Lot, receipt_no: str) -> Candidate:
    candidate = (
        Candidate.objects.filter(evaluation__lot=lot, bid__receipt_no=receipt_no)
        .select_related("bid__bidder")
        .first()
    )
    if candidate is None:
        raise InvalidInput("not_a_candidate", "中标人须从中标候选人中确定", "The winner must be a candidate")
    return candidate


def _check_validity(lot: Lot, rules: AwardRules) -> None:
    """The award comes while the bids still bind: before their validity ends, with the margin the method
    requires (12号令 第40条: 30 working days for tendering)."""
    assert lot.notice is not None
    validity_end = local_date(lot.notice.bid_deadline) + timedelta(days=lot.notice.validity_days)
    margin = rules.award_before_validity_working_days
    if margin is None:
        if clock.today() > validity_end:
            raise InvalidInput(
                "validity_ended",
                f"投标有效期已于{validity_end.isoformat()}届满，请先延长投标有效期",
                f"Bid validity ended on {validity_end.isoformat()}",
            )
        return
    left = margin.count(clock.today(), validity_end)
    if left < margin.value:
        raise InvalidInput(
            "validity_too_close",
            f"定标应当在投标有效期结束日{margin.value}个工作日前完成（剩余{left}个工作日），请先延长投标有效期",
            f"Award at least {margin.value} working days before bid validity ends ({left} left)",
            rule=margin.legal,
        )


def _award_to(lot: Lot, award: Award, candidate: Candidate, rules: AwardRules, now: datetime) -> None:
    """The winner is set and the award notice goes out (中标通知书): the contract clock starts."""
    enforcement.check(candidate.bid.bidder, "contract", category=lot.project.category)
    award.winner = candidate.bid
    award.awarded_at = now
    award.contract_due = end_of_day(rules.contract_days.end(clock.today()))
    if not rules.report_from_contract:
        award.report_due = end_of_day(rules.report_days.end(clock.today()))
    _schedule(award)
    award.save()
    if rules.losers_refund_at_award:
        # 87号令 第38条: unsuccessful suppliers' deposits are due back 5 working days after the notice.
        Bond.objects.filter(lot=lot, kind=Bond.Kind.DEPOSIT, status=Bond.Status.PAID).exclude(
            bidder=candidate.bid.bidder
        ).update(refund_due=end_of_day(rules.bond_refund_days.end(clock.today())))
    procedure.move(lot, Lot.State.AWARDED, now)
    lot.save()
    events.on_awarded(lot)  # supervision: the same winner again (S05, S22), a banned winner
    wording = spec_for(lot).wording
    _tell_bidders(
        lot,
        f"{wording.award}结果通知",
        f"{lot.code} {wording.winner}：{candidate.bid.bidder.name}，{wording.award}价{candidate.price}元。",
    )


@action("evaluation.confirm_result")
def confirm_result(actor: Actor, lot_code: str, receipt_no: str, reason: str = "") -> Award:
    """Procurement: the purchaser confirms the winner from the report in rank order (87号令 第68条) and the
    result is published with its notice period at once, the award notice with it (第69条). Choosing
    another than the first-ranked candidate needs a lawful reason, recorded and published."""
    lot = _lot(lot_code)
    role = require_project_manager(actor, lot.project)
    candidate = _candidate(lot, receipt_no)
    award = _confirm(lot, candidate, reason.strip(), deemed=False)
    audit.record(award, _decision_record(award, candidate), role=role)
    return award


def _confirm(lot: Lot, candidate: Candidate, reason: str, *, deemed: bool) -> Award:
    rules = award_rules_for(lot)
    if rules.admits_several:
        raise InvalidInput(
            "framework_admits",
            "框架协议采购不确定单一成交供应商：请按评审排序确定入围供应商",
            "A framework agreement's call admits several suppliers instead of one winner",
        )
    if rules.decision_days is None:
        raise InvalidInput(
            "candidate_publicity_required",
            "本交易方式应先公示中标候选人，公示期满后定标",
            "This method publishes its candidates before the award",
            rule=rules.publicity_min_days.legal if rules.publicity_min_days else None,
        )
    _reported(lot)
    if candidate.rank != 1 and not reason:
        raise InvalidInput(
            "rank_order_required",
            "应当在中标候选人名单中按顺序确定中标人；不确定排名第一的，须说明合法理由",
            "Confirm the candidates in rank order; passing over the first needs a lawful reason",
            rule=rules.decision_days.legal,
        )
    _check_validity(lot, rules)
    now = clock.now()
    notice = rules.result_notice_days
    award = Award.objects.create(
        lot=lot,
        # The result's 公告 (published now) and its 公告期, where the method has one (87号令 第69条).
        publicity_from=now,
        publicity_until=end_of_day(notice.end(clock.today())) if notice else now,
        deemed=deemed,
        decision_reason=reason,
    )
    _award_to(lot, award, candidate, rules, now)
    return award


def _decision_record(award: Award, candidate: Candidate) -> dict[str, object]:
    return {
        "lot": award.lot.code,
        "winner": candidate.bid.bidder.uscc,
        "price": candidate.price,
        "rank": candidate.rank,
        "deemed": award.deemed,
        "reason": award.decision_reason,
        "notice_until": award.publicity_until,
    }


def deem_first_ranked(lot: Lot, now: datetime) -> str:
    """The chronograph's phase for a reported lot whose purchaser let the decision period pass: the
    first-ranked candidate is deemed chosen (87号令 第68条). The lot is already locked by the engine."""
    rules = award_rules_for(lot)
    lot.next_check = None
    evaluation = Evaluation.objects.filter(lot=lot, status=Evaluation.Status.REPORTED).first()
    if rules.decision_days is None or evaluation is None or Award.objects.filter(lot=lot).exists():
        return "nothing_to_decide"
    first = evaluation.candidates.select_related("bid__bidder").order_by("rank").first()
    if first is None:
        return "no_candidates"
    award = _confirm(lot, first, "", deemed=True)
    # The engine's action audits the lot with this outcome (one audit event per action).
    return f"deemed:{first.bid.receipt_no}:{award.pk}"


@action("evaluation.report_to_supervisor")
def report_to_supervisor(actor: Actor, lot_code: str) -> Award:
    lot = _lot(lot_code)
    role = require_project_manager(actor, lot.project)
    award = _award(lot)
    rules = award_rules_for(lot)
    if award.awarded_at is None or award.reported_at is not None:
        raise InvalidInput("report_not_due", "定标后提交一次书面报告", "Report once, after the award")
    if rules.report_from_contract and award.contract_signed_at is None:
        raise InvalidInput(
            "report_after_contract",
            "合同签订后方可将合同副本报送备案",
            "File the contract once it is signed",
            rule=rules.report_days.legal,
        )
    award.reported_at = clock.now()
    award.report_late = award.report_late or (
        award.report_due is not None and award.reported_at > award.report_due
    )
    _schedule(award)
    award.save()
    events.on_award_changed(award.lot_id)
    audit.record(award, {"lot": lot.code, "late": award.report_late}, role=role)
    return award


@action("evaluation.sign_contract")
def sign_contract(
    actor: Actor, lot_code: str, amount: Decimal, performance_bond: Decimal, contract_sm3: str
) -> Award:
    lot = _lot(lot_code)
    rules = award_rules_for(lot)
    role = require_project_manager(actor, lot.project)
    award = _award(lot)
    if lot.state != Lot.State.AWARDED or award.winner is None:
        raise InvalidInput("not_awarded", "定标后方可签订合同", "Sign after the award")
    if lot.objections.filter(stage=Objection.Stage.RESULT, status=Objection.Status.PENDING).exists():
        raise InvalidInput(
            "challenge_pending",
            "对中标结果的质疑答复前，应当暂停签订合同",
            "Answer the challenges to the result before signing",
            rule=rules.objection_answer_days.legal,
        )
    enforcement.check(award.winner.bidder, "contract", category=lot.project.category)
    if amount <= 0 or len(contract_sm3.strip()) != 64:
        raise InvalidInput(
            "contract_fields", "请填写合同金额和合同文本SM3摘要", "Give the amount and the contract's SM3"
        )
    cap = (amount * rules.performance_bond_ratio.value).quantize(Decimal("0.01"))
    if performance_bond > cap:
        raise InvalidInput(
            "performance_bond_too_high",
            f"履约保证金不得超过{spec_for(lot).wording.award}合同金额的{rules.performance_bond_ratio.value:.0%}（{cap}元）",
            f"The performance bond may not exceed {rules.performance_bond_ratio.value:.0%} of the contract ({cap})",
            rule=rules.performance_bond_ratio.legal,
        )
    now = clock.now()
    award.contract_signed_at = now
    award.contract_amount = amount
    award.performance_bond = performance_bond
    award.contract_sm3 = contract_sm3.strip().lower()
    award.contract_late = award.contract_late or (award.contract_due is not None and now > award.contract_due)
    if rules.report_from_contract:
        award.report_due = end_of_day(rules.report_days.end(clock.today()))
    _schedule(award)
    award.save()
    refund_due = end_of_day(rules.bond_refund_days.end(clock.today()))
    Bond.objects.filter(lot=lot, kind=Bond.Kind.DEPOSIT, status=Bond.Status.PAID).update(
        refund_due=refund_due
    )
    procedure.move(lot, Lot.State.CONTRACTED, now)
    lot.save()
    events.on_award_changed(award.lot_id)
    audit.record(
        award,
        {"lot": lot.code, "amount": amount, "late": award.contract_late, "bond_refund_due": refund_due},
        role=role,
    )
    return award


def advance_award(award_id: int, now: datetime) -> None:
    _watch_award(Actor.system("chronograph"), award_id, now)


@action("evaluation.watch_deadlines")
def _watch_award(actor: Actor, award_id: int, now: datetime) -> None:
    award = Award.objects.select_for_update(of=("self",)).get(pk=award_id)
    if award.contract_due and award.contract_signed_at is None and now > award.contract_due:
        award.contract_late = True
    if award.report_due and award.reported_at is None and now > award.report_due:
        award.report_late = True
    publicity_over = now >= award.publicity_until
    if publicity_over and award.awarded_at is None:
        award.next_check = None  # the principal decides now; nothing more is due automatically
    else:
        _schedule(award)
        if award.next_check is not None and award.next_check <= now:
            award.next_check = None
    award.save()
    events.on_award_changed(award.lot_id)
    audit.record(
        award,
        {
            "contract_late": award.contract_late,
            "report_late": award.report_late,
            "publicity_over": publicity_over,
        },
    )
