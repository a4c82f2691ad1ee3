"""Evaluation actions: the plan, the committee at work, the report and its signatures.

Names of the experts become visible when the evaluation starts (12号令 第8条); scores, rejections and
clarifications are recorded one by one, and the ranking is computed by `scoring` from those records.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db.models import DecimalField, QuerySet

from ggzy.bidding import rounds
from ggzy.bidding.models import Bid, Bond
from ggzy.evaluation import scoring
from ggzy.evaluation.models import (
    Candidate,
    Clarification,
    CommitteeMember,
    Evaluation,
    EvaluationPlan,
    Rejection,
    Score,
)
from ggzy.evaluation.report import render_report
from ggzy.evaluation.rules import (
    MANDATORY_REJECTION,
    REJECTION_GROUNDS,
    EvaluationRules,
    award_rules_for,
    evaluation_rules_for,
)
from ggzy.evaluation.schemas import CommitteeIn, CriterionIn, PlanIn
from ggzy.experts.models import DrawRequest
from ggzy.experts.queries import committee
from ggzy.experts.rules import RANDOM_DRAW, committee_rules
from ggzy.kernel import audit, clock, events, notify
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.canonical import plain
from ggzy.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.rules import Rule
from ggzy.registry.actions import parse_public_key
from ggzy.registry.models import Account
from ggzy.registry.queries import entity_of
from ggzy.trading import procedure
from ggzy.trading.actions import end_of_day, local_date, require_project_manager
from ggzy.trading.models import Lot
from ggzy.trading.queries import require_node_operator
from ggzy.trading.specs import spec_for
from ggzy_guomi import GuomiError, sm3_hex

DEFAULT_PLAN = PlanIn(
    method="comprehensive",
    price_points=Decimal(60),
    criteria=[
        CriterionIn(code="T1", name="施工组织设计", kind="technical", max_points=Decimal(20)),
        CriterionIn(code="T2", name="项目管理机构", kind="technical", max_points=Decimal(10)),
        CriterionIn(code="B1", name="企业业绩与信誉", kind="business", max_points=Decimal(10)),
    ],
)


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


def _evaluation(lot: Lot) -> Evaluation:
    evaluation = Evaluation.objects.select_for_update(of=("self",)).filter(lot=lot).first()
    if evaluation is None:
        raise NotFound("evaluation_not_started", "评标尚未开始", "The evaluation has not started")
    return evaluation


def _member(actor: Actor, evaluation: Evaluation, *, ready: bool = True) -> CommitteeMember:
    member = evaluation.members.filter(user_id=actor.user_id or 0).first()
    if member is None:
        raise PermissionDenied("not_a_member", "您不是本标段评标委员会成员", "You are not on this committee")
    if ready and (member.signed_in_at is None or member.no_conflict_declared_at is None):
        raise InvalidInput(
            "member_not_signed_in", "请先签到并声明无利害关系", "Sign in and declare no conflict first"
        )
    return member


def _in_progress(evaluation: Evaluation) -> None:
    if evaluation.status != Evaluation.Status.IN_PROGRESS:
        raise InvalidInput("evaluation_closed", "评分已结束", "Scoring has ended")


def plan_of(lot: Lot) -> PlanIn:
    plan = EvaluationPlan.objects.filter(lot=lot).first()
    if plan is None:
        rules = evaluation_rules_for(lot)
        if DEFAULT_PLAN.method not in rules.methods.value:
            return PlanIn(method="lowest_price")  # a method that only ranks prices (询价)
        cap = rules.max_price_points.get(lot.contract_kind)
        if cap is not None and DEFAULT_PLAN.price_points > cap.value:
            # 磋商 of services weighs the price at most 30: the points it cannot have go to the technical part.
            first, *rest = DEFAULT_PLAN.criteria
            moved = first.model_copy(
                update={"max_points": first.max_points + DEFAULT_PLAN.price_points - cap.value}
            )
            return DEFAULT_PLAN.model_copy(update={"price_points": cap.value, "criteria": [moved, *rest]})
        return DEFAULT_PLAN
    return PlanIn(
        method=plan.method,
        price_points=plan.price_points,
        criteria=plan.criteria,
        sme_deduction=plan.sme_deduction,
    )


def standing_bids(lot: Lot) -> "QuerySet[Bid]":
    """The decrypted bids (responses) that count now: not those of a negotiation round still being opened."""
    return rounds.standing(lot.bids.all())


def valid_bids(evaluation: Evaluation) -> list[Bid]:
    return list(
        standing_bids(evaluation.lot)
        .filter(rejection__isnull=True)
        .select_related("bidder")
        .order_by("submitted_at", "id")
    )


def require_negotiation_concluded(lot: Lot) -> None:
    """In a negotiation the panel scores and ranks only the final offers (74号令 第35条; 214号 第23条)."""
    rule = procedure.rules_for(lot).negotiation
    if rule is not None and not rounds.final_round_closed(lot):
        raise InvalidInput(
            "negotiation_not_finished",
            "谈判（磋商）尚未结束：请先组织供应商提交最后报价，最后报价解密后再评审",
            "The negotiation is not over: score and rank after the final offers are opened",
            rule=rule.legal,
        )


def _bid(evaluation: Evaluation, receipt_no: str) -> Bid:
    bid = standing_bids(evaluation.lot).filter(receipt_no=receipt_no).first()
    if bid is None:
        raise NotFound("bid_not_found", f"没有已解密的投标文件{receipt_no}", f"No decrypted bid {receipt_no}")
    return bid


# ---- plan ---------------------------------------------------------------------------------------


@action("evaluation.set_plan")
def set_plan(actor: Actor, lot_code: str, form: PlanIn) -> EvaluationPlan:
    """The evaluation method is part of the tender documents: fixed before bids are opened."""
    lot = _lot(lot_code)
    role = require_project_manager(actor, lot.project)
    if lot.state not in {Lot.State.DRAFT, Lot.State.BIDDING}:
        raise InvalidInput("plan_fixed", "开标后不得变更评标办法", "The method is fixed once bids are opened")
    rules = evaluation_rules_for(lot)
    methods = rules.methods.value
    if form.method not in EvaluationPlan.Method.values or form.method not in methods:
        raise InvalidInput(
            "plan_method",
            "评标办法应为" + "或".join(f"{k}（{v}）" for k, v in methods.items()),
            f"The method must be one of {', '.join(methods)}",
            rule=rules.methods.legal,
        )
    codes = [c.code for c in form.criteria]
    if len(codes) != len(set(codes)) or any(
        c.max_points <= 0 or c.kind not in {"technical", "business"} for c in form.criteria
    ):
        raise InvalidInput(
            "plan_criteria", "评分因素代码不得重复，满分须大于零，类型为technical或business", "Bad criteria"
        )
    if form.method == EvaluationPlan.Method.COMPREHENSIVE:
        total = form.price_points + sum((c.max_points for c in form.criteria), Decimal(0))
        if form.price_points <= 0 or total != 100:
            raise InvalidInput(
                "plan_points",
                f"综合评估法各项满分合计应为100分（现为{total}），价格分须大于零",
                "Points must total 100",
            )
        _check_price_weight(lot, rules, form.price_points)
    _check_sme_deduction(lot, rules, form.sme_deduction)
    plan, _ = EvaluationPlan.objects.update_or_create(
        lot=lot,
        defaults={
            "method": form.method,
            "price_points": form.price_points,
            # JSON-native (the points as strings): a JSONField cannot hold Decimal.
            "criteria": plain([c.dict() for c in form.criteria]),
            "sme_deduction": form.sme_deduction,
            "set_at": clock.now(),
        },
    )
    audit.record(
        plan, {"lot": lot.code, "method": form.method, "sme_deduction": str(form.sme_deduction)}, role=role
    )
    return plan


def _check_price_weight(lot: Lot, rules: EvaluationRules, price_points: Decimal) -> None:
    """87号令 第55条: of the 100 points, price takes at least 30 (goods) or 10 (services)."""
    minimum = rules.min_price_points.get(lot.contract_kind)
    if minimum is not None and price_points < minimum.value:
        raise InvalidInput(
            "plan_price_weight",
            f"{lot.get_contract_kind_display()}项目采用{rules.methods.value['comprehensive']}的，价格分值占总分值的比重"
            f"不得低于{minimum.value}%（现为{price_points}分/100分）",
            f"For {lot.contract_kind}, price must weigh at least {minimum.value} of 100 points ({price_points})",
            rule=minimum.legal,
            details={"price_points": str(price_points), "minimum": str(minimum.value)},
        )
    maximum = rules.max_price_points.get(lot.contract_kind)
    if maximum is not None and price_points > maximum.value:
        raise InvalidInput(
            "plan_price_weight",
            f"{lot.get_contract_kind_display()}项目的价格分值占总分值的比重不得高于{maximum.value}%"
            f"（现为{price_points}分/100分）",
            f"For {lot.contract_kind}, price may weigh at most {maximum.value} of 100 points ({price_points})",
            rule=maximum.legal,
            details={"price_points": str(price_points), "maximum": str(maximum.value)},
        )


def _check_sme_deduction(lot: Lot, rules: EvaluationRules, deduction: Decimal) -> None:
    """财库〔2020〕46号 第9条 (raised by 财库〔2022〕19号): 0, or within the range of the lot's kind."""
    if deduction == 0:
        return
    allowed = rules.sme_deduction.get(lot.contract_kind)
    if allowed is None:
        raise InvalidInput(
            "plan_sme_not_applicable",
            "小微企业价格扣除是政府采购支持中小企业的政策（财库〔2020〕46号），本标段的交易程序或合同类型不适用，"
            "扣除比例应为0",
            "The SME price deduction does not apply to this lot's procedure or contract kind: it must be 0",
            details={"sme_deduction": str(deduction)},
        )
    low, high = allowed.value
    if not low <= deduction <= high:
        raise InvalidInput(
            "plan_sme_deduction",
            f"{lot.get_contract_kind_display()}项目对小微企业报价的扣除比例应为{low:.0%}至{high:.0%}"
            f"（或0：不扣除），现为{deduction:.2%}",
            f"The SME price deduction must be 0 or within {low:.0%}–{high:.0%} ({deduction:.2%})",
            rule=allowed.legal,
            details={"sme_deduction": str(deduction), "low": str(low), "high": str(high)},
        )


# ---- committee ----------------------------------------------------------------------------------


@action("evaluation.start")
def start_evaluation(actor: Actor, lot_code: str, form: CommitteeIn) -> Evaluation:
    """The operator seats the committee: exactly the experts drawn at random for this lot who accepted
    (nobody designates them, 条例 第46条), plus the principal's representatives the draw allowed for."""
    lot = _lot(lot_code)
    role = require_node_operator(actor, lot.project)
    if lot.state != Lot.State.EVALUATION or Evaluation.objects.filter(lot=lot).exists():
        raise InvalidInput(
            "not_ready_for_evaluation", "标段不在待评标状态", "The lot is not awaiting evaluation"
        )
    draw = DrawRequest.objects.filter(lot=lot, status=DrawRequest.Status.DRAWN).order_by("-pk").first()
    if draw is None:
        raise InvalidInput(
            "experts_not_drawn",
            "评标专家须由计算机随机抽取，本标段尚未完成抽取",
            "No draw for this lot",
            rule=RANDOM_DRAW,
        )
    drawn = {call.expert.user.username: call.expert.user for call in committee(draw)}
    if set(form.experts) != set(drawn):
        raise InvalidInput(
            "committee_not_drawn",
            "评标委员会的专家须为本标段随机抽取并确认参加的专家，不得指定",
            "The experts must be exactly those drawn for this lot who accepted",
            rule=RANDOM_DRAW,
            details={"drawn": len(drawn)},
        )
    reps = list(User.objects.filter(username__in=form.representatives, account__entity=lot.project.principal))
    if len(reps) != len(set(form.representatives)) or len(reps) > draw.representatives:
        raise InvalidInput(
            "committee_representatives",
            f"招标人代表须为招标人的用户，且不超过抽取时确定的{draw.representatives}人",
            "Representatives must be the principal's users, as many as the draw allowed",
        )
    experts = list(drawn.values())
    committee_rules(spec_for(lot).id).check(len(experts), len(reps), lot.estimated_value)
    if form.chair not in {u.username for u in experts + reps}:
        raise InvalidInput("committee_chair", "组长须为评标委员会成员", "The chair must be a member")
    now = clock.now()
    evaluation = Evaluation.objects.create(
        lot=lot, started_at=now, planned_end=now + timedelta(hours=max(1, form.hours))
    )
    for user, kind in [(u, CommitteeMember.Kind.EXPERT) for u in experts] + [
        (u, CommitteeMember.Kind.REPRESENTATIVE) for u in reps
    ]:
        CommitteeMember.objects.create(
            evaluation=evaluation, user=user, kind=kind, is_chair=user.username == form.chair
        )
        notify.queue_to(user.pk, "评标通知", f"{lot.code} {lot.name} 评标已开始，请签到。")
    audit.record(
        evaluation,
        {"lot": lot.code, "experts": sorted(form.experts), "representatives": sorted(form.representatives)},
        role=role,
    )
    return evaluation


@action("evaluation.sign_in")
def sign_in(actor: Actor, lot_code: str, public_key: str, no_conflict: bool) -> CommitteeMember:
    lot = _lot(lot_code)
    evaluation = _evaluation(lot)
    member = _member(actor, evaluation, ready=False)
    if not no_conflict:
        raise InvalidInput(
            "conflict_declared",
            "与投标人有利害关系的应当主动回避：请联系交易中心补抽专家",
            "A member with a conflict must withdraw; the operator draws a replacement",
        )
    key = parse_public_key(public_key)
    now = clock.now()
    member.signed_in_at = member.signed_in_at or now
    member.no_conflict_declared_at = now
    member.public_key = key.hex()
    member.save()
    audit.record(member, {"lot": lot.code, "key_id": key.key_id})
    return member


# ---- the work -----------------------------------------------------------------------------------


# The decimals a score holds (Score.points): more is refused, never silently rounded.
_POINTS = Score._meta.get_field("points")
assert isinstance(_POINTS, DecimalField)
SCORE_DECIMALS: int = _POINTS.decimal_places or 0


def _check_precision(code: str, points: Decimal) -> None:
    exponent = points.normalize().as_tuple().exponent if points.is_finite() else None  # 10.100 is 10.1
    if not isinstance(exponent, int) or exponent < -SCORE_DECIMALS:
        raise InvalidInput(
            "score_precision",
            f"评分因素{code}的分值{points}无效：应为有限数值，最多{SCORE_DECIMALS}位小数",
            f"Criterion {code}: points {points} must be a finite number with at most {SCORE_DECIMALS} decimals",
            details={"criterion": code, "points": str(points), "decimal_places": SCORE_DECIMALS},
        )


@action("evaluation.submit_scores")
def submit_scores(actor: Actor, lot_code: str, scores: dict[str, dict[str, Decimal]]) -> int:
    lot = _lot(lot_code)
    evaluation = _evaluation(lot)
    _in_progress(evaluation)
    member = _member(actor, evaluation)
    require_negotiation_concluded(lot)
    plan = plan_of(lot)
    maxima = {c.code: c.max_points for c in plan.criteria}
    now = clock.now()
    count = 0
    for receipt_no, items in scores.items():
        bid = _bid(evaluation, receipt_no)
        if hasattr(bid, "rejection"):
            raise InvalidInput("bid_rejected", "已否决的投标不再评分", "A rejected bid is not scored")
        for code, points in items.items():
            _check_precision(code, points)
            if code not in maxima or not 0 <= points <= maxima[code]:
                raise InvalidInput(
                    "score_out_of_range",
                    f"评分因素{code}的分值应在0至{maxima.get(code, 0)}之间",
                    f"Criterion {code}: points must be within 0..{maxima.get(code, 0)}",
                )
            Score.objects.update_or_create(
                member=member, bid=bid, criterion=code, defaults={"points": points, "scored_at": now}
            )
            count += 1
    audit.record(member, {"lot": lot.code, "scores": count})
    return count


@action("evaluation.reject_bid")
def reject_bid(actor: Actor, lot_code: str, receipt_no: str, ground: str, reason: str) -> Rejection:
    """否决投标: on a ground of 条例 第51条, recorded by the chair with the committee's reason."""
    lot = _lot(lot_code)
    evaluation = _evaluation(lot)
    _in_progress(evaluation)
    member = _member(actor, evaluation)
    if not member.is_chair:
        raise PermissionDenied(
            "chair_only", "否决投标由评标委员会组长根据委员会意见记录", "The chair records rejections"
        )
    if ground not in REJECTION_GROUNDS or not reason.strip():
        raise InvalidInput(
            "rejection_ground",
            "否决投标须选择法定情形并说明理由："
            + "；".join(f"{k}={v}" for k, v in REJECTION_GROUNDS.items()),
            "Choose a ground of 条例 第51条 and give the reason",
            rule=MANDATORY_REJECTION,
        )
    bid = _bid(evaluation, receipt_no)
    if hasattr(bid, "rejection"):
        raise Conflict("bid_already_rejected", "该投标已被否决", "Already rejected")
    rejection = Rejection.objects.create(
        evaluation=evaluation,
        bid=bid,
        ground=ground,
        reason=reason.strip(),
        decided_by=member,
        decided_at=clock.now(),
    )
    if procedure.rules_for(lot).negotiation is not None:
        rounds.drop_supplier(lot, bid.bidder)  # out of the negotiation: no response of it counts any more
    audit.record(rejection, {"lot": lot.code, "receipt_no": receipt_no, "ground": ground})
    return rejection


@action("evaluation.ask_bidder")
def ask_bidder(actor: Actor, lot_code: str, receipt_no: str, question: str) -> Clarification:
    lot = _lot(lot_code)
    evaluation = _evaluation(lot)
    _in_progress(evaluation)
    member = _member(actor, evaluation)
    if not question.strip():
        raise InvalidInput("question_required", "请填写澄清问题", "Write the question")
    bid = _bid(evaluation, receipt_no)
    item = Clarification.objects.create(
        evaluation=evaluation, bid=bid, question=question.strip(), asked_by=member, asked_at=clock.now()
    )
    for user_id in Account.objects.filter(entity=bid.bidder).values_list("user_id", flat=True):
        notify.queue_to(user_id, "评标澄清", f"{lot.code} 评标委员会要求澄清：{item.question}")
    audit.record(item, {"lot": lot.code, "receipt_no": receipt_no})
    return item


@action("evaluation.answer_bidder_question")
def answer_question(actor: Actor, clarification_id: int, answer: str) -> Clarification:
    require_role(actor, Role.BIDDER)
    item = (
        Clarification.objects.select_for_update(of=("self",))
        .select_related("bid", "evaluation")
        .filter(pk=clarification_id)
        .first()
    )
    if item is None or item.bid.bidder_id != entity_of(actor).pk:
        raise NotFound("clarification_not_found", "未找到澄清要求", "No such clarification request")
    _in_progress(item.evaluation)
    if not answer.strip():
        raise InvalidInput("answer_required", "请填写澄清内容", "Write the answer")
    item.answer = answer.strip()
    item.answered_at = clock.now()
    item.save()
    audit.record(item, {"answered_at": item.answered_at})
    return item


@action("evaluation.ask_extension")
def ask_extension(actor: Actor, lot_code: str) -> Evaluation:
    """条例 第48条: when more than a third of the members find the time too short, it is extended."""
    lot = _lot(lot_code)
    evaluation = _evaluation(lot)
    _in_progress(evaluation)
    member = _member(actor, evaluation)
    member.asked_extension_at = member.asked_extension_at or clock.now()
    member.save(update_fields=["asked_extension_at"])
    members = evaluation.members.count()
    asking = evaluation.members.filter(asked_extension_at__isnull=False).count()
    rules = award_rules_for(evaluation.lot)
    extended = Decimal(asking) > rules.extension_share.value * members
    if extended:
        evaluation.planned_end = max(evaluation.planned_end, clock.now()) + timedelta(hours=4)
        evaluation.members.update(asked_extension_at=None)
        evaluation.save(update_fields=["planned_end"])
    audit.record(evaluation, {"asking": asking, "members": members, "extended": extended})
    return evaluation


# ---- ranking and report -------------------------------------------------------------------------


def _brand(rules: EvaluationRules, bid: Bid) -> str:
    """The brand bids are compared by (87号令 第31条), "" where the method has none or the bid names none."""
    return scoring.brand_key((bid.bid_form or {}).get("brand")) if rules.same_brand_counts_once else ""


def _figures(evaluation: Evaluation, plan: PlanIn) -> list[scoring.BidFigures]:
    members = list(evaluation.members.all())
    codes = {c.code for c in plan.criteria}
    rules = evaluation_rules_for(evaluation.lot)
    figures = []
    for order, bid in enumerate(valid_bids(evaluation)):
        assert bid.bid_form is not None
        points = []
        for member in members:
            member_scores = {s.criterion: s.points for s in Score.objects.filter(member=member, bid=bid)}
            if plan.method == "comprehensive" and set(member_scores) != codes:
                raise InvalidInput(
                    "scores_incomplete",
                    f"{member.user.first_name or member.user.username}尚未完成对{bid.bidder.name}的评分",
                    f"Member {member.user.username} has not scored bid {bid.receipt_no}",
                )
            points.append(sum(member_scores.values(), Decimal(0)))
        price = Decimal(bid.bid_form["price"])
        # 财库〔2020〕46号 第9条: a declared small or micro enterprise is evaluated on its deducted price.
        evaluated = scoring.evaluated_price(price, bid.bid_form.get("sme") is True, plan.sme_deduction)
        figures.append(scoring.BidFigures(bid.pk, price, order, tuple(points), evaluated, _brand(rules, bid)))
    return figures


LOW_PRICE_TRIGGER_TEXT = {
    scoring.MEAN: "低于有效投标报价平均值的{ratio}",
    scoring.SECOND_LOWEST: "最低报价低于次低报价的{ratio}",
    scoring.CEILING: "低于最高限价（未设的按预算）的{ratio}",
}


def low_price_triggers(lot: Lot) -> scoring.LowPriceTriggers:
    """The abnormally-low-price triggers of the lot's procedure; the ceiling is the control price, else the
    estimated value (in procurement, the budget: 财库〔2026〕2号)."""
    rules = evaluation_rules_for(lot)
    return scoring.LowPriceTriggers(
        vs_mean=rules.low_vs_mean.value if rules.low_vs_mean else None,
        vs_second_lowest=rules.low_vs_second_lowest.value if rules.low_vs_second_lowest else None,
        vs_ceiling=rules.low_vs_ceiling.value if rules.low_vs_ceiling else None,
        ceiling=lot.control_price if lot.control_price is not None else lot.estimated_value,
    )


def low_price_flags(evaluation: Evaluation) -> dict[int, list[str]]:
    """Valid bids whose offered price calls for a review, each with the triggers it meets, in words."""
    prices = {b.pk: Decimal((b.bid_form or {})["price"]) for b in valid_bids(evaluation)}
    triggers = low_price_triggers(evaluation.lot)
    ratios = {
        scoring.MEAN: triggers.vs_mean,
        scoring.SECOND_LOWEST: triggers.vs_second_lowest,
        scoring.CEILING: triggers.vs_ceiling,
    }
    return {
        bid_id: [LOW_PRICE_TRIGGER_TEXT[k].format(ratio=f"{ratios[k]:.0%}") for k in keys]
        for bid_id, keys in scoring.low_price_reasons(prices, triggers).items()
    }


def unresolved_low_prices(evaluation: Evaluation) -> list[Bid]:
    """Abnormally low bids with no answered clarification (they must be explained or rejected)."""
    flagged = low_price_flags(evaluation)
    answered = set(
        Clarification.objects.filter(evaluation=evaluation, answered_at__isnull=False).values_list(
            "bid_id", flat=True
        )
    )
    return [b for b in valid_bids(evaluation) if b.pk in flagged and b.pk not in answered]


def qualified_count(lot: Lot, bids: list[Bid]) -> int:
    """How many bidders the valid bids count as: same-brand bids once where the procedure says so."""
    rules = evaluation_rules_for(lot)
    return scoring.distinct_bidders([_brand(rules, b) for b in bids])


def qualified_minimum(lot: Lot) -> Rule[int] | None:
    """The fewest qualified bids (suppliers) the lot's procedure needs, lowered where its notice states a
    ground for two (竞争性谈判 after a failed tender; 磋商 of 科研 or 政府购买服务)."""
    usual = evaluation_rules_for(lot).min_qualified
    if usual is None or lot.notice is None:
        return usual
    return procedure.supplier_minimum(lot.notice, procedure.rules_for(lot), usual, at_start=False)


def _too_few_qualified(lot: Lot, bids: list[Bid]) -> tuple[int, int] | None:
    """(qualified, minimum) when fewer valid bids remain than the procedure needs to evaluate, else None."""
    minimum = qualified_minimum(lot)
    if minimum is None:
        return None
    count = qualified_count(lot, bids)
    return (count, minimum.value) if count < minimum.value else None


@action("evaluation.finish")
def finish_scoring(actor: Actor, lot_code: str) -> Evaluation:
    """The chair closes the scoring: the system ranks, names at most 3 candidates and drafts the report."""
    lot = _lot(lot_code)
    evaluation = _evaluation(lot)
    _in_progress(evaluation)
    member = _member(actor, evaluation)
    if not member.is_chair:
        raise PermissionDenied("chair_only", "由评标委员会组长结束评分", "The chair closes the scoring")
    if evaluation.members.filter(no_conflict_declared_at__isnull=True).exists():
        raise InvalidInput("members_missing", "尚有评标委员会成员未签到", "Not every member has signed in")
    rules = evaluation_rules_for(lot)
    require_negotiation_concluded(lot)
    few = _too_few_qualified(lot, valid_bids(evaluation))
    minimum = qualified_minimum(lot)
    if few is not None and minimum is not None:
        raise InvalidInput(
            "too_few_qualified",
            f"合格投标人不足{few[1]}家（现为{few[0]}家，同品牌投标计为一家），不得评标，应予废标："
            "请办理流标并将理由通知所有投标人",
            f"Fewer than {few[1]} qualified bids remain ({few[0]}; one per brand): no evaluation, the lot fails",
            rule=minimum.legal,
            details={"qualified": few[0], "minimum": few[1]},
        )
    if rules.within_budget is not None and rules.within_budget.value:
        above = [
            b for b in valid_bids(evaluation) if Decimal((b.bid_form or {})["price"]) > lot.estimated_value
        ]
        if above:
            raise InvalidInput(
                "price_above_budget",
                f"以下报价超过采购预算（{lot.estimated_value}元），应否决后再结束评审："
                + "、".join(f"{b.bidder.name}（{(b.bid_form or {})['price']}元）" for b in above),
                f"Offers above the budget ({lot.estimated_value}) must be rejected first",
                rule=rules.within_budget.legal,
                details={"receipts": [b.receipt_no for b in above], "budget": str(lot.estimated_value)},
            )
    low = unresolved_low_prices(evaluation)
    if low:
        flags = low_price_flags(evaluation)
        raise InvalidInput(
            "abnormally_low_unresolved",
            "以下投标报价明显偏低，须要求其澄清说明或否决："
            + "、".join(f"{b.bidder.name}（{'；'.join(flags[b.pk])}）" for b in low),
            "Abnormally low bids need a clarification or a rejection first",
            rule=rules.abnormally_low,
            details={"receipts": [b.receipt_no for b in low]},
        )
    plan = plan_of(lot)
    figures = _figures(evaluation, plan)
    ranked = (
        scoring.rank_comprehensive(figures, plan.price_points)
        if plan.method == "comprehensive"
        else scoring.rank_lowest_price(figures)
    )
    # 87号令 第31条: of same-brand bids only the lowest-priced / highest-scored is ranked.
    ranked, set_aside = scoring.one_per_brand(ranked, {f.bid_id: f.brand for f in figures})
    for r in ranked[: award_rules_for(lot).max_candidates.value]:
        Candidate.objects.create(
            evaluation=evaluation, bid_id=r.bid_id, rank=r.rank, price=r.price, score=r.score
        )
    evaluation.status = Evaluation.Status.SIGNING
    evaluation.report_html, pdf = render_report(evaluation, plan, ranked, set_aside)
    evaluation.report_sm3 = sm3_hex(pdf)
    evaluation.report_pdf.save(f"{lot.code}-report.pdf", ContentFile(pdf), save=False)
    evaluation.save()
    audit.record(
        evaluation,
        {
            "lot": lot.code,
            "ranked": len(ranked),
            "same_brand_set_aside": len(set_aside),
            "report_sm3": evaluation.report_sm3,
        },
    )
    return evaluation


@action("evaluation.fail")
def fail_evaluation(actor: Actor, lot_code: str, reason: str) -> Lot:
    """废标 in evaluation (87号令 第44条; 政府采购法 第36条): when fewer qualified bids remain than the
    procedure needs (same brand counted once), the project manager (purchaser or agent) or the committee's
    chair ends the lot as failed, with the reason; every bidder is told it. The lot may then be re-tendered."""
    lot = _lot(lot_code)
    evaluation = Evaluation.objects.select_for_update(of=("self",)).filter(lot=lot).first()
    chair = (
        evaluation.members.filter(user_id=actor.user_id or 0, is_chair=True).exists()
        if evaluation is not None and actor.user_id
        else False
    )
    role = None if chair else require_project_manager(actor, lot.project)
    minimum = qualified_minimum(lot)
    if minimum is None:
        raise InvalidInput(
            "fail_not_provided",
            "本交易程序未规定在评标阶段因合格投标人不足而流标",
            "This procedure has no failure for too few qualified bids in evaluation",
        )
    if lot.state != Lot.State.EVALUATION:
        raise InvalidInput("not_in_evaluation", "标段不在评标阶段", "The lot is not in evaluation")
    if evaluation is not None:
        _in_progress(evaluation)
    if not reason.strip():
        raise InvalidInput("fail_reason_required", "请填写废标理由", "Give the reason")
    bids = (
        valid_bids(evaluation)
        if evaluation is not None
        else list(lot.bids.filter(status=Bid.Status.DECRYPTED).select_related("bidder"))
    )
    few = _too_few_qualified(lot, bids)
    if few is None:
        count = qualified_count(lot, bids)
        raise InvalidInput(
            "enough_qualified",
            f"合格投标人有{count}家（同品牌投标计为一家），不少于{minimum.value}家，应当继续评标",
            f"{count} qualified bids remain, not fewer than {minimum.value}: evaluate them",
            rule=minimum.legal,
            details={"qualified": count, "minimum": minimum.value},
        )
    outcome = (
        f"合格投标人不足{few[1]}家（{few[0]}家），不得评标，予以废标：{reason.strip()}。"
        f"依据：{minimum.legal.citation}"
    )
    end_lot_failed(lot, outcome, clock.now())
    audit.record(
        lot,
        {
            "state": lot.state,
            "qualified": few[0],
            "minimum": few[1],
            "by_chair": chair,
            "reason": reason.strip(),
        },
        role=role,
    )
    return lot


def end_lot_failed(lot: Lot, outcome: str, now: datetime) -> None:
    """A lot in evaluation ends without a winner (废标, 终止): every deposit is due back within the method's
    refund period and every bidder still in is told why. The caller audits."""
    procedure.move(lot, Lot.State.FAILED, now, outcome)
    lot.save()
    refund_due = end_of_day(award_rules_for(lot).bond_refund_days.end(local_date(now)))
    Bond.objects.filter(
        lot=lot, kind=Bond.Kind.DEPOSIT, status=Bond.Status.PAID, refund_due__isnull=True
    ).update(refund_due=refund_due)
    events.on_lot_advanced(lot)
    bidders = lot.bids.filter(status=Bid.Status.DECRYPTED).values_list("bidder_id", flat=True)
    for user_id in Account.objects.filter(entity_id__in=set(bidders)).values_list("user_id", flat=True):
        notify.queue_to(user_id, f"{spec_for(lot).wording.failed}通知", f"{lot.code} {lot.name}：{outcome}")


@action("evaluation.sign_report")
def sign_report(actor: Actor, lot_code: str, signature_hex: str) -> Evaluation:
    """Each member signs the report's exact bytes with SM2; the last signature submits the report."""
    lot = _lot(lot_code)
    evaluation = _evaluation(lot)
    if evaluation.status != Evaluation.Status.SIGNING:
        raise InvalidInput("report_not_ready", "评标报告尚未生成或已提交", "No report awaiting signatures")
    member = _member(actor, evaluation)
    with evaluation.report_pdf.open("rb") as report:
        data = report.read()
    try:
        parse_public_key(member.public_key).verify(data, bytes.fromhex(signature_hex.strip()))
    except (GuomiError, ValueError) as exc:
        raise InvalidInput(
            "report_signature",
            "签名无效：须使用签到时登记的证书对评标报告原文签名",
            "Invalid signature over the report",
        ) from exc
    now = clock.now()
    member.report_signature = signature_hex.strip().lower()
    member.signed_report_at = now
    member.save(update_fields=["report_signature", "signed_report_at"])
    if not evaluation.members.filter(signed_report_at__isnull=True).exists():
        evaluation.status = Evaluation.Status.REPORTED
        evaluation.reported_at = now
        evaluation.save(update_fields=["status", "reported_at"])
        events.on_evaluation_reported(lot)
        rules = award_rules_for(lot)
        if rules.admits_several:
            ask = f"请确定入围供应商，并在{rules.contract_days.text}内签订框架协议。"
        elif rules.decision_days is not None:
            # 87号令 第68条: the purchaser decides in 5 working days, else rank 1 is deemed chosen.
            last = rules.decision_days.end(local_date(now))
            lot.next_check = end_of_day(last)
            lot.save(update_fields=["next_check"])
            ask = f"请于{last.isoformat()}前按顺序确定中标供应商，逾期视同确定排名第一的中标候选人。"
        else:
            assert rules.publicity_within_days is not None
            ask = f"请于{rules.publicity_within_days.text}内公示中标候选人。"
        for user_id in Account.objects.filter(
            entity__in=[lot.project.principal_id, lot.project.agent_id]
        ).values_list("user_id", flat=True):
            notify.queue_to(user_id, "评标报告", f"{lot.code} 评标报告已提交，{ask}")
    audit.record(
        member,
        {
            "lot": lot.code,
            "report_sm3": evaluation.report_sm3,
            "complete": evaluation.reported_at is not None,
        },
    )
    return evaluation


# ---- what the committee reads -------------------------------------------------------------------


@action("evaluation.read_bid_file")
def read_bid_file(actor: Actor, lot_code: str, receipt_no: str, name: str) -> bytes:
    """A member reads one decrypted bid file; every read is recorded (bid content is confidential)."""
    from django.core.files.storage import default_storage

    lot = Lot.objects.filter(code=lot_code).first()
    if lot is None:
        raise NotFound("lot_not_found", f"未找到标段{lot_code}", f"No lot {lot_code}")
    evaluation = Evaluation.objects.filter(lot=lot).first()
    if evaluation is None:
        raise NotFound("evaluation_not_started", "评标尚未开始", "The evaluation has not started")
    member = _member(actor, evaluation)
    bid = _bid(evaluation, receipt_no)
    if name not in {f["name"] for f in bid.manifest.get("files", [])}:
        raise NotFound("bid_file_not_found", "投标文件中没有该文件", "No such file in the bid")
    with default_storage.open(f"opened/{lot.code}/{bid.receipt_no}/{name}", "rb") as handle:
        data: bytes = handle.read()
    audit.record(bid, {"read_by_member": member.pk, "file": name})
    return data
