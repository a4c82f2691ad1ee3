"""Scoring methods: pure functions over the recorded scores, so the ranking can be recomputed by anyone.

- 经评审的最低投标价法 / 最低评标价法: valid bids ranked by evaluated price, lowest first (ties: earlier
  submission).
- 综合评估法 / 综合评分法: members' technical and business points averaged per bid, plus price points
  computed by the system as price_points × (lowest evaluated price ÷ the bid's evaluated price), no price
  dropped; ranked by total, ties to the lower evaluated price, then the earlier submission.

The evaluated price is the offered price after the policy deductions (87号令 第54–55条): a small or micro
enterprise's price × (1 − deduction) (财库〔2020〕46号 第9条); without a deduction it is the offered price.
Same-brand bids (87号令 第31条) stay in the figures (they set the base) but only the best-ranked of each
brand keeps a place in the ranking: `one_per_brand`.
"""

import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")


@dataclass(frozen=True)
class BidFigures:
    bid_id: int
    price: Decimal
    submitted_order: int
    member_points: tuple[Decimal, ...]  # each member's sum of non-price criteria (comprehensive only)
    evaluated_price: Decimal | None = None  # after policy deductions; None: the offered price
    brand: str = ""  # brand_key() of the bid's brand; "" when the method has none or the bid names none

    @property
    def evaluated(self) -> Decimal:
        return self.price if self.evaluated_price is None else self.evaluated_price


@dataclass(frozen=True)
class Ranked:
    bid_id: int
    rank: int
    price: Decimal  # as offered (what the candidate and the contract carry)
    score: Decimal | None
    evaluated_price: Decimal | None = None  # what was compared, when it differs from the offered price


@dataclass(frozen=True)
class SetAside:
    """A valid bid of a brand already ranked higher: not a candidate (87号令 第31条)."""

    bid_id: int
    kept_bid_id: int  # the bid of the same brand that keeps its place
    score: Decimal | None  # its score under 综合评分法 (it is scored), None under 最低评标价法


def brand_key(brand: object) -> str:
    """The brand as compared: Unicode-normalised (full-width letters and digits alike), stripped, casefolded."""
    return unicodedata.normalize("NFKC", str(brand or "")).strip().casefold()


def evaluated_price(price: Decimal, sme: bool, deduction: Decimal) -> Decimal:
    """The price that takes part in the evaluation: a small or micro enterprise's after its deduction, to the fen."""
    if not sme or not deduction:
        return price
    return (price * (1 - deduction)).quantize(TWO, ROUND_HALF_UP)


def price_score(price: Decimal, lowest: Decimal, price_points: Decimal) -> Decimal:
    return (price_points * lowest / price).quantize(TWO, ROUND_HALF_UP)


def _shown(b: BidFigures) -> Decimal | None:
    return b.evaluated if b.evaluated != b.price else None


def rank_lowest_price(bids: list[BidFigures]) -> list[Ranked]:
    ordered = sorted(bids, key=lambda b: (b.evaluated, b.submitted_order))
    return [Ranked(b.bid_id, i, b.price, None, _shown(b)) for i, b in enumerate(ordered, start=1)]


def rank_comprehensive(bids: list[BidFigures], price_points: Decimal) -> list[Ranked]:
    if not bids:
        return []
    lowest = min(b.evaluated for b in bids)  # 评标基准价: the lowest evaluated price, nothing dropped
    totals = []
    for b in bids:
        members = (sum(b.member_points, Decimal(0)) / len(b.member_points)) if b.member_points else Decimal(0)
        totals.append((members + price_score(b.evaluated, lowest, price_points)).quantize(TWO, ROUND_HALF_UP))
    ordered = sorted(
        zip(bids, totals, strict=True), key=lambda bt: (-bt[1], bt[0].evaluated, bt[0].submitted_order)
    )
    return [Ranked(b.bid_id, i, b.price, total, _shown(b)) for i, (b, total) in enumerate(ordered, start=1)]


def one_per_brand(ranked: list[Ranked], brands: dict[int, str]) -> tuple[list[Ranked], list[SetAside]]:
    """Same-brand bids count as one (87号令 第31条): the best-ranked bid of each non-empty brand keeps its
    place — the lowest evaluated price under 最低评标价法, the highest score under 综合评分法 (ties as the
    ranking breaks them: lower price, then earlier submission) — the others are set aside; ranks close up."""
    kept: list[Ranked] = []
    aside: list[SetAside] = []
    first_of: dict[str, int] = {}
    for r in ranked:
        brand = brands.get(r.bid_id, "")
        if brand and brand in first_of:
            aside.append(SetAside(r.bid_id, first_of[brand], r.score))
            continue
        if brand:
            first_of[brand] = r.bid_id
        kept.append(Ranked(r.bid_id, len(kept) + 1, r.price, r.score, r.evaluated_price))
    return kept, aside


def distinct_bidders(brands: list[str]) -> int:
    """How many bidders the valid bids count as when same-brand bids count once ("" names no brand)."""
    return sum(1 for b in brands if not b) + len({b for b in brands if b})


@dataclass(frozen=True)
class LowPriceTriggers:
    """When a price calls for an abnormally-low-price review; None: not a trigger. Strict "<" throughout."""

    vs_mean: Decimal | None = None  # price < ratio × the mean of all valid prices
    vs_second_lowest: Decimal | None = None  # the lowest price < ratio × the second-lowest
    vs_ceiling: Decimal | None = None  # price < ratio × the ceiling
    ceiling: Decimal | None = None


MEAN, SECOND_LOWEST, CEILING = "mean", "second_lowest", "ceiling"


def low_price_reasons(prices: dict[int, Decimal], triggers: LowPriceTriggers) -> dict[int, list[str]]:
    """The bids that call for a review, each with the triggers it meets (MEAN, SECOND_LOWEST, CEILING)."""
    reasons: dict[int, list[str]] = {}
    if triggers.vs_mean is not None and len(prices) >= 2:
        mean = sum(prices.values(), Decimal(0)) / len(prices)
        for bid_id, price in prices.items():
            if price < triggers.vs_mean * mean:
                reasons.setdefault(bid_id, []).append(MEAN)
    if triggers.vs_second_lowest is not None and len(prices) >= 2:
        lowest, second = sorted(prices.values())[:2]
        if lowest < triggers.vs_second_lowest * second:
            for bid_id, price in prices.items():
                if price == lowest:
                    reasons.setdefault(bid_id, []).append(SECOND_LOWEST)
    if triggers.vs_ceiling is not None and triggers.ceiling is not None:
        for bid_id, price in prices.items():
            if price < triggers.vs_ceiling * triggers.ceiling:
                reasons.setdefault(bid_id, []).append(CEILING)
    return reasons


def abnormally_low(prices: dict[int, Decimal], triggers: Decimal | LowPriceTriggers) -> set[int]:
    """Bids whose price calls for a review; a bare ratio is the one trigger of tendering: below `ratio` ×
    the mean of all valid prices (明显低于其他投标报价)."""
    if isinstance(triggers, Decimal):
        triggers = LowPriceTriggers(vs_mean=triggers)
    return set(low_price_reasons(prices, triggers))
