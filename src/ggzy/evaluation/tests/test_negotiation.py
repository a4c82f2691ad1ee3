"""竞争性谈判 (74号令 第26–37条) and 竞争性磋商 (财库〔2014〕214号) on the same engine: the first responses
sealed and opened together, then negotiation rounds — the whole panel with each supplier in its own
recorded channel, changes confirmed by the purchaser's representative and sent to every supplier, sealed
revised responses opened together, a supplier free to leave before the final offers — and the final
offers ranked by price (谈判) or comprehensive score (磋商); too few final offers terminate the purchase."""

from datetime import timedelta
from decimal import Decimal

import pytest

from ggzy.bidding.models import Bid, Bond, Round
from ggzy.evaluation import actions, award, negotiation
from ggzy.evaluation.models import NegotiationMessage
from ggzy.evaluation.negotiation import leave_negotiation
from ggzy.evaluation.schemas import CommitteeIn, CriterionIn, PlanIn
from ggzy.evaluation.tests.conftest import (
    Opened,
    decrypt,
    opened_consultation,
    opened_negotiation,
    submit,
)
from ggzy.experts.rules import CONSULTATION_COMMITTEE_RULES, NEGOTIATION_COMMITTEE_RULES
from ggzy.kernel import chronograph, clock
from ggzy.kernel.errors import GgzyError, InvalidInput
from ggzy.services.archive import archive_lot, verify_package
from ggzy.testing import actor_of, local, procurement_bid_form
from ggzy.trading.models import Lot
from ggzy.trading.specs import PROCUREMENT_CONSULTATION_SPEC, PROCUREMENT_NEGOTIATION_SPEC

__all__ = ["opened_consultation", "opened_negotiation"]
pytestmark = pytest.mark.django_db


def panel(o: Opened) -> list[str]:
    """The 4 drawn experts and the purchaser's representative, signed in; the first expert chairs."""
    members = [*o.experts, "zbdb"]
    actions.start_evaluation(
        actor_of("op"),
        o.lot_code,
        CommitteeIn(experts=o.experts, representatives=["zbdb"], chair=o.experts[0]),
    )
    for username in members:
        actions.sign_in(actor_of(username), o.lot_code, o.keys[username].public_key.to_pem(), True)
    return members


def meet_everyone(o: Opened, chair: str, suppliers: range) -> None:
    for i in suppliers:
        negotiation.send_message(
            actor_of(chair), o.lot_code, o.tender.bidders[i][0].uscc, f"请供应商{i}说明服务人员配置"
        )
        negotiation.send_message(actor_of(f"tb{i}"), o.lot_code, "", "保洁12人、安保8人，详见响应文件")


def run_round(o: Opened, prices: dict[int, str]) -> dict[int, str]:
    """Each supplier i in `prices` sends a sealed revised response at that price before the deadline;
    when it passes they decrypt, and the window closes. Their receipts."""
    envelopes = {i: submit(o.tender, i, p, procurement_bid_form(p)) for i, p in prices.items()}
    deadline = Round.objects.filter(lot__code=o.lot_code).order_by("-number").first()
    assert deadline is not None
    clock.freeze(deadline.deadline)
    chronograph.sweep()
    receipts = {i: decrypt(o.tender, i, e) for i, e in envelopes.items()}
    clock.advance(timedelta(minutes=30))
    chronograph.sweep()
    return receipts


def report(o: Opened, members: list[str]) -> None:
    evaluation = actions.finish_scoring(actor_of(members[0]), o.lot_code)
    with evaluation.report_pdf.open("rb") as pdf:
        data = pdf.read()
    for username in members:
        actions.sign_report(actor_of(username), o.lot_code, o.keys[username].sign(data).hex())


def test_a_negotiation_from_first_responses_to_the_archive(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    lot = Lot.objects.get(code=o.lot_code)
    assert lot.procedure == PROCUREMENT_NEGOTIATION_SPEC.key and lot.state == Lot.State.EVALUATION
    members = panel(o)
    chair = members[0]
    # Nothing is ranked before the final offers.
    with pytest.raises(InvalidInput) as early:
        actions.finish_scoring(actor_of(chair), o.lot_code)
    assert early.value.code == "negotiation_not_finished"
    # Equal opportunity: the panel meets every supplier before asking for revised responses.
    meet_everyone(o, chair, range(3))
    with pytest.raises(InvalidInput) as unequal:
        negotiation.open_round(actor_of(chair), o.lot_code, 60, final=False)
    assert unequal.value.code == "negotiation_unequal"
    assert unequal.value.details["suppliers"] == [o.tender.bidders[3][0].uscc]
    assert unequal.value.rule is not None and "第31" in unequal.value.rule.citation
    meet_everyone(o, chair, range(3, 4))
    # A supplier reads its own channel only; the panel reads them all.
    own = negotiation.channel(actor_of("tb0"), o.lot_code)
    assert {m.supplier_id for m in own} == {o.tender.bidders[0][0].pk} and len(own) == 2
    assert len(negotiation.channel(actor_of(chair), o.lot_code)) == 8
    with pytest.raises(GgzyError) as outsider:
        negotiation.send_message(actor_of("tb0"), o.lot_code, o.tender.bidders[1][0].uscc, "我来替他回答")
    assert (
        NegotiationMessage.objects.filter(text="我来替他回答", supplier=o.tender.bidders[1][0]).count() == 0
    )
    assert outsider.value.code == "not_your_channel"
    # A change of the requirements: proposed by the panel, confirmed by the purchaser's representative only.
    change = negotiation.propose_change(actor_of(chair), o.lot_code, "服务期由1年调整为2年，人员增加至24人")
    with pytest.raises(InvalidInput) as pending:
        negotiation.open_round(actor_of(chair), o.lot_code, 60, final=False)
    assert pending.value.code == "requirement_change_unconfirmed"
    with pytest.raises(GgzyError) as expert:
        negotiation.confirm_change(actor_of(members[1]), o.lot_code, change.pk)
    assert expert.value.code == "representative_only"
    negotiation.confirm_change(actor_of("zbdb"), o.lot_code, change.pk)
    for i in range(4):  # in writing, to every supplier, at one moment
        written = NegotiationMessage.objects.filter(
            supplier=o.tender.bidders[i][0], text__contains="服务期由1年"
        )
        assert written.count() == 1
    first_round = negotiation.open_round(actor_of(chair), o.lot_code, 60, final=False)
    assert "服务期由1年调整为2年" in first_round.requirements
    # Supplier 3 leaves before the final offers: its response is withdrawn, its deposit due back.
    leave_negotiation(actor_of("tb3"), o.lot_code)
    assert Bond.objects.get(lot=lot, bidder=o.tender.bidders[3][0]).refund_due is not None
    with pytest.raises(GgzyError) as gone:
        submit(o.tender, 3, "1000000.00", procurement_bid_form("1000000.00"))
    assert gone.value.code == "not_negotiating"
    revised = run_round(o, {0: "1130000.00", 1: "1110000.00"})  # supplier 2 keeps its first response
    # Late: the round's deadline has passed.
    with pytest.raises(GgzyError) as late:
        submit(o.tender, 2, "1090000.00", procurement_bid_form("1090000.00"))
    assert late.value.code in {"bidding_closed", "not_negotiating"}
    standing = {b.bidder_id: b for b in Bid.objects.filter(lot=lot, status=Bid.Status.DECRYPTED)}
    assert {b.receipt_no for b in standing.values()} >= set(revised.values())
    assert Bid.objects.filter(lot=lot, status=Bid.Status.SUPERSEDED).count() == 2
    # The final offers: a new round, the panel having met the three who remain.
    with pytest.raises(InvalidInput):
        negotiation.open_round(actor_of(chair), o.lot_code, 30, final=True)
    meet_everyone(o, chair, range(3))
    negotiation.open_round(actor_of(chair), o.lot_code, 30, final=True)
    with pytest.raises(InvalidInput) as final_asked:  # the negotiation is over once final offers are asked
        negotiation.propose_change(actor_of(chair), o.lot_code, "再增加2人")
    assert final_asked.value.code == "final_offers_asked"
    run_round(o, {0: "1125000.00", 1: "1105000.00", 2: "1098000.00"})
    assert Lot.objects.get(code=o.lot_code).state == Lot.State.EVALUATION
    with pytest.raises(InvalidInput) as over:
        negotiation.send_message(actor_of(chair), o.lot_code, o.tender.bidders[0][0].uscc, "再降一点？")
    assert over.value.code == "negotiation_over"
    with pytest.raises(InvalidInput):
        leave_negotiation(actor_of("tb0"), o.lot_code)
    report(o, members)
    ranked = [(c.rank, c.price) for c in lot.evaluation.candidates.order_by("rank")]
    assert ranked == [(1, Decimal("1098000.00")), (2, Decimal("1105000.00")), (3, Decimal("1125000.00"))]
    first = lot.evaluation.candidates.get(rank=1).bid.receipt_no
    award.confirm_result(actor_of("zb"), o.lot_code, first)
    # 质疑 of the result (政府采购法 第52条, 7 working days): a supplier not chosen challenges in time.
    challenge = award.object_to_result(actor_of("tb0"), o.lot_code, "最后报价排序有误")
    assert challenge.answer_due is not None
    with pytest.raises(InvalidInput) as held:  # the contract waits for the answer (条例 第54条)
        award.sign_contract(actor_of("zb"), o.lot_code, Decimal("1098000"), Decimal(0), "ab" * 32)
    assert held.value.code == "challenge_pending"
    from ggzy.trading.actions import answer_objection

    answer_objection(actor_of("zb"), challenge.pk, "排序按最后报价由低到高，无误")
    award.sign_contract(actor_of("zb"), o.lot_code, Decimal("1098000"), Decimal(0), "ab" * 32)
    award.report_to_supervisor(actor_of("zb"), o.lot_code)
    package = archive_lot(actor_of("op"), o.lot_code)
    data = package.file.read()
    assert verify_package(data, package.merkle_root).ok
    import io
    import json
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(data))
    assert [r["number"] for r in json.loads(archive.read("negotiation/rounds.json"))] == [1, 2]
    assert any("服务期由1年" in m["text"] for m in json.loads(archive.read("negotiation/messages.json")))


def test_too_few_final_offers_terminate_the_negotiation(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    meet_everyone(o, members[0], range(4))
    negotiation.open_round(actor_of(members[0]), o.lot_code, 30, final=True)
    run_round(o, {0: "1125000.00", 1: "1105000.00"})  # 2 and 3 send no final offer
    lot = Lot.objects.get(code=o.lot_code)
    assert Bid.objects.filter(lot=lot, status=Bid.Status.LAPSED).count() == 2
    assert lot.state == Lot.State.FAILED
    assert "不足3家（2家）" in lot.outcome_reason and "第33、37条" in lot.outcome_reason
    assert Bond.objects.filter(lot=lot, refund_due__isnull=True).count() == 0


def test_three_final_offers_are_enough(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    meet_everyone(o, members[0], range(4))
    negotiation.open_round(actor_of(members[0]), o.lot_code, 30, final=True)
    run_round(o, {0: "1125000.00", 1: "1105000.00", 3: "1090000.00"})
    lot = Lot.objects.get(code=o.lot_code)
    assert lot.state == Lot.State.EVALUATION
    assert negotiation.final_offers_minimum(lot).value == 3


def test_a_consultation_scores_the_final_offers(opened_consultation: Opened) -> None:
    o = opened_consultation
    lot = Lot.objects.get(code=o.lot_code)
    assert lot.procedure == PROCUREMENT_CONSULTATION_SPEC.key
    members = panel(o)
    chair = members[0]
    receipt = Bid.objects.filter(lot=lot, status=Bid.Status.DECRYPTED).first()
    assert receipt is not None
    with pytest.raises(InvalidInput) as early:
        actions.submit_scores(actor_of(chair), o.lot_code, {receipt.receipt_no: {"T1": Decimal(40)}})
    assert early.value.code == "negotiation_not_finished"
    meet_everyone(o, chair, range(4))
    negotiation.open_round(actor_of(chair), o.lot_code, 30, final=True)
    finals = run_round(o, {0: "1100000.00", 1: "1000000.00", 2: "1050000.00"})
    technical = {0: Decimal(50), 1: Decimal(30), 2: Decimal(45)}
    for username in members:
        actions.submit_scores(
            actor_of(username),
            o.lot_code,
            {finals[i]: {"T1": technical[i], "B1": Decimal(15)} for i in finals},
        )
    report(o, members)
    # Price points 30 × lowest / offer: 0 → 27.27, 1 → 30, 2 → 28.57; totals 92.27, 75, 88.57.
    ranked = [(c.rank, c.bid.receipt_no) for c in lot.evaluation.candidates.order_by("rank")]
    assert ranked == [(1, finals[0]), (2, finals[2]), (3, finals[1])]


def test_consultation_price_weight_within_its_band(consultation) -> None:  # type: ignore[no-untyped-def]
    code = consultation.lot.code

    def plan(points: int) -> PlanIn:
        return PlanIn(
            method="comprehensive",
            price_points=Decimal(points),
            criteria=[
                CriterionIn(code="T1", name="服务方案", kind="technical", max_points=Decimal(100 - points))
            ],
        )

    for bad in (9, 31):  # services: 10–30
        with pytest.raises(InvalidInput) as refused:
            actions.set_plan(consultation.manager, code, plan(bad))
        assert refused.value.code == "plan_price_weight" and "214号" in refused.value.rule.citation  # type: ignore[union-attr]
    for good in (10, 30):
        actions.set_plan(consultation.manager, code, plan(good))
    with pytest.raises(InvalidInput):
        actions.set_plan(consultation.manager, code, PlanIn(method="lowest_price"))  # 综合评分法 only


def test_goods_price_weight_band_and_default_plan(consultation) -> None:  # type: ignore[no-untyped-def]
    from ggzy.evaluation.rules import PROCUREMENT_CONSULTATION_EVALUATION as rules

    assert rules.min_price_points["goods"].value == 30 and rules.max_price_points["goods"].value == 60
    # Without a plan of its own a services consultation gets the default with the price capped at 30.
    default = actions.plan_of(consultation.lot)
    assert default.price_points == 30 and sum(c.max_points for c in default.criteria) == 70


def test_panels_of_the_two_methods() -> None:
    # 谈判: ≥ 3 odd, experts ≥ 2/3, ≥ 5 at the open-tender threshold (74号令 第7条).
    NEGOTIATION_COMMITTEE_RULES.check(2, 1, Decimal("1999999.99"))
    with pytest.raises(InvalidInput):
        NEGOTIATION_COMMITTEE_RULES.check(2, 1, Decimal("2000000"))
    with pytest.raises(InvalidInput):
        NEGOTIATION_COMMITTEE_RULES.check(2, 2, Decimal("1000000"))  # even
    with pytest.raises(InvalidInput):
        NEGOTIATION_COMMITTEE_RULES.check(1, 1, Decimal("1000000"))  # too small
    # 磋商: ≥ 3 odd, experts ≥ 2/3, no larger panel above the threshold (214号 第14条).
    CONSULTATION_COMMITTEE_RULES.check(2, 1, Decimal("50000000"))
    with pytest.raises(InvalidInput):
        CONSULTATION_COMMITTEE_RULES.check(1, 2, Decimal("1000000"))  # experts below 2/3


def test_periods_to_the_first_responses(negotiation) -> None:  # type: ignore[no-untyped-def]
    from ggzy.trading.actions import check_periods
    from ggzy.trading.rules import PROCUREMENT_CONSULTATION, PROCUREMENT_NEGOTIATION
    from ggzy.trading.tests.conftest import purchase_notice_form

    # 谈判: ≥ 3 working days from Wednesday 4 March 2026 (5, 6, 9 → Monday 9 March).
    with pytest.raises(InvalidInput) as short:
        check_periods(
            purchase_notice_form("x", docs_until=local(2026, 3, 6, 17), bid_deadline=local(2026, 3, 6, 17)),
            local(2026, 3, 4).date(),
            PROCUREMENT_NEGOTIATION,
        )
    assert short.value.rule is not None and "第29条" in short.value.rule.citation
    check_periods(
        purchase_notice_form("x", docs_until=local(2026, 3, 9, 9), bid_deadline=local(2026, 3, 9, 9)),
        local(2026, 3, 4).date(),
        PROCUREMENT_NEGOTIATION,
    )
    # 磋商: ≥ 10 日 to the first responses — the 10th day, Saturday 14 March, rolls to Monday 16 March —
    # and the documents out ≥ 5 working days.
    with pytest.raises(InvalidInput) as ten:
        check_periods(
            purchase_notice_form("x", docs_until=local(2026, 3, 11, 17), bid_deadline=local(2026, 3, 13, 17)),
            local(2026, 3, 4).date(),
            PROCUREMENT_CONSULTATION,
        )
    assert ten.value.rule is not None and "214号" in ten.value.rule.citation
    with pytest.raises(InvalidInput):
        check_periods(
            purchase_notice_form("x", docs_until=local(2026, 3, 10, 17), bid_deadline=local(2026, 3, 16, 9)),
            local(2026, 3, 4).date(),
            PROCUREMENT_CONSULTATION,
        )  # the documents out 4 working days only
    check_periods(
        purchase_notice_form("x", docs_until=local(2026, 3, 11, 17), bid_deadline=local(2026, 3, 16, 9)),
        local(2026, 3, 4).date(),
        PROCUREMENT_CONSULTATION,
    )


def test_two_final_offers_only_on_a_ground_the_method_allows(negotiation) -> None:  # type: ignore[no-untyped-def]
    from ggzy.trading.actions import create_notice
    from ggzy.trading.models import Notice
    from ggzy.trading.procedure import supplier_minimum
    from ggzy.trading.rules import PROCUREMENT_CONSULTATION, PROCUREMENT_NEGOTIATION

    # The failed-tender ground needs an approved change of method from a failed tender.
    lot = negotiation.lot
    negotiation.notice.lots.update(notice=None)
    from ggzy.trading.tests.conftest import purchase_notice_form

    with pytest.raises(InvalidInput) as unapproved:
        create_notice(
            negotiation.manager,
            negotiation.project.code,
            purchase_notice_form(lot.code, two_supplier_ground="failed_tender"),
        )
    assert unapproved.value.code == "two_supplier_ground" and "第27条第2款" in unapproved.value.rule.citation  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as wrong:
        create_notice(
            negotiation.manager,
            negotiation.project.code,
            purchase_notice_form(lot.code, two_supplier_ground="research"),  # 磋商's ground, not 谈判's
        )
    assert wrong.value.code == "two_supplier_ground"
    # 磋商 of research: 3 invited and responding first, 2 final offers enough.
    research = Notice(two_supplier_ground="research")
    rules = PROCUREMENT_CONSULTATION
    assert supplier_minimum(research, rules, rules.min_bidders, at_start=True).value == 3
    assert rules.min_final_offers is not None
    assert supplier_minimum(research, rules, rules.min_final_offers, at_start=False).value == 2
    after_tender = Notice(two_supplier_ground="failed_tender")
    n = PROCUREMENT_NEGOTIATION
    assert supplier_minimum(after_tender, n, n.min_invited, at_start=True).value == 2
    assert supplier_minimum(Notice(), n, n.min_invited, at_start=True).value == 3


def test_a_declined_change_goes_nowhere_and_too_few_suppliers_end_the_purchase(
    opened_negotiation: Opened,
) -> None:
    o = opened_negotiation
    members = panel(o)
    chair = members[0]
    change = negotiation.propose_change(actor_of(chair), o.lot_code, "交货期缩短为10日")
    declined = negotiation.withdraw_change(actor_of("zbdb"), o.lot_code, change.pk)
    assert declined.withdrawn_at is not None
    with pytest.raises(InvalidInput) as gone:
        negotiation.confirm_change(actor_of("zbdb"), o.lot_code, change.pk)
    assert gone.value.code == "change_withdrawn"
    assert NegotiationMessage.objects.filter(text__contains="交货期缩短").count() == 0  # never sent
    # Two suppliers' first responses are rejected: 2 remain, fewer than 3 — no more rounds, the purchase ends.
    actions.reject_bid(actor_of(chair), o.lot_code, o.receipts[0], "not_responsive", "人员配置不满足要求")
    actions.reject_bid(actor_of(chair), o.lot_code, o.receipts[1], "not_responsive", "资质不符")
    meet_everyone(o, chair, range(2, 4))
    with pytest.raises(InvalidInput) as few:
        negotiation.open_round(actor_of(chair), o.lot_code, 30, final=True)
    assert few.value.code == "too_few_negotiating" and "第33、37条" in few.value.rule.citation  # type: ignore[union-attr]
    assert (
        actions.fail_evaluation(actor_of(chair), o.lot_code, "符合要求的供应商不足3家").state
        == Lot.State.FAILED
    )
