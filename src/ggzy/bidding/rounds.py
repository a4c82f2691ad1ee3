"""Rounds of sealed revised responses in a negotiation (竞争性谈判, 竞争性磋商), driven by the chronograph.

The evaluation package runs the negotiation itself (the panel, its channels, the requirement changes)
and opens each round here; this module keeps the sealing standard of the first responses for every round:
submission only by the suppliers still negotiating and only before the round's deadline, all responses
opened together when it passes, undecrypted ones deemed revoked or withdrawn as at an opening (E8).
"""

from datetime import datetime, timedelta

from django.db.models import QuerySet

from ggzy.bidding.models import Bid, Bond, Round
from ggzy.bidding.opening import check_stored_envelope, opening_rows, settle_undecrypted, tell_bidders
from ggzy.kernel.timefmt import local_text
from ggzy.registry.models import Entity
from ggzy.trading.models import Lot


def current_round(lot: Lot) -> Round | None:
    """The round not yet closed (at most one at a time), if any."""
    return lot.rounds.exclude(status=Round.Status.CLOSED).order_by("-number").first()


def open_round_of(lot: Lot) -> Round | None:
    """The round taking responses now, if the lot is negotiating and one is open."""
    if lot.state != Lot.State.EVALUATION:
        return None
    return lot.rounds.filter(status=Round.Status.OPEN).first()


def opening_round(lot: Lot) -> Round | None:
    """The round whose responses are being decrypted now, if any."""
    if lot.state != Lot.State.EVALUATION:
        return None
    return lot.rounds.filter(status=Round.Status.OPENING).first()


def sealed_rounds(now: datetime) -> list[str]:
    """Rounds whose deadline is still ahead: who responds in them stays out of listings (kernel.audit)."""
    return [str(pk) for pk in Round.objects.filter(deadline__gt=now).values_list("pk", flat=True)]


def standing(bids: "QuerySet[Bid]") -> "QuerySet[Bid]":
    """The decrypted responses that count now: the first ones and those of closed rounds — a round's
    responses are read only once all of them are opened together (its decryption window closed)."""
    return bids.filter(status=Bid.Status.DECRYPTED).exclude(
        round__status__in=[Round.Status.OPEN, Round.Status.OPENING]
    )


def drop_supplier(lot: Lot, bidder: Entity) -> None:
    """A supplier rejected during a negotiation is out of every round not yet closed, and whatever it sent
    in one no longer counts (it cannot come back by responding again)."""
    for unclosed in lot.rounds.exclude(status=Round.Status.CLOSED):
        unclosed.suppliers.remove(bidder)
        unclosed.responses.filter(
            bidder=bidder, status__in=[Bid.Status.SUBMITTED, Bid.Status.DECRYPTED]
        ).update(status=Bid.Status.WITHDRAWN, fault_reason="供应商已被否决，本轮响应文件不予评审")


def final_round_closed(lot: Lot) -> bool:
    return lot.rounds.filter(final=True, status=Round.Status.CLOSED).exists()


def decryption_closes_at(lot: Lot) -> datetime | None:
    """When the decryption under way closes: the opening's, or a negotiation round's."""
    if lot.state == Lot.State.OPENING:
        return lot.decrypt_closes_at
    opening = (
        lot.rounds.filter(status=Round.Status.OPENING).first() if lot.state == Lot.State.EVALUATION else None
    )
    return opening.decrypt_closes_at if opening is not None else None


def start_round(
    lot: Lot, suppliers: list[Entity], *, final: bool, deadline: datetime, requirements: str, now: datetime
) -> Round:
    """A new round for `suppliers` (the caller has checked the panel's rules and locks the lot)."""
    number = (lot.rounds.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    new = Round.objects.create(
        lot=lot, number=number, final=final, requirements=requirements, deadline=deadline, opened_at=now
    )
    new.suppliers.set(suppliers)
    lot.next_check = deadline
    kind = "最后报价" if final else f"第{number}轮响应文件"
    tell_bidders(
        suppliers,
        f"请提交{kind}",
        f"{lot.code} {lot.name}：请于{local_text(deadline)}前提交加密的{kind}。"
        + (f"本轮要求：{requirements}" if requirements else ""),
    )
    return new


def advance_round(lot: Lot, now: datetime) -> str | None:
    """What the chronograph does for a negotiating lot's round that is due; None if none is."""
    round_ = current_round(lot)
    if round_ is None:
        return None
    if round_.status == Round.Status.OPEN and round_.deadline <= now:
        return _start_decryption(lot, round_, now)
    if round_.status == Round.Status.OPENING and round_.decrypt_closes_at and round_.decrypt_closes_at <= now:
        return _close(lot, round_, now)
    lot.next_check = round_.deadline if round_.status == Round.Status.OPEN else round_.decrypt_closes_at
    return "round_not_due"


def _start_decryption(lot: Lot, round_: Round, now: datetime) -> str:
    assert lot.notice is not None
    responses = list(round_.responses.filter(status=Bid.Status.SUBMITTED))
    for bid in responses:
        check_stored_envelope(bid)
    round_.status = Round.Status.OPENING
    round_.decrypt_closes_at = now + timedelta(minutes=lot.notice.decrypt_minutes)
    round_.save(update_fields=["status", "decrypt_closes_at"])
    lot.next_check = round_.decrypt_closes_at
    tell_bidders(
        responses,
        "响应文件解密通知",
        f"{lot.code} {lot.name} 第{round_.number}轮已截止，请于{local_text(round_.decrypt_closes_at)}前在线解密。",
    )
    if not responses:
        return _close(lot, round_, now)
    return f"round_{round_.number}_opening:{len(responses)}"


def _close(lot: Lot, round_: Round, now: datetime) -> str:
    settle_undecrypted(
        list(round_.responses.select_for_update(of=("self",)).filter(status=Bid.Status.SUBMITTED))
    )
    opened = list(round_.responses.filter(status=Bid.Status.DECRYPTED))
    # A revised response replaces the one before it; the panel goes on from the newest.
    Bid.objects.filter(
        lot=lot, bidder_id__in=[b.bidder_id for b in opened], status=Bid.Status.DECRYPTED
    ).exclude(round=round_).update(status=Bid.Status.SUPERSEDED)
    if round_.final:
        # 74号令 第33条: a supplier still negotiating who sends no final offer is not ranked.
        lapsed = Bid.objects.filter(
            lot=lot, bidder__in=round_.suppliers.all(), status=Bid.Status.DECRYPTED
        ).exclude(round=round_)
        lapsed.update(status=Bid.Status.LAPSED)
    round_.rows = opening_rows(lot, round_.responses.all())
    round_.status = Round.Status.CLOSED
    round_.closed_at = now
    round_.save(update_fields=["rows", "status", "closed_at"])
    lot.next_check = None
    return f"round_{round_.number}_closed:{len(opened)}"


def withdraw(lot: Lot, bidder: Entity, refund_due: datetime) -> list[Bid]:
    """A supplier leaves the negotiation before the final offers (74号令 第34条): its responses are
    withdrawn and its deposit is due back. The caller checks the timing and locks the lot."""
    bids = list(
        Bid.objects.select_for_update(of=("self",)).filter(
            lot=lot, bidder=bidder, status__in=[Bid.Status.DECRYPTED, Bid.Status.SUBMITTED]
        )
    )
    Bid.objects.filter(pk__in=[b.pk for b in bids]).update(status=Bid.Status.WITHDRAWN)
    for bid in bids:
        bid.status = Bid.Status.WITHDRAWN
    for open_round in lot.rounds.exclude(status=Round.Status.CLOSED):
        open_round.suppliers.remove(bidder)  # nothing more is taken from it
    Bond.objects.filter(
        lot=lot, bidder=bidder, kind=Bond.Kind.DEPOSIT, status=Bond.Status.PAID, refund_due__isnull=True
    ).update(refund_due=refund_due)
    return bids
