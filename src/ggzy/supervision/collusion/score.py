"""The risk score of each lot and each bidder pair, from the three kinds of evidence.

* price (0–1): each price screen is turned into a suspicion = the share of reference lots less suspicious
  than this one (the empirical CDF, in the collusive direction: low CV, SPD and DIFFP; high RD and
  KURT; low SKEW), and the suspicions are averaged with the weights below. The reference is the
  platform's own screened lots of the last 12 months once there are enough of them, else a synthetic
  competitive market ([U]: see docs/collusion.md).
* electronic (0–1): the strongest pair's noisy-or of its signals (table.SIGNALS).
* network (0–1): the strongest pair's history score, or 0.4 when a 陪标/标王 firm bids.

score = 100 · (1 − (1 − 0.6·price)(1 − 0.95·electronic)(1 − 0.6·network)).

Weights are [U] configuration, chosen on the documented simulator, not fitted to real cases.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ggzy.supervision.collusion import network, screens
from ggzy.supervision.collusion.network import FirmHistory, PairHistory
from ggzy.supervision.collusion.table import (
    SIGNALS,
    BidTable,
    Bools,
    Floats,
    Ints,
    Pairs,
    electronic,
    electronic_score,
    pairs_of,
)

# screen → (weight, direction): +1 = higher is more suspicious, −1 = lower is.
PRICE_WEIGHTS: dict[str, tuple[float, int]] = {
    "cv": (0.35, -1),
    "spd": (0.20, -1),
    "diffp": (0.15, -1),
    "rd": (0.15, +1),
    "kurt": (0.075, +1),
    "skew": (0.075, -1),
}
W_PRICE, W_ELECTRONIC, W_NETWORK = 0.6, 0.95, 0.6
W_COVER_FIRM = 0.4
CLOSE_PRICE_GAP = 0.005  # pair evidence: prices within 0.5% of each other ([U])

Reference = dict[str, Floats]


def reference_from(values: dict[str, Floats]) -> Reference:
    return {name: np.sort(v[np.isfinite(v)]) for name, v in values.items() if name in PRICE_WEIGHTS}


@cache
def default_reference() -> Reference:
    """Screens of a synthetic competitive market (no cartels), until the platform has its own history."""
    from ggzy.supervision.collusion.simulate import SimulationParams, simulate

    sim = simulate(SimulationParams(lots=3000, rigged_share=0.0, seed=7))
    prices, _ = sim.table.price_matrix()
    return reference_from(screens.compute(prices))


def suspicion(values: dict[str, Floats], reference: Reference) -> dict[str, Floats]:
    out: dict[str, Floats] = {}
    for name, (_, direction) in PRICE_WEIGHTS.items():
        ref = reference.get(name)
        v = values[name]
        if ref is None or ref.size == 0:
            out[name] = np.full(v.shape, np.nan)
            continue
        below = np.searchsorted(ref, v, side="left") / ref.size
        above = 1.0 - np.searchsorted(ref, v, side="right") / ref.size
        out[name] = np.where(np.isfinite(v), below if direction > 0 else above, np.nan)
    return out


def price_component(susp: dict[str, Floats]) -> Floats:
    total = np.zeros_like(next(iter(susp.values())))
    weight = np.zeros_like(total)
    for name, (w, _) in PRICE_WEIGHTS.items():
        s = susp[name]
        ok = np.isfinite(s)
        total += np.where(ok, w * s, 0.0)
        weight += np.where(ok, w, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(weight > 0, total / weight, 0.0)


@dataclass
class ScreenResult:
    table: BidTable
    screens: dict[str, Floats]  # per lot
    suspicion: dict[str, Floats]
    price: Floats
    electronic: Floats
    network: Floats
    score: Floats
    r024: Bools
    r058: Bools
    fences: tuple[float, float]
    pairs: Pairs
    flags: dict[str, Bools]  # per pair
    pair_electronic: Floats
    pair_network: Floats
    pair_score: Floats
    pair_gap: Floats
    history: PairHistory
    firms: FirmHistory


def _lot_max(lots: Ints, values: Floats, n_lots: int) -> Floats:
    out = np.zeros(n_lots, dtype=np.float64)
    if values.size:
        np.maximum.at(out, lots, values)
    return out


def run(table: BidTable, reference: Reference | None = None) -> ScreenResult:
    """Every screen, signal and score for every lot of the table (the table is also the history)."""
    prices, _ = table.price_matrix()
    values = screens.compute(prices)
    ref = reference if reference is not None else default_reference()
    susp = suspicion(values, ref)
    price = price_component(susp)
    pairs = pairs_of(table)
    flags = electronic(table, pairs)
    pair_e = electronic_score(flags) if pairs.size else np.zeros(0)
    hist = network.pair_history(table, pairs)
    pair_n = network.network_score(hist) if pairs.size else np.zeros(0)
    firms = network.firm_history(table)
    pa, pb = table.price[pairs.a], table.price[pairs.b]
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.abs(pa - pb) / np.minimum(pa, pb)
    close = np.isfinite(gap) & (gap <= CLOSE_PRICE_GAP)
    pair_score = 1.0 - (1.0 - pair_e) * (1.0 - W_NETWORK * pair_n) * (1.0 - 0.3 * close)
    lot_e = _lot_max(pairs.lot, pair_e, table.n_lots)
    lot_n = _lot_max(pairs.lot, pair_n, table.n_lots)
    flagged_firm = (firms.cover_bidder | firms.dominant)[table.firm].astype(np.float64) * W_COVER_FIRM
    lot_n = np.maximum(lot_n, _lot_max(table.lot, flagged_firm, table.n_lots))
    score = 100.0 * (1.0 - (1.0 - W_PRICE * price) * (1.0 - W_ELECTRONIC * lot_e) * (1.0 - W_NETWORK * lot_n))
    lower, upper = screens.iqr_fences(values["diffp"])
    diffp = values["diffp"]
    return ScreenResult(
        table=table,
        screens=values,
        suspicion=susp,
        price=price,
        electronic=lot_e,
        network=lot_n,
        score=score,
        r024=np.isfinite(diffp) & (diffp <= lower),
        r058=np.isfinite(diffp) & (diffp >= upper),
        fences=(lower, upper),
        pairs=pairs,
        flags=flags,
        pair_electronic=pair_e,
        pair_network=pair_n,
        pair_score=pair_score,
        pair_gap=gap,
        history=hist,
        firms=firms,
    )


def _num(value: Any) -> float | None:
    v = float(value)
    return round(v, 6) if np.isfinite(v) else None


def lot_evidence(
    result: ScreenResult, lot: int, firm_labels: list[str], max_pairs: int = 20
) -> dict[str, Any]:
    """One lot's screen as JSON: what the committee and the regulator are shown."""
    table = result.table
    rows = np.flatnonzero(table.lot == lot)
    in_lot = np.flatnonzero(result.pairs.lot == lot)
    order = in_lot[np.argsort(-result.pair_score[in_lot], kind="stable")]
    pairs = []
    for p in order[:max_pairs]:
        signals = [code for code in SIGNALS if result.flags[code][p]]
        h = result.history
        history = {
            "cobids": int(h.cobids[p]),
            "expected": _num(h.expected[p]),
            "z": _num(h.z[p]),
            "together": bool(h.together[p]),
            "rotating": bool(h.rotating[p]),
            "fixed_ratio": bool(h.fixed_ratio[p]),
            "ratio_sd": _num(h.ratio_sd[p]),
        }
        pairs.append(
            {
                "a": firm_labels[int(result.pairs.a_firm[p])],
                "b": firm_labels[int(result.pairs.b_firm[p])],
                "score": round(100 * float(result.pair_score[p]), 1),
                "electronic": _num(result.pair_electronic[p]),
                "network": _num(result.pair_network[p]),
                "price_gap": _num(result.pair_gap[p]),
                "signals": signals,
                "presumption": [c for c in signals if SIGNALS[c].presumption],
                "basis": sorted({SIGNALS[c].legal.citation for c in signals}),
                "history": history,
            }
        )
    firms = result.firms
    bidders = []
    for r in rows:
        f = int(table.firm[r])
        flags = [
            name
            for name, on in (("cover_bidder", firms.cover_bidder[f]), ("dominant", firms.dominant[f]))
            if on
        ]
        bidders.append(
            {
                "firm": firm_labels[f],
                "price": _num(table.price[r]),
                "won": bool(table.won[r]),
                "history_bids": int(firms.bids[f]),
                "history_wins": int(firms.wins[f]),
                "win_rate": _num(firms.win_rate[f]),
                "signals": flags,
            }
        )
    return {
        "screens": {name: _num(v[lot]) for name, v in result.screens.items()},
        "suspicion": {name: _num(v[lot]) for name, v in result.suspicion.items()},
        "cardinal": {
            "R024_price_close_to_winner": bool(result.r024[lot]),
            "R058_heavily_discounted": bool(result.r058[lot]),
            "R028_identical_prices": bool((result.screens["identical"][lot] or 0) > 0),
            "diffp_fences": [_num(result.fences[0]), _num(result.fences[1])],
        },
        "components": {
            "price": _num(result.price[lot]),
            "electronic": _num(result.electronic[lot]),
            "network": _num(result.network[lot]),
        },
        "score": round(float(result.score[lot]), 1),
        "pairs": pairs,
        "bidders": bidders,
    }
