"""The evaluation policy of government procurement tendering, each rule at its boundary:
methods and price weight (87号令 第53–55条), the SME price deduction (财库〔2020〕46号 第9条, 财库〔2022〕19号),
same-brand bids (第31条), fewer than 3 qualified → no evaluation, the lot fails (第44条; 法 第36条),
abnormally low prices (财库〔2026〕2号). Pure scoring functions first, then the actions."""

from decimal import Decimal as D

import pytest

from ggzy.evaluation import actions
from ggzy.evaluation.models import Evaluation, EvaluationPlan
from ggzy.evaluation.rules import EVALUATION_RULES, evaluation_rules_for
from ggzy.evaluation.schemas import CriterionIn, PlanIn
from ggzy.evaluation.scoring import (
    BidFigures,
    LowPriceTriggers,
    Ranked,
    abnormally_low,
    brand_key,
    distinct_bidders,
    evaluated_price,
    low_price_reasons,
    one_per_brand,
    rank_comprehensive,
    rank_lowest_price,
)
from ggzy.evaluation.tests.conftest import PURCHASE_PRICES, Opened, open_bids, opened, purchase, tender
from ggzy.evaluation.tests.test_flow import committee
from ggzy.kernel.errors import GgzyError, InvalidInput, PermissionDenied
from ggzy.testing import actor_of, procurement_bid_form
from ggzy.trading.models import Lot
from ggzy.trading.tests.conftest import Tender

__all__ = ["opened", "purchase", "tender"]

# ---- pure scoring ---------------------------------------------------------------------------------


def test_evaluated_price_deducts_only_for_a_declared_sme() -> None:
    assert evaluated_price(D("4800000.00"), True, D("0.10")) == D("4320000.00")
    assert evaluated_price(D("4800000.00"), False, D("0.10")) == D("4800000.00")
    assert evaluated_price(D("4800000.00"), True, D(0)) == D("4800000.00")
    assert evaluated_price(D("100.01"), True, D("0.125")) == D("87.51")  # 87.50875, to the fen


def test_lowest_price_ranks_on_evaluated_prices_and_keeps_the_offered_price() -> None:
    bids = [
        BidFigures(1, D("4800000"), 0, (), evaluated_price=D("4320000")),
        BidFigures(2, D("4400000"), 1, ()),
    ]
    ranked = rank_lowest_price(bids)
    assert [(r.bid_id, r.price, r.evaluated_price) for r in ranked] == [
        (1, D("4800000"), D("4320000")),
        (2, D("4400000"), None),
    ]


def test_comprehensive_base_is_the_lowest_evaluated_price_nothing_dropped() -> None:
    bids = [
        BidFigures(1, D("4800000"), 0, (D(50),), evaluated_price=D("4320000")),
        BidFigures(2, D("4400000"), 1, (D(50),)),
        BidFigures(3, D("9000000"), 2, (D(50),)),  # the highest is not dropped either
    ]
    ranked = {r.bid_id: r for r in rank_comprehensive(bids, D(30))}
    assert ranked[1].score == D("80.00")  # 50 + 30 (the base)
    assert ranked[2].score == D("79.45")  # 50 + 30 × 4320000 / 4400000 = 29.4545…
    assert ranked[3].score == D("64.40")  # 50 + 30 × 4320000 / 9000000 = 14.40
    assert [ranked[i].rank for i in (1, 2, 3)] == [1, 2, 3]


def test_brand_key_strips_and_casefolds() -> None:
    assert brand_key("  Lenovo ") == brand_key("LENOVO") == brand_key("ｌｅｎｏｖｏ") == "lenovo"
    assert brand_key(None) == brand_key("  ") == ""
    assert distinct_bidders(["a", "a", "b", "", ""]) == 4  # no brand: each bid counts


def test_one_per_brand_keeps_the_best_ranked_and_closes_up() -> None:
    ranked = [
        Ranked(1, 1, D(100), D(90)),
        Ranked(2, 2, D(110), D(85)),
        Ranked(3, 3, D(90), D(80)),
        Ranked(4, 4, D(95), None),
    ]
    kept, aside = one_per_brand(ranked, {1: "x", 2: "y", 3: "x", 4: ""})
    assert [(r.bid_id, r.rank) for r in kept] == [(1, 1), (2, 2), (4, 3)]
    assert [(a.bid_id, a.kept_bid_id, a.score) for a in aside] == [(3, 1, D(80))]


def test_low_price_vs_mean_strictly_below_half() -> None:
    only_mean = LowPriceTriggers(vs_mean=D("0.50"))
    # mean of 160, 160, 170, 70 = 140: 70 is exactly 50%, not below.
    assert low_price_reasons({1: D(160), 2: D(160), 3: D(170), 4: D(70)}, only_mean) == {}
    # mean 139.9975, half 69.99875: 69.99 is below.
    assert low_price_reasons({1: D(160), 2: D(160), 3: D(170), 4: D("69.99")}, only_mean) == {4: ["mean"]}


def test_low_price_vs_second_lowest_strictly_below_half() -> None:
    only_second = LowPriceTriggers(vs_second_lowest=D("0.50"))
    assert low_price_reasons({1: D(50), 2: D(100), 3: D(101)}, only_second) == {}
    assert low_price_reasons({1: D("49.99"), 2: D(100), 3: D(101)}, only_second) == {1: ["second_lowest"]}
    assert low_price_reasons({1: D(10), 2: D(10), 3: D(100)}, only_second) == {}  # the lowest tied


def test_low_price_vs_ceiling_strictly_below_45_percent() -> None:
    only_ceiling = LowPriceTriggers(vs_ceiling=D("0.45"), ceiling=D(1000))
    assert low_price_reasons({1: D(450), 2: D(900)}, only_ceiling) == {}
    assert low_price_reasons({1: D("449.99"), 2: D(900)}, only_ceiling) == {1: ["ceiling"]}
    assert low_price_reasons({1: D(1)}, LowPriceTriggers(vs_ceiling=D("0.45"))) == {}  # no ceiling known


def test_abnormally_low_with_a_bare_ratio_is_tendering_mean_rule() -> None:
    assert abnormally_low({1: D(100), 2: D(100), 3: D(60)}, D("0.85")) == {3}  # mean 86.67 × 0.85 = 73.67
    assert abnormally_low({1: D(100), 2: D(100), 3: D(60)}, LowPriceTriggers()) == set()


def test_rules_are_data_per_spec_with_citations() -> None:
    gp = EVALUATION_RULES["procurement_tender"]
    assert set(gp.methods.value) == {"lowest_price", "comprehensive"}
    assert (
        gp.min_price_points["goods"].value == D(30)
        and "第55条" in gp.min_price_points["goods"].legal.citation
    )
    assert gp.min_price_points["services"].value == D(10)
    assert gp.sme_deduction["goods"].value == (D("0.10"), D("0.20")) and gp.sme_deduction["goods"].unconfirmed
    assert gp.sme_deduction["works"].value == (D("0.03"), D("0.05"))
    assert gp.min_qualified is not None and gp.min_qualified.value == 3
    assert gp.low_vs_ceiling is not None and gp.low_vs_ceiling.unconfirmed
    construction = EVALUATION_RULES["construction_tender"]
    assert construction.sme_deduction == {} and construction.same_brand_counts_once is None
    assert construction.low_vs_mean is not None and construction.low_vs_mean.value == D("0.85")


# ---- the plan -------------------------------------------------------------------------------------

pytest_db = pytest.mark.django_db


def plan(method: str = "comprehensive", price: str = "30", sme: str = "0") -> PlanIn:
    rest = D(100) - D(price)
    return PlanIn(
        method=method,
        price_points=D(price) if method == "comprehensive" else D(0),
        criteria=[
            CriterionIn(code="T1", name="技术参数响应", kind="technical", max_points=rest - D(10)),
            CriterionIn(code="B1", name="售后服务", kind="business", max_points=D(10)),
        ],
        sme_deduction=D(sme),
    )


def refused(code: str, lot_code: str, form: PlanIn) -> GgzyError:
    with pytest.raises(GgzyError) as err:
        actions.set_plan(actor_of("zb"), lot_code, form)
    assert err.value.code == code, err.value.code
    return err.value


@pytest_db
def test_goods_price_weight_at_least_30(purchase: Tender) -> None:
    code = purchase.lot.code
    error = refused("plan_price_weight", code, plan(price="29.99"))
    assert error.rule is not None and "第55条" in error.rule.citation
    assert actions.set_plan(actor_of("zb"), code, plan(price="30")).price_points == D(30)


@pytest_db
def test_services_price_weight_at_least_10(purchase: Tender) -> None:
    Lot.objects.filter(pk=purchase.lot.pk).update(contract_kind=Lot.ContractKind.SERVICES)
    code = purchase.lot.code
    refused("plan_price_weight", code, plan(price="9.99"))
    assert actions.set_plan(actor_of("zb"), code, plan(price="10")).price_points == D(10)


@pytest_db
def test_procurement_lowest_price_needs_no_price_weight(purchase: Tender) -> None:
    saved = actions.set_plan(actor_of("zb"), purchase.lot.code, plan(method="lowest_price"))
    assert saved.method == EvaluationPlan.Method.LOWEST_PRICE
    error = refused("plan_method", purchase.lot.code, plan(method="fixed_price"))
    assert "最低评标价法" in error.zh and error.rule is not None and "第53条" in error.rule.citation


@pytest_db
def test_goods_sme_deduction_zero_or_10_to_20_percent(purchase: Tender) -> None:
    code = purchase.lot.code
    for ok in ("0", "0.10", "0.15", "0.20"):
        assert actions.set_plan(actor_of("zb"), code, plan(sme=ok)).sme_deduction == D(ok)
    for bad in ("0.0999", "0.2001", "0.06", "-0.10"):
        error = refused("plan_sme_deduction", code, plan(sme=bad))
        assert error.rule is not None and "46号" in error.rule.citation
    assert actions.plan_of(Lot.objects.get(code=code)).sme_deduction == D("0.20")  # the last one accepted


@pytest_db
def test_works_under_procurement_deduct_3_to_5_percent(purchase: Tender) -> None:
    Lot.objects.filter(pk=purchase.lot.pk).update(contract_kind=Lot.ContractKind.WORKS)
    code = purchase.lot.code
    refused("plan_sme_deduction", code, plan(sme="0.0299"))
    assert actions.set_plan(actor_of("zb"), code, plan(sme="0.03")).sme_deduction == D("0.03")
    assert actions.set_plan(actor_of("zb"), code, plan(sme="0.05")).sme_deduction == D("0.05")
    refused("plan_sme_deduction", code, plan(sme="0.0501"))


@pytest_db
def test_construction_keeps_its_checks_and_has_no_sme_deduction(tender: Tender) -> None:
    code = tender.lot.code
    assert actions.set_plan(actor_of("zb"), code, plan(price="5")).price_points == D(5)  # no minimum
    refused("plan_points", code, plan(price="0"))
    refused("plan_sme_not_applicable", code, plan(sme="0.10"))
    assert actions.set_plan(actor_of("zb"), code, plan(sme="0")).sme_deduction == D(0)


# ---- evaluation -----------------------------------------------------------------------------------


def opened_with(
    purchase: Tender,
    form: PlanIn,
    prices: list[str] = PURCHASE_PRICES,
    brands: list[str] | None = None,
    sme: list[bool] | None = None,
) -> Opened:
    actions.set_plan(actor_of("zb"), purchase.lot.code, form)
    brands = brands or [f"品牌{i}" for i in range(len(prices))]
    sme = sme or [False] * len(prices)
    forms: list[bytes | None] = [
        procurement_bid_form(p, brand=b, sme=s) for p, b, s in zip(prices, brands, sme, strict=True)
    ]
    return open_bids(purchase, forms, prices)


def score(o: Opened, members: list[str], points: list[tuple[int, int]]) -> None:
    for username in members:
        actions.submit_scores(
            actor_of(username),
            o.lot_code,
            {o.receipts[i]: {"T1": D(t), "B1": D(b)} for i, (t, b) in enumerate(points)},
        )


def ranks(evaluation: Evaluation) -> list[tuple[int, str, D, D | None]]:
    return [(c.rank, c.bid.receipt_no, c.price, c.score) for c in evaluation.candidates.select_related("bid")]


@pytest_db
def test_sme_deduction_under_lowest_price(purchase: Tender, network) -> None:  # type: ignore[no-untyped-def]
    # bid 0 (4 800 000, SME) is evaluated at 4 320 000, below bid 3's 4 400 000.
    o = opened_with(purchase, plan(method="lowest_price", sme="0.10"), sme=[True, False, False, False])
    committee(o)
    evaluation = actions.finish_scoring(actor_of(o.experts[0]), o.lot_code)
    r = o.receipts
    assert ranks(evaluation) == [
        (1, r[0], D("4800000.00"), None),  # the candidate keeps its offered price
        (2, r[3], D("4400000.00"), None),
        (3, r[1], D("4500000.00"), None),
    ]
    assert "评审价4320000.00" in evaluation.report_html
    assert "小微企业报价扣除10%" in evaluation.report_html
    assert "最低评标价法" in evaluation.report_html


@pytest_db
def test_sme_deduction_under_comprehensive(purchase: Tender, network) -> None:  # type: ignore[no-untyped-def]
    o = opened_with(purchase, plan(sme="0.10"), sme=[True, False, False, False])
    members = committee(o)
    score(o, members, [(50, 8)] * 4)
    evaluation = actions.finish_scoring(actor_of(o.experts[0]), o.lot_code)
    r = o.receipts
    # base 4 320 000: bid 0 gets the full 30; bid 3 30 × 4.32 / 4.4 = 29.45; bid 1 28.80; bid 2 27.87.
    assert ranks(evaluation) == [
        (1, r[0], D("4800000.00"), D("88.00")),
        (2, r[3], D("4400000.00"), D("87.45")),
        (3, r[1], D("4500000.00"), D("86.80")),
    ]


@pytest_db
def test_same_brand_lowest_price_only_the_lowest_is_ranked(purchase: Tender, network) -> None:  # type: ignore[no-untyped-def]
    o = opened_with(purchase, plan(method="lowest_price"), brands=["Acme", " ACME ", "品牌B", "品牌C"])
    committee(o)
    evaluation = actions.finish_scoring(actor_of(o.experts[0]), o.lot_code)
    r = o.receipts
    assert [c[1] for c in ranks(evaluation)] == [r[3], r[1], r[2]]  # bid 0 (Acme, 4.8M) set aside
    assert "同品牌" in evaluation.report_html and "不作为中标候选人" in evaluation.report_html


@pytest_db
def test_same_brand_comprehensive_only_the_highest_scored(purchase: Tender, network) -> None:  # type: ignore[no-untyped-def]
    o = opened_with(purchase, plan(), brands=["Acme", "acme", "品牌B", "品牌C"])
    members = committee(o)
    # bid 0 (Acme, dearer) scores higher than bid 1 (acme): bid 1 is scored but not a candidate.
    score(o, members, [(60, 10), (40, 5), (45, 5), (30, 5)])
    evaluation = actions.finish_scoring(actor_of(o.experts[0]), o.lot_code)
    r = o.receipts
    assert [c[1] for c in ranks(evaluation)] == [r[0], r[2], r[3]]
    assert r[1] not in {c.bid.receipt_no for c in evaluation.candidates.select_related("bid")}
    assert "得分较高者参与排序" in evaluation.report_html


@pytest_db
def test_three_brands_are_enough_two_are_not_and_the_lot_fails(purchase: Tender, network) -> None:  # type: ignore[no-untyped-def]
    o = opened_with(purchase, plan(method="lowest_price"), brands=["A", "A", "B", "b"])
    members = committee(o)
    with pytest.raises(InvalidInput) as few:
        actions.finish_scoring(actor_of(members[0]), o.lot_code)
    assert few.value.code == "too_few_qualified" and few.value.details["qualified"] == 2
    assert few.value.rule is not None and "第44条" in few.value.rule.citation
    with pytest.raises(PermissionDenied):
        actions.fail_evaluation(actor_of("tb0"), o.lot_code, "合格投标人不足3家")
    with pytest.raises(PermissionDenied):
        actions.fail_evaluation(actor_of(members[1]), o.lot_code, "合格投标人不足3家")  # not the chair
    with pytest.raises(InvalidInput) as no_reason:
        actions.fail_evaluation(actor_of("zb"), o.lot_code, " ")
    assert no_reason.value.code == "fail_reason_required"
    lot = actions.fail_evaluation(actor_of("zb"), o.lot_code, "同品牌投标计为一家后仅2家")
    assert lot.state == Lot.State.FAILED
    assert "第44条" in lot.outcome_reason and "同品牌投标计为一家后仅2家" in lot.outcome_reason
    with pytest.raises(InvalidInput):
        actions.fail_evaluation(actor_of("zb"), o.lot_code, "again")  # no longer in evaluation


@pytest_db
def test_rejections_down_to_three_evaluate_down_to_two_fail(purchase: Tender, network) -> None:  # type: ignore[no-untyped-def]
    o = opened_with(purchase, plan(method="lowest_price"))
    members = committee(o)
    chair = actor_of(members[0])
    actions.reject_bid(chair, o.lot_code, o.receipts[0], "not_responsive", "交货期不满足要求")
    with pytest.raises(InvalidInput) as enough:
        actions.fail_evaluation(chair, o.lot_code, "试图流标")
    assert enough.value.code == "enough_qualified"  # 3 remain: evaluate them
    actions.reject_bid(chair, o.lot_code, o.receipts[1], "not_responsive", "技术参数不满足要求")
    with pytest.raises(InvalidInput) as few:
        actions.finish_scoring(chair, o.lot_code)
    assert few.value.code == "too_few_qualified"
    lot = actions.fail_evaluation(chair, o.lot_code, "符合性审查后合格投标人仅2家")  # the chair may too
    assert lot.state == Lot.State.FAILED
    # Every deposit of the failed lot is due back in 5 working days (87号令 第38条): Tue 24 → Tue 31 March.
    from ggzy.bidding.models import Bond

    dues = {b.refund_due for b in Bond.objects.filter(lot__code=o.lot_code)}
    assert len(dues) == 1 and None not in dues
    assert next(iter(dues)).isoformat().startswith("2026-03-31T16:00")  # the next midnight, Beijing time


@pytest_db
def test_three_distinct_valid_bids_are_evaluated(purchase: Tender, network) -> None:  # type: ignore[no-untyped-def]
    o = opened_with(purchase, plan(method="lowest_price"), brands=["A", "a", "B", "C"])
    committee(o)
    evaluation = actions.finish_scoring(actor_of(o.experts[0]), o.lot_code)
    assert len(ranks(evaluation)) == 3


@pytest_db
def test_construction_cannot_fail_from_evaluation(opened: Opened) -> None:
    committee(opened)
    with pytest.raises(InvalidInput) as err:
        actions.fail_evaluation(actor_of("zb"), opened.lot_code, "x")
    assert err.value.code == "fail_not_provided"


# 财库〔2026〕2号: the lowest below 50% of the second-lowest; a price below 45% of the ceiling (4 900 000).


def low_flags(o: Opened) -> set[str]:
    evaluation = Lot.objects.get(code=o.lot_code).evaluation
    return {b.receipt_no for b in actions.unresolved_low_prices(evaluation)}


@pytest_db
@pytest.mark.parametrize(("lowest", "flagged"), [("2425000.00", False), ("2424999.99", True)])
def test_lowest_against_half_the_second_lowest(purchase: Tender, network, lowest: str, flagged: bool) -> None:  # type: ignore[no-untyped-def]
    # second-lowest 4 850 000: half is 2 425 000 (above 45% of the ceiling, 2 205 000; half the mean ≈ 2 128 125).
    o = opened_with(purchase, plan(method="lowest_price"), [lowest, "4850000.00", "4850000.00", "4900000.00"])
    committee(o)
    assert low_flags(o) == ({o.receipts[0]} if flagged else set())
    if flagged:
        with pytest.raises(InvalidInput) as err:
            actions.finish_scoring(actor_of(o.experts[0]), o.lot_code)
        assert err.value.code == "abnormally_low_unresolved" and "次低报价的50%" in err.value.zh
        assert err.value.rule is not None and "第60条" in err.value.rule.citation


@pytest_db
@pytest.mark.parametrize(("lowest", "flagged"), [("2205000.00", False), ("2204999.99", True)])
def test_price_against_45_percent_of_the_ceiling(
    purchase: Tender, network, lowest: str, flagged: bool
) -> None:  # type: ignore[no-untyped-def]
    # 45% of the control price 4 900 000 is 2 205 000; the second-lowest 2 300 000 and the mean stay clear.
    o = opened_with(purchase, plan(method="lowest_price"), [lowest, "2300000.00", "4800000.00", "4650000.00"])
    committee(o)
    assert low_flags(o) == ({o.receipts[0]} if flagged else set())
    flags = actions.low_price_flags(Lot.objects.get(code=o.lot_code).evaluation)
    assert list(flags.values()) == ([["低于最高限价（未设的按预算）的45%"]] if flagged else [])


@pytest_db
def test_the_ceiling_is_the_budget_without_a_control_price(purchase: Tender) -> None:
    Lot.objects.filter(pk=purchase.lot.pk).update(control_price=None)
    lot = Lot.objects.get(pk=purchase.lot.pk)
    assert actions.low_price_triggers(lot).ceiling == D("5000000")
    assert evaluation_rules_for(lot) is EVALUATION_RULES["procurement_tender"]
