"""Government procurement after the report (87号令 第68–71条): no candidates' publicity; the purchaser
confirms the winner in rank order within 5 working days or rank 1 is deemed chosen; the result is published
with a 1-working-day notice period; 质疑 of the result within 7 working days after it; contract, filing."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from ggzy.bidding.models import Bond
from ggzy.evaluation import award
from ggzy.evaluation.models import Award, Evaluation
from ggzy.evaluation.tests.conftest import Opened, opened_purchase
from ggzy.evaluation.tests.test_flow import reported
from ggzy.kernel import chronograph, clock
from ggzy.kernel.audit import verify_chain
from ggzy.kernel.errors import GgzyError
from ggzy.services.archive import archive_lot, verify_package
from ggzy.testing import actor_of, local
from ggzy.trading.actions import answer_objection, local_date
from ggzy.trading.models import Lot, Objection

__all__ = ["opened_purchase"]
pytestmark = pytest.mark.django_db

SHA = "ab" * 32


def last_day(end_of_day: datetime) -> str:
    """The local day a deadline stored as the next midnight (trading.actions.end_of_day) closes."""
    return local_date(end_of_day - timedelta(seconds=1)).isoformat()


def first_and_second(evaluation: Evaluation) -> tuple[str, str]:
    ranks = list(evaluation.candidates.select_related("bid").order_by("rank"))
    return ranks[0].bid.receipt_no, ranks[1].bid.receipt_no


def test_no_candidates_publicity_the_purchaser_confirms_in_rank_order(opened_purchase: Opened) -> None:
    o = opened_purchase
    evaluation = reported(o)  # Tuesday 24 March 2026
    first, second = first_and_second(evaluation)
    with pytest.raises(GgzyError) as refused:
        award.publish_candidates(actor_of("zb"), o.lot_code, clock.now(), clock.now() + timedelta(days=3))
    assert refused.value.code == "no_candidate_publicity"
    with pytest.raises(GgzyError) as refused:
        award.confirm_result(actor_of("zb"), o.lot_code, second)
    assert refused.value.code == "rank_order_required"
    assert refused.value.rule is not None and "第68条" in refused.value.rule.citation
    with pytest.raises(GgzyError):
        award.confirm_result(actor_of("tb0"), o.lot_code, first)  # a bidder is not the purchaser

    result = award.confirm_result(actor_of("zb"), o.lot_code, first)
    lot = Lot.objects.get(code=o.lot_code)
    assert lot.state == Lot.State.AWARDED and not result.deemed
    assert result.winner is not None and result.winner.receipt_no == first
    # 公告期 1 working day: Wednesday 25 March; the contract within 30 days of the notice.
    assert last_day(result.publicity_until) == "2026-03-25"
    assert result.contract_due is not None and last_day(result.contract_due) == "2026-04-23"
    assert result.report_due is None  # the filing is counted from the contract
    losers = Bond.objects.filter(lot=lot).exclude(bidder=result.winner.bidder)
    assert {last_day(b.refund_due) for b in losers if b.refund_due} == {
        "2026-03-31"  # 5 working days after the award notice (87号令 第38条)
    }
    winner_bond = Bond.objects.get(lot=lot, bidder=result.winner.bidder)
    assert winner_bond.refund_due is None  # the winner's comes after the contract


def test_a_challenge_to_the_result_holds_the_contract(opened_purchase: Opened) -> None:
    o = opened_purchase
    first, _ = first_and_second(reported(o))
    award.confirm_result(actor_of("zb"), o.lot_code, first)
    loser = next(i for i in range(4) if o.receipts[i] != first)
    # 公告期 ends Wednesday 25 March; 7 working days from then: the last day is Friday 3 April.
    clock.freeze(local(2026, 4, 3, 16))
    challenge = award.object_to_result(actor_of(f"tb{loser}"), o.lot_code, "评分有误，请复核")
    assert last_day(challenge.answer_due) == "2026-04-15"  # 7 working days, past 清明 (4–6 April)
    with pytest.raises(GgzyError) as held:
        award.sign_contract(actor_of("zb"), o.lot_code, Decimal("4500000"), Decimal(0), SHA)
    assert held.value.code == "challenge_pending"
    answer_objection(actor_of("zb"), challenge.pk, "经复核，评分无误。")
    signed = award.sign_contract(actor_of("zb"), o.lot_code, Decimal("4500000"), Decimal("450000"), SHA)
    assert signed.report_due is not None
    assert last_day(signed.report_due) == "2026-04-15"  # 7 WD from 3 April
    with pytest.raises(GgzyError) as too_high:
        award.sign_contract(actor_of("zb"), o.lot_code, Decimal("4500000"), Decimal("450000.01"), SHA)
    assert too_high.value.code in {"not_awarded", "performance_bond_too_high"}


def test_the_challenge_period_ends_seven_working_days_after_the_notice_period(
    opened_purchase: Opened,
) -> None:
    o = opened_purchase
    first, _ = first_and_second(reported(o))
    award.confirm_result(actor_of("zb"), o.lot_code, first)
    loser = next(i for i in range(4) if o.receipts[i] != first)
    clock.freeze(local(2026, 4, 7, 9))  # the next working day after Friday 3 April (清明 4–6 April)
    with pytest.raises(GgzyError) as late:
        award.object_to_result(actor_of(f"tb{loser}"), o.lot_code, "迟到的质疑")
    assert late.value.code == "outside_challenge_period"
    assert not Objection.objects.filter(stage=Objection.Stage.RESULT).exists()


def test_rank_one_is_deemed_chosen_when_the_purchaser_lets_five_working_days_pass(
    opened_purchase: Opened,
) -> None:
    o = opened_purchase
    first, _ = first_and_second(reported(o))  # reported Tuesday 24 March
    lot = Lot.objects.get(code=o.lot_code)
    assert lot.next_check is not None
    clock.freeze(local(2026, 3, 31, 23, 59))  # the 5th working day: still the purchaser's
    chronograph.sweep()
    assert not Award.objects.exists()
    clock.freeze(local(2026, 4, 1, 0, 1))
    chronograph.sweep()
    deemed = Award.objects.get()
    assert deemed.deemed and deemed.winner is not None and deemed.winner.receipt_no == first
    assert Lot.objects.get(code=o.lot_code).state == Lot.State.AWARDED
    with pytest.raises(GgzyError):
        award.confirm_result(actor_of("zb"), o.lot_code, first)  # decided already


def test_passing_over_the_first_needs_a_reason_and_the_lot_reaches_a_verified_archive(
    opened_purchase: Opened,
) -> None:
    o = opened_purchase
    _, second = first_and_second(reported(o))
    result = award.confirm_result(actor_of("zb"), o.lot_code, second, "排名第一的供应商书面放弃中标资格")
    assert result.decision_reason.startswith("排名第一")
    clock.advance(timedelta(days=10))
    award.sign_contract(actor_of("zb"), o.lot_code, Decimal("4650000"), Decimal(0), SHA)
    award.report_to_supervisor(actor_of("zb"), o.lot_code)
    package = archive_lot(actor_of("op"), o.lot_code)
    assert verify_package(package.file.read(), package.merkle_root).ok
    assert Lot.objects.get(code=o.lot_code).state == Lot.State.ARCHIVED
    assert verify_chain().intact


def test_the_api_confirms_in_rank_order(client, opened_purchase: Opened) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import User

    o = opened_purchase
    first, second = first_and_second(reported(o))
    client.force_login(User.objects.get(username="zb"))
    url = f"/api/evaluation/lots/{o.lot_code}/confirm"
    refused = client.post(url, {"receipt_no": second}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["code"] == "rank_order_required"
    assert "第68条" in refused.json()["rule"]["citation"]
    done = client.post(url, {"receipt_no": first}, content_type="application/json")
    assert done.status_code == 200, done.json()
    assert Award.objects.get().winner.receipt_no == first  # type: ignore[union-attr]


def test_a_late_refund_owes_the_late_charge_and_an_early_one_nothing(opened_purchase: Opened) -> None:
    from ggzy.bidding.actions import refund_bond

    o = opened_purchase
    first, _ = first_and_second(reported(o))
    award.confirm_result(actor_of("zb"), o.lot_code, first)
    losers = list(Bond.objects.filter(lot__code=o.lot_code).exclude(bidder__bids__receipt_no=first))
    on_time, late = losers[0], losers[1]
    clock.freeze(local(2026, 3, 31, 16))  # the 5th working day after the notice: in time
    assert refund_bond(actor_of("op"), on_time.pk).interest == Decimal("0.00")  # procurement pays no interest
    clock.freeze(local(2026, 4, 2, 10))  # 2 days late (1 and 2 April)
    refunded = refund_bond(actor_of("op"), late.pk)
    assert refunded.refunded_late
    # 100,000 × 5.22% × 2 / 365 = 28.60 (87号令 第38条, the rate [U])
    assert refunded.interest == Decimal("28.60")
