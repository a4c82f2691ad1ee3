"""Negotiation (竞争性谈判, 竞争性磋商): the panel's work between the first responses and the final offers.

After the first responses are opened the panel (the evaluation committee of these methods) reviews them
as in any evaluation, then negotiates: the whole panel with each supplier separately, in a channel of
its own where every message is kept (74号令 第31条); substantive changes of the technical or service
requirements or of the draft contract are confirmed by the purchaser's representative and go in writing
to every supplier at the same moment (第32条); each round ends with sealed revised responses opened
together (bidding.rounds), the last with the final offers (第33条). Suppliers may leave until the final
offers are due (第34条). The panel then ranks the final offers — by price (谈判) or score (磋商).
"""

from datetime import datetime, timedelta

from ggzy.bidding import rounds
from ggzy.bidding.models import Bid, Round
from ggzy.evaluation.actions import (
    _evaluation,
    _in_progress,
    _lot,
    _member,
    end_lot_failed,
    qualified_count,
    valid_bids,
)
from ggzy.evaluation.award import deem_first_ranked
from ggzy.evaluation.models import CommitteeMember, Evaluation, NegotiationMessage, RequirementChange
from ggzy.kernel import audit, clock, events, notify
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.errors import InvalidInput, NotFound, PermissionDenied
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.rules import Rule
from ggzy.registry.models import Account, Entity
from ggzy.registry.queries import entity_of
from ggzy.trading import procedure
from ggzy.trading.actions import end_of_day
from ggzy.trading.models import Lot
from ggzy.trading.rules import SUPERVISION_BINDS
from ggzy.trading.specs import spec_for

# How long a round may give the suppliers to respond: the law says only "在规定时间内" (74号令 第33条);
# from 10 minutes (a price round held online) to 7 days (new technical documents) is the platform's [U].
ROUND_MINUTES = (10, 7 * 24 * 60)
MAX_MESSAGE = 4000
CHANGE_NOTICE = "【采购需求实质性变动（经采购人代表确认）】"


def negotiation_rule(lot: Lot) -> Rule[bool]:
    rule = procedure.rules_for(lot).negotiation
    if rule is None:
        raise InvalidInput(
            "not_negotiation",
            "本采购方式没有谈判（磋商）环节",
            "This method has no negotiation",
        )
    return rule


def negotiating_suppliers(evaluation: Evaluation) -> list[Entity]:
    """The suppliers still in: a standing response, not rejected, not withdrawn."""
    return [bid.bidder for bid in valid_bids(evaluation)]


def _negotiation_of(lot_code: str) -> tuple[Lot, Evaluation]:
    """The lot and its evaluation (404 before the panel sits). Who may act is checked next, by the caller,
    and only then whether the negotiation is open (`_require_open`): nothing is learnt by asking."""
    lot = _lot(lot_code)
    return lot, _evaluation(lot)


def _require_no_final_round(lot: Lot, rule: Rule[bool]) -> None:
    """Once the final offers are asked for, the negotiation is over: no more changes (74号令 第33条)."""
    current = rounds.current_round(lot)
    if current is not None and current.final:
        raise InvalidInput(
            "final_offers_asked",
            "已要求提交最后报价，谈判已结束，不得再变动采购需求",
            "The final offers are asked for: the requirements may no longer change",
            rule=rule.legal,
        )


def _require_open(lot: Lot, evaluation: Evaluation) -> Rule[bool]:
    rule = negotiation_rule(lot)
    if lot.state == Lot.State.SUSPENDED:
        raise InvalidInput(
            "lot_suspended",
            "标段已被财政部门责令暂停，恢复前不得继续谈判",
            "The lot is suspended by its supervising department",
            rule=SUPERVISION_BINDS,
        )
    if lot.state != Lot.State.EVALUATION:
        raise InvalidInput("not_in_evaluation", "标段不在评审阶段", "The lot is not being evaluated")
    _in_progress(evaluation)
    if rounds.final_round_closed(lot):
        raise InvalidInput(
            "negotiation_over",
            "最后报价已经截止，谈判（磋商）已结束",
            "The final offers are in: the negotiation is over",
            rule=rule.legal,
        )
    return rule


def _panel_member(actor: Actor, evaluation: Evaluation) -> CommitteeMember | None:
    if actor.user_id is None or not evaluation.members.filter(user_id=actor.user_id).exists():
        return None
    return _member(actor, evaluation)


def _users_of(entity_ids: set[int]) -> list[int]:
    return list(Account.objects.filter(entity_id__in=entity_ids).values_list("user_id", flat=True))


# ---- the channels ------------------------------------------------------------------------------


@action("evaluation.send_negotiation_message")
def send_message(actor: Actor, lot_code: str, supplier_uscc: str, text: str) -> NegotiationMessage:
    """A message in one supplier's channel, from the panel (a member) or from that supplier."""
    lot, evaluation = _negotiation_of(lot_code)
    suppliers = {s.uscc: s for s in negotiating_suppliers(evaluation)}
    member = _panel_member(actor, evaluation)
    if member is not None:
        supplier = suppliers.get((supplier_uscc or "").strip().upper())
        if supplier is None:
            raise NotFound(
                "supplier_not_negotiating",
                "该供应商不在本项目的谈判中",
                "That supplier is not negotiating here",
            )
    else:
        if Role.BIDDER not in actor.roles or actor.entity_id not in {s.pk for s in suppliers.values()}:
            raise PermissionDenied(
                "not_negotiating",
                "只有谈判小组成员和继续参加谈判的供应商可以在谈判中发言",
                "Only the panel and the suppliers still negotiating may write here",
            )
        supplier = next(s for s in suppliers.values() if s.pk == actor.entity_id)
        if (supplier_uscc or "").strip() and supplier_uscc.strip().upper() != supplier.uscc:
            raise PermissionDenied(
                "not_your_channel",
                "供应商只能在本单位的谈判记录中发言",
                "A supplier writes in its own channel only",
            )
    _require_open(lot, evaluation)
    text = (text or "").strip()
    if not text or len(text) > MAX_MESSAGE:
        raise InvalidInput(
            "message_text", f"请填写内容（不超过{MAX_MESSAGE}字）", f"Write 1..{MAX_MESSAGE} characters"
        )
    if text.startswith(CHANGE_NOTICE[:4]):
        # Only a confirmed change goes out as one (confirm_change), to every supplier at once.
        raise InvalidInput(
            "message_looks_like_change",
            "实质性变动须经采购人代表确认后由平台同时通知所有供应商，不得以谈判记录代替",
            "A change of the requirements goes out only when confirmed, to every supplier at once",
            rule=negotiation_rule(lot).legal,
        )
    assert actor.user_id is not None
    message = NegotiationMessage.objects.create(
        evaluation=evaluation,
        supplier=supplier,
        from_panel=member is not None,
        author_id=actor.user_id,
        text=text,
        sent_at=clock.now(),
    )
    # The other side is told; the panel reads every channel, a supplier only its own.
    if member is not None:
        for user_id in _users_of({supplier.pk}):
            notify.queue_to(user_id, "谈判小组消息", f"{lot.code} {lot.name}：{text[:200]}")
    else:
        for seat in evaluation.members.all():
            notify.queue_to(seat.user_id, "供应商谈判消息", f"{lot.code} {supplier.name}：{text[:200]}")
    audit.record(
        message, {"lot": lot.code, "supplier": supplier.uscc, "from_panel": member is not None, "text": text}
    )
    return message


def channel(actor: Actor, lot_code: str, supplier_uscc: str | None = None) -> list[NegotiationMessage]:
    """What one may read: a panel member any supplier's channel, a supplier its own."""
    lot = Lot.objects.filter(code=lot_code).first()
    evaluation = Evaluation.objects.filter(lot=lot).first() if lot is not None else None
    if lot is None or evaluation is None:
        raise NotFound("evaluation_not_started", "评审尚未开始", "The evaluation has not started")
    messages = NegotiationMessage.objects.filter(evaluation=evaluation).select_related("supplier", "author")
    if actor.user_id is not None and evaluation.members.filter(user_id=actor.user_id).exists():
        return list(messages.filter(supplier__uscc=supplier_uscc) if supplier_uscc else messages)
    if (
        Role.BIDDER in actor.roles
        and actor.entity_id is not None
        and lot.bids.filter(bidder_id=actor.entity_id).exists()
    ):
        return list(messages.filter(supplier_id=actor.entity_id))
    raise PermissionDenied(
        "not_negotiating", "您不能查看本项目的谈判记录", "You cannot read this negotiation"
    )


# ---- requirement changes -----------------------------------------------------------------------


@action("evaluation.propose_requirement_change")
def propose_change(actor: Actor, lot_code: str, text: str) -> RequirementChange:
    """A panel member writes down a substantive change of the requirements or the draft contract."""
    lot, evaluation = _negotiation_of(lot_code)
    member = _panel_member(actor, evaluation)
    if member is None:
        raise PermissionDenied("not_a_member", "您不是本项目谈判小组成员", "You are not on this panel")
    _require_no_final_round(lot, _require_open(lot, evaluation))
    text = (text or "").strip()
    if not text or len(text) > MAX_MESSAGE:
        raise InvalidInput(
            "change_text", f"请写明变动内容（不超过{MAX_MESSAGE}字）", f"Write 1..{MAX_MESSAGE} characters"
        )
    change = RequirementChange.objects.create(
        evaluation=evaluation, text=text, proposed_by=member, proposed_at=clock.now()
    )
    audit.record(change, {"lot": lot.code, "text": text})
    return change


def _may_confirm(actor: Actor, lot: Lot, evaluation: Evaluation) -> bool:
    """The purchaser's representative: a representative on the panel, or a user of the purchaser itself."""
    if actor.user_id is None:
        return False
    seat = evaluation.members.filter(user_id=actor.user_id).first()
    if seat is not None:
        return seat.kind == CommitteeMember.Kind.REPRESENTATIVE
    return actor.entity_id is not None and actor.entity_id == lot.project.principal_id


@action("evaluation.confirm_requirement_change")
def confirm_change(actor: Actor, lot_code: str, change_id: int) -> RequirementChange:
    """The purchaser's representative confirms the change; it goes in writing to every supplier still
    negotiating at the same moment, into each one's channel (74号令 第32条)."""
    lot, evaluation = _negotiation_of(lot_code)
    if not _may_confirm(actor, lot, evaluation):
        raise PermissionDenied(
            "representative_only",
            "实质性变动须经采购人代表确认",
            "A substantive change is confirmed by the purchaser's representative",
        )
    _require_no_final_round(lot, _require_open(lot, evaluation))
    change = (
        RequirementChange.objects.select_for_update(of=("self",))
        .filter(pk=change_id, evaluation=evaluation)
        .first()
    )
    if change is None:
        raise NotFound("change_not_found", "未找到该实质性变动", "No such change")
    if change.withdrawn_at is not None:
        raise InvalidInput(
            "change_withdrawn", "该变动已撤回或不予确认", "The change was withdrawn or declined"
        )
    if change.confirmed_at is not None:
        return change
    now = clock.now()
    change.confirmed_by_id = actor.user_id
    change.confirmed_at = now
    change.save(update_fields=["confirmed_by", "confirmed_at"])
    suppliers = negotiating_suppliers(evaluation)
    notice = f"{CHANGE_NOTICE}{change.text}"
    assert actor.user_id is not None
    NegotiationMessage.objects.bulk_create(
        NegotiationMessage(
            evaluation=evaluation,
            supplier=s,
            from_panel=True,
            author_id=actor.user_id,
            text=notice,
            sent_at=now,
            change=change,
        )
        for s in suppliers
    )
    for user_id in _users_of({s.pk for s in suppliers}):
        notify.queue_to(user_id, "采购需求实质性变动通知", f"{lot.code} {lot.name}：{change.text[:200]}")
    audit.record(change, {"lot": lot.code, "notified": sorted(s.uscc for s in suppliers)})
    return change


@action("evaluation.withdraw_requirement_change")
def withdraw_change(actor: Actor, lot_code: str, change_id: int) -> RequirementChange:
    """A change not confirmed goes nowhere: the panel withdraws it, or the purchaser's representative
    declines it (74号令 第32条: only a confirmed change binds); it stays in the record as withdrawn."""
    lot, evaluation = _negotiation_of(lot_code)
    if _panel_member(actor, evaluation) is None and not _may_confirm(actor, lot, evaluation):
        raise PermissionDenied("not_a_member", "您不是本项目谈判小组成员", "You are not on this panel")
    _require_open(lot, evaluation)
    change = (
        RequirementChange.objects.select_for_update(of=("self",))
        .filter(pk=change_id, evaluation=evaluation)
        .first()
    )
    if change is None:
        raise NotFound("change_not_found", "未找到该实质性变动", "No such change")
    if change.confirmed_at is not None:
        raise InvalidInput(
            "change_confirmed",
            "已确认并通知供应商的变动不能撤回；如需改变，请再提出新的变动",
            "A confirmed change was sent to the suppliers: propose a new one instead",
        )
    if change.withdrawn_at is None:
        change.withdrawn_at = clock.now()
        change.withdrawn_by_id = actor.user_id
        change.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit.record(change, {"lot": lot.code, "withdrawn": True})
    return change


@action("evaluation.leave_negotiation")
def leave_negotiation(actor: Actor, lot_code: str) -> list[Bid]:
    """A supplier still negotiating leaves before the final offers are due (74号令 第34条; 214号 第20条):
    its responses are withdrawn and its deposit goes back within the refund period. A rejected supplier
    is not negotiating: its deposit follows the rejection, not a withdrawal."""
    require_role(actor, Role.BIDDER)
    supplier = entity_of(actor)
    lot, evaluation = _negotiation_of(lot_code)
    if supplier.pk not in {s.pk for s in negotiating_suppliers(evaluation)}:
        raise PermissionDenied("not_negotiating", "贵单位不在本项目的谈判中", "You are not negotiating here")
    rule = _require_open(lot, evaluation)
    final = lot.rounds.filter(final=True).first()
    if final is not None and clock.now() >= final.deadline:
        raise InvalidInput(
            "negotiation_leave_closed",
            "最后报价截止后不能退出谈判",
            "A supplier may leave only before the final offers are due",
            rule=rule.legal,
        )
    due = end_of_day(procedure.rules_for(lot).bond_refund_after_withdrawal_days.end(clock.today()))
    withdrawn = rounds.withdraw(lot, supplier, due)
    audit.record(lot, {"left": supplier.uscc, "receipts": [b.receipt_no for b in withdrawn]})
    return withdrawn


# ---- rounds ------------------------------------------------------------------------------------


def _since(evaluation: Evaluation) -> datetime:
    """Where the present stage of the negotiation began: the last round's close (its responses opened),
    else the start of the evaluation."""
    closed = evaluation.lot.rounds.order_by("-number").values_list("closed_at", flat=True).first()
    return closed or evaluation.started_at


def unheard(evaluation: Evaluation) -> list[Entity]:
    """Suppliers still negotiating whom the panel has not yet met in this stage of the negotiation: each
    must get the same chance before the next round (74号令 第31条)."""
    since = _since(evaluation)
    met = set(
        NegotiationMessage.objects.filter(
            evaluation=evaluation, from_panel=True, sent_at__gte=since, change__isnull=True
        ).values_list("supplier_id", flat=True)
    )
    return [s for s in negotiating_suppliers(evaluation) if s.pk not in met]


@action("evaluation.open_round")
def open_round(actor: Actor, lot_code: str, minutes: int, final: bool, requirements: str = "") -> Round:
    """The chair asks the suppliers still negotiating for sealed revised responses (or, `final`, for their
    final offers) within `minutes`; the confirmed changes since the last round go with the request."""
    lot, evaluation = _negotiation_of(lot_code)
    member = _panel_member(actor, evaluation)
    if member is None or not member.is_chair:
        raise PermissionDenied("chair_only", "由谈判小组组长组织提交响应文件", "The chair opens a round")
    rule = _require_open(lot, evaluation)
    if rounds.current_round(lot) is not None:
        raise InvalidInput(
            "round_in_progress", "上一轮尚未结束", "The current round has not ended", rule=rule.legal
        )
    pending = evaluation.requirement_changes.filter(confirmed_at__isnull=True, withdrawn_at__isnull=True)
    if pending.exists():
        raise InvalidInput(
            "requirement_change_unconfirmed",
            "尚有实质性变动未经采购人代表确认，确认或撤回后才能要求供应商重新提交",
            "A change awaits the purchaser's representative: confirm it first",
            rule=rule.legal,
            details={"changes": list(pending.values_list("pk", flat=True))},
        )
    suppliers = negotiating_suppliers(evaluation)
    fewest = final_offers_minimum(lot)
    remaining = qualified_count(lot, valid_bids(evaluation))
    if remaining < fewest.value:
        # 74号令 第37条 (214号 第34条): the purchase ends as soon as too few remain, not after more rounds.
        raise InvalidInput(
            "too_few_negotiating",
            f"继续参加谈判的供应商不足{fewest.value}家（{remaining}家），应当终止采购活动：请办理终止并说明原因",
            f"Fewer than {fewest.value} suppliers remain ({remaining}): end the purchase instead",
            rule=fewest.legal,
            details={"remaining": remaining, "minimum": fewest.value},
        )
    not_met = unheard(evaluation)
    if not_met:
        raise InvalidInput(
            "negotiation_unequal",
            "谈判小组应给予所有参加谈判的供应商平等的谈判机会：尚未与"
            + "、".join(s.name for s in not_met)
            + "进行本轮谈判",
            "Every supplier gets the same chance: the panel has not yet negotiated with "
            + ", ".join(s.uscc for s in not_met),
            rule=rule.legal,
            details={"suppliers": [s.uscc for s in not_met]},
        )
    low, high = ROUND_MINUTES
    if not low <= minutes <= high:
        raise InvalidInput(
            "round_minutes", f"提交时限应为{low}分钟至{high // 1440}日", f"Give {low}..{high} minutes"
        )
    now = clock.now()
    opened = lot.rounds.order_by("-number").values_list("opened_at", flat=True).first()
    since = opened or evaluation.started_at  # a change confirmed while the last round ran is repeated too
    changes = [c.text for c in evaluation.requirement_changes.filter(confirmed_at__gte=since)]
    text = "\n".join(filter(None, [(requirements or "").strip(), *(f"实质性变动：{c}" for c in changes)]))
    new = rounds.start_round(
        lot, suppliers, final=final, deadline=now + timedelta(minutes=minutes), requirements=text, now=now
    )
    lot.save()
    events.on_lot_advanced(lot)  # supervision looks at the round now (S23), while there is time to act
    audit.record(
        new,
        {
            "lot": lot.code,
            "number": new.number,
            "final": final,
            "deadline": new.deadline,
            "suppliers": sorted(s.uscc for s in suppliers),
        },
    )
    return new


# ---- the chronograph ---------------------------------------------------------------------------


def final_offers_minimum(lot: Lot) -> Rule[int]:
    """The fewest final offers (74号令 第33条; 214号 第21条), or 2 on a ground the notice states."""
    rules = procedure.rules_for(lot)
    assert rules.min_final_offers is not None
    assert lot.notice is not None
    return procedure.supplier_minimum(lot.notice, rules, rules.min_final_offers, at_start=False)


def evaluation_phase(lot: Lot, now: datetime) -> str:
    """The chronograph's phase for a lot in evaluation: a negotiation round that is due, else the
    purchaser's decision period (evaluation.award.deem_first_ranked)."""
    if procedure.rules_for(lot).negotiation is None:
        return deem_first_ranked(lot, now)
    outcome = rounds.advance_round(lot, now)
    if outcome is None:
        return deem_first_ranked(lot, now)
    last = lot.rounds.order_by("-number").first()
    if last is not None and last.final and last.closed_at == now:  # the final offers were just opened
        return _after_final_offers(lot, now, outcome)
    return outcome


def _after_final_offers(lot: Lot, now: datetime, outcome: str) -> str:
    """Too few final offers end the purchase (74号令 第33、37条; 214号 第21、34条)."""
    evaluation = Evaluation.objects.get(lot=lot)
    minimum = final_offers_minimum(lot)
    count = qualified_count(lot, valid_bids(evaluation))
    if count >= minimum.value:
        return outcome
    ended = (
        f"提交最后报价的供应商不足{minimum.value}家（{count}家），{spec_for(lot).wording.failed}采购活动。"
        f"依据：{minimum.legal.citation}"
    )
    end_lot_failed(lot, ended, now)
    return f"{outcome}:too_few_final_offers"
