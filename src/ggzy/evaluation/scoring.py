"""Scoring methods: pure functions over the recorded scores, so the ranking can be recomputed by anyone.

- 经评审的最低投标价法: valid bids ranked by price, lowest first (ties: earlier submission).
- 综合评估法: members' technical and business points averaged per bid, plus price points computed by the
  system as price_points × (lowest valid price ÷ bid price); ranked by total, ties to the lower price.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")


@dataclass(frozen=True)
class BidFigures:
    bid_id: int
    price: Decimal
    submitted_order: int
    member_points: tuple[Decimal, ...]  # each member's sum of non-price criteria (comprehensive only)


@dataclass(frozen=True)
class Ranked:
    bid_id: int
    rank: int
    price: Decimal
    score: Decimal | None


def price_score(price: Decimal, lowest: Decimal, price_points: Decimal) -> Decimal:
    return (price_points * lowest / price).quantize(TWO, ROUND_HALF_UP)


def rank_lowest_price(bids: list[BidFigures]) -> list[Ranked]:
    ordered = sorted(bids, key=lambda b: (b.price, b.submitted_order))
    return [Ranked(b.bid_id, i, b.price, None) for i, b in enumerate(ordered, start=1)]


def rank_comprehensive(bids: list[BidFigures], price_points: Decimal) -> list[Ranked]:
    if not bids:
        return []
    lowest = min(b.price for b in bids)
    totals = []
    for b in bids:
        members = (sum(b.member_points, Decimal(0)) / len(b.member_points)) if b.member_points else Decimal(0)
        totals.append((members + price_score(b.price, lowest, price_points)).quantize(TWO, ROUND_HALF_UP))
    ordered = sorted(
        zip(bids, totals, strict=True), key=lambda bt: (-bt[1], bt[0].price, bt[0].submitted_order)
    )
    return [Ranked(b.bid_id, i, b.price, total) for i, (b, total) in enumerate(ordered, start=1)]


def abnormally_low(prices: dict[int, Decimal], ratio: Decimal) -> set[int]:
    """Bids priced below `ratio` × the mean of all valid prices (明显低于其他投标报价)."""
    if len(prices) < 2:
        return set()
    mean = sum(prices.values(), Decimal(0)) / len(prices)
    return {bid_id for bid_id, price in prices.items() if price < ratio * mean}
