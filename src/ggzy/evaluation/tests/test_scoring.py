"""The scoring methods on fixed inputs, computed by hand."""

from decimal import Decimal as D

from ggzy.evaluation.scoring import (
    BidFigures,
    abnormally_low,
    price_score,
    rank_comprehensive,
    rank_lowest_price,
)


def bids() -> list[BidFigures]:
    return [
        BidFigures(1, D("24600000"), 0, (D(35),) * 5),
        BidFigures(2, D("24300000"), 1, (D(30),) * 5),
        BidFigures(3, D("24450000"), 2, (D(37),) * 5),
        BidFigures(4, D("23900000"), 3, (D(25),) * 5),
    ]


def test_price_score_is_base_over_bid() -> None:
    assert price_score(D("23900000"), D("23900000"), D(60)) == D("60.00")
    assert price_score(D("24300000"), D("23900000"), D(60)) == D("59.01")  # 59.0123…
    assert price_score(D("24450000"), D("23900000"), D(60)) == D("58.65")  # 58.6503…
    assert price_score(D("24600000"), D("23900000"), D(60)) == D("58.29")  # 58.2926…


def test_comprehensive_ranking_by_hand() -> None:
    ranked = rank_comprehensive(bids(), D(60))
    assert [(r.bid_id, r.rank, r.score) for r in ranked] == [
        (3, 1, D("95.65")),
        (1, 2, D("93.29")),
        (2, 3, D("89.01")),
        (4, 4, D("85.00")),
    ]


def test_ties_go_to_the_lower_price() -> None:
    tied = [BidFigures(1, D("100"), 0, (D("10.00"),)), BidFigures(2, D("100.00"), 1, (D("10.00"),))]
    assert [r.bid_id for r in rank_comprehensive(tied, D(0))] == [1, 2]  # same price: earlier submission
    cheaper = [BidFigures(1, D("101"), 0, (D("11.00"),)), BidFigures(2, D("100"), 1, (D("11.00"),))]
    assert [r.bid_id for r in rank_comprehensive(cheaper, D(0))] == [2, 1]


def test_lowest_price_method() -> None:
    assert [r.bid_id for r in rank_lowest_price(bids())] == [4, 2, 3, 1]


def test_abnormally_low_flag() -> None:
    prices = {1: D(100), 2: D(100), 3: D(100), 4: D(70)}  # mean 92.5; 85% = 78.625
    assert abnormally_low(prices, D("0.85")) == {4}
    assert abnormally_low({1: D(100), 2: D(80)}, D("0.85")) == set()  # 80 ≥ 0.85 × 90 = 76.5
