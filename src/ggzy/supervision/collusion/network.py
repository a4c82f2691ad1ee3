"""Bidder-network signals over the history (发改法规规〔2022〕1117号 (十一): habitual joint bidding, very
low win rates "陪标", very high win rates "标王"; 条例 第40条(4) regular differences).

For every pair of firms over the history table:

* co-bids c = lots both bid in; expected co-bids E = Σₘ nₐₘ·n_bₘ / Lₘ over the markets m (region ×
  category) where they met, nₐₘ = lots firm a bid in market m, Lₘ = lots in m (independent entry);
  excess z = (c − E)/√E. "Always bid together" = c ≥ 3 and z ≥ 3.
* rotation: both firms won at least once in the lots they both bid in (c ≥ 3).
* fixed ratio: the ratio of their prices stays the same across ≥ 3 shared lots (standard deviation of
  ln(pₐ/p_b) below 0.2%) — a cover bid computed as a fixed mark-up on the partner's.

For every firm: bids, wins, win rate; "陪标" = ≥ 10 bids and win rate ≤ 2%; "标王" = ≥ 10 bids and win
rate ≥ 50%. The numbers are [U] configuration (rules below).
"""

from dataclasses import dataclass

import numpy as np

from ggzy.kernel.errors import LegalRule
from ggzy.kernel.rules import Rule
from ggzy.supervision.collusion.table import BidTable, Bools, Floats, Ints, Pairs
from ggzy.supervision.rules import BIG_DATA, NDRC1117

NETWORK = LegalRule(
    f"{NDRC1117} (十一)",
    "关注投标人之间存在关联关系、交叉任职、亲属关系、长期固定组合投标，中标率异常低（“陪标专业户”）或者异常高"
    "（“标王”）等风险信号。",
)
MIN_COBIDS = Rule(3, NETWORK, unconfirmed=True)
EXCESS_Z = Rule(3.0, NETWORK, unconfirmed=True)
FIXED_RATIO_SD = Rule(0.002, BIG_DATA, unconfirmed=True)
MIN_BIDS_FOR_RATE = Rule(10, NETWORK, unconfirmed=True)
LOW_WIN_RATE = Rule(0.02, NETWORK, unconfirmed=True)
HIGH_WIN_RATE = Rule(0.5, NETWORK, unconfirmed=True)


@dataclass
class PairHistory:
    cobids: Ints
    expected: Floats
    z: Floats
    together: Bools
    rotating: Bools
    fixed_ratio: Bools
    ratio_sd: Floats
    a_wins: Ints
    b_wins: Ints


@dataclass
class FirmHistory:
    bids: Ints
    wins: Ints
    win_rate: Floats
    cover_bidder: Bools  # 陪标
    dominant: Bools  # 标王


def _lookup(codes: Ints, keys: Ints, values: Ints) -> Ints:
    """values[k] for each code (keys sorted, every code present)."""
    return values[np.searchsorted(keys, codes)]


def firm_history(table: BidTable) -> FirmHistory:
    bids = np.bincount(table.firm, minlength=table.n_firms).astype(np.int64)
    wins = np.bincount(table.firm, weights=table.won.astype(np.float64), minlength=table.n_firms).astype(
        np.int64
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(bids > 0, wins / np.maximum(bids, 1), np.nan)
    enough = bids >= MIN_BIDS_FOR_RATE.value
    return FirmHistory(
        bids, wins, rate, enough & (rate <= LOW_WIN_RATE.value), enough & (rate >= HIGH_WIN_RATE.value)
    )


def pair_history(table: BidTable, pairs: Pairs) -> PairHistory:
    """History statistics of each pair (row-aligned with `pairs`: every lot's pair gets its firms' totals)."""
    F = table.n_firms
    firm_pair = pairs.a_firm * F + pairs.b_firm
    uniq, inverse, cobids = np.unique(firm_pair, return_inverse=True, return_counts=True)
    # expected co-bids, over the markets where the pair met
    n_markets = int(table.lot_market.max(initial=0)) + 1
    market_of_bid = table.lot_market[table.lot]
    fm_codes, fm_counts = np.unique(table.firm * n_markets + market_of_bid, return_counts=True)
    lots_in_market = np.bincount(table.lot_market, minlength=n_markets).astype(np.float64)
    pair_market = inverse.astype(np.int64) * n_markets + table.lot_market[pairs.lot]
    pm_uniq, pm_first = np.unique(pair_market, return_index=True)
    pm_pair = pm_uniq // n_markets
    pm_market = pm_uniq % n_markets
    a_firm = pairs.a_firm[pm_first]
    b_firm = pairs.b_firm[pm_first]
    na = _lookup(a_firm * n_markets + pm_market, fm_codes, fm_counts)
    nb = _lookup(b_firm * n_markets + pm_market, fm_codes, fm_counts)
    contribution = na * nb / lots_in_market[pm_market]
    expected = np.bincount(pm_pair, weights=contribution, minlength=uniq.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(expected > 0, (cobids - expected) / np.sqrt(expected), 0.0)
    # wins within the shared lots
    a_wins = np.bincount(inverse, weights=table.won[pairs.a].astype(np.float64), minlength=uniq.size)
    b_wins = np.bincount(inverse, weights=table.won[pairs.b].astype(np.float64), minlength=uniq.size)
    # fixed ratio across lots
    pa, pb = table.price[pairs.a], table.price[pairs.b]
    priced = np.isfinite(pa) & np.isfinite(pb) & (pa > 0) & (pb > 0)
    x = np.where(priced, np.log(np.where(priced, pa, 1.0) / np.where(priced, pb, 1.0)), 0.0)
    m = np.bincount(inverse, weights=priced.astype(np.float64), minlength=uniq.size)
    s1 = np.bincount(inverse, weights=x, minlength=uniq.size)
    s2 = np.bincount(inverse, weights=x * x, minlength=uniq.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(m >= 2, (s2 - s1 * s1 / np.maximum(m, 1)) / np.maximum(m - 1, 1), np.nan)
    ratio_sd = np.sqrt(np.maximum(var, 0.0))
    enough = cobids >= MIN_COBIDS.value
    together = enough & (z >= EXCESS_Z.value)
    rotating = enough & (a_wins >= 1) & (b_wins >= 1)
    fixed = (m >= MIN_COBIDS.value) & (ratio_sd < FIXED_RATIO_SD.value)
    return PairHistory(
        cobids=cobids[inverse].astype(np.int64),
        expected=expected[inverse],
        z=z[inverse],
        together=together[inverse],
        rotating=rotating[inverse],
        fixed_ratio=fixed[inverse],
        ratio_sd=np.where(m >= 2, ratio_sd, np.nan)[inverse],
        a_wins=a_wins[inverse].astype(np.int64),
        b_wins=b_wins[inverse].astype(np.int64),
    )


def network_score(history: PairHistory) -> Floats:
    """Pair network score in [0, 1]: excess co-bidding, fixed price ratios, rotation."""
    excess = np.clip((history.z - 2.0) / 4.0, 0.0, 1.0) * (history.cobids >= MIN_COBIDS.value)
    keep = (
        (1.0 - excess)
        * (1.0 - 0.9 * history.fixed_ratio)
        * (1.0 - 0.3 * (history.rotating & (history.z >= 2)))
    )
    return 1.0 - keep
