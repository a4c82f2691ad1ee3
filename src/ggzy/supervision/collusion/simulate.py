"""A synthetic province-year of lots with competitive bidding and planted cartels, to validate the screens
(docs/collusion.md lists the parameters and the measured AUC).

Competitive lots: a market (county) is drawn; its firms enter at random; each firm's cost is the lot's
estimate × its persistent efficiency × a lot-specific draw; it bids cost × (1 + a uniform mark-up).

Rigged lots: a cartel of the lot's market takes the lot. The designated winner rotates among the
members that ever win (some members are pure cover bidders, "陪标"); it bids above the competitive level
(a premium over its cost). The other members bid just above it (cover bidding: +0.3% to +3%), or, for
"progression" cartels, at fixed steps above it (1×, 2×, 3× a step of 0.5–2%, a 规律性差异). Sometimes
outsiders bid too (an incomplete cartel) and may undercut the cartel. With some probability the cover
bids were prepared on the winner's machine, uploaded from its IP, name the same project manager or pay
the bond from the same account. A little noise: competitive bidders occasionally share an IP (one
office building) or a machine, and fingerprint parts go missing.

Everything is drawn from one seeded numpy Generator: the same parameters give the same province-year.
"""

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ggzy.supervision.collusion.table import KEYS, BidTable, Bools, Ints


@dataclass(frozen=True)
class SimulationParams:
    seed: int = 20260302
    lots: int = 10_000
    markets: int = 20
    firms_per_market: int = 30
    bidders_min: int = 3
    bidders_max: int = 10
    estimate_log_mean: float = float(np.log(5_000_000))
    estimate_log_sd: float = 1.0
    efficiency_sd: float = 0.03  # persistent firm cost differences
    cost_sd: float = 0.06  # lot-specific cost draw
    markup: tuple[float, float] = (0.02, 0.12)
    cartels: int = 24
    cartel_size: tuple[int, int] = (3, 6)
    rigged_share: float = 0.05
    winner_premium: tuple[float, float] = (0.03, 0.12)
    cover_markup: tuple[float, float] = (0.003, 0.03)
    progression_share: float = 0.25  # cartels that set covers at fixed steps
    progression_step: tuple[float, float] = (0.005, 0.02)
    pure_cover_share: float = 0.25  # members that never win (陪标)
    outsider_prob: float = 0.3
    outsiders_max: int = 2
    shared_machine: float = 0.35
    shared_upload_ip: float = 0.30
    shared_decrypt_ip: float = 0.15
    shared_manager: float = 0.03
    shared_bond_account: float = 0.03
    shared_cert: float = 0.02
    noise_shared_ip: float = 0.005
    noise_shared_machine: float = 0.001
    missing_fingerprint: float = 0.05
    cpu_models: int = 7  # CPU digests are shared by machines of one model


@dataclass
class Simulation:
    params: SimulationParams
    table: BidTable
    rigged: Bools  # per lot
    cartel_of_lot: Ints  # −1 for competitive lots
    cartel_members: list[list[int]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "lots": self.table.n_lots,
            "bids": self.table.size,
            "firms": self.table.n_firms,
            "rigged_lots": int(self.rigged.sum()),
            "cartels": len(self.cartel_members),
            "cartel_firms": sum(len(m) for m in self.cartel_members),
            "params": asdict(self.params),
        }


def simulate(params: SimulationParams | None = None) -> Simulation:
    p = params or SimulationParams()
    rng = np.random.default_rng(p.seed)
    L, M, FM = p.lots, p.markets, p.firms_per_market
    n_firms = M * FM
    efficiency = rng.normal(0.0, p.efficiency_sd, n_firms)
    market = rng.integers(0, M, L)
    estimate = np.exp(rng.normal(p.estimate_log_mean, p.estimate_log_sd, L))

    # cartels: members drawn from one market each, markets taken round-robin
    members: list[list[int]] = []
    kind_progression: list[bool] = []
    steps: list[float] = []
    pure_cover: set[int] = set()
    taken: set[int] = set()
    for c in range(p.cartels):
        m = c % M
        size = int(rng.integers(p.cartel_size[0], p.cartel_size[1] + 1))
        pool = [f for f in range(m * FM, (m + 1) * FM) if f not in taken]
        chosen = sorted(int(f) for f in rng.choice(pool, size=size, replace=False))
        taken.update(chosen)
        members.append(chosen)
        kind_progression.append(bool(rng.random() < p.progression_share))
        steps.append(float(rng.uniform(*p.progression_step)))
        covers = [f for f in chosen if rng.random() < p.pure_cover_share]
        if len(covers) >= len(chosen) - 1:
            covers = covers[: len(chosen) - 2]
        pure_cover.update(covers)
    cartels_in_market: dict[int, list[int]] = {}
    for c, chosen in enumerate(members):
        cartels_in_market.setdefault(chosen[0] // FM, []).append(c)

    rigged = (rng.random(L) < p.rigged_share) & np.array([int(m) in cartels_in_market for m in market])
    cartel_of_lot = np.full(L, -1, dtype=np.int64)
    for i in np.flatnonzero(rigged):
        options = cartels_in_market[int(market[i])]
        cartel_of_lot[i] = options[int(rng.integers(0, len(options)))]

    lot_rows: list[np.ndarray] = []
    firm_rows: list[np.ndarray] = []
    price_rows: list[np.ndarray] = []
    share_rows: list[
        np.ndarray
    ] = []  # per bid: index (within the lot) of the bid whose machine etc. it copies

    # competitive lots, vectorised: a random permutation of the market's firms per lot
    comp = np.flatnonzero(~rigged)
    n_bid = rng.integers(p.bidders_min, p.bidders_max + 1, comp.size)
    perm = np.argsort(rng.random((comp.size, FM)), axis=1)
    take = np.arange(FM)[None, :] < n_bid[:, None]
    lots_c = np.repeat(comp, n_bid)
    firms_c = (market[comp][:, None] * FM + perm)[take]
    cost = estimate[lots_c] * np.exp(efficiency[firms_c] + rng.normal(0.0, p.cost_sd, lots_c.size))
    prices_c = cost * (1.0 + rng.uniform(*p.markup, lots_c.size))
    lot_rows.append(lots_c)
    firm_rows.append(firms_c)
    price_rows.append(prices_c)
    share_rows.append(np.full(lots_c.size, -1))

    # rigged lots, one by one (a few hundred)
    turn = [0] * len(members)
    for i in np.flatnonzero(rigged):
        c = int(cartel_of_lot[i])
        chosen = members[c]
        winners = [f for f in chosen if f not in pure_cover]
        designated = winners[turn[c] % len(winners)]
        turn[c] += 1
        covers = [f for f in chosen if f != designated]
        outsiders: list[int] = []
        if rng.random() < p.outsider_prob:
            pool = [f for f in range(int(market[i]) * FM, (int(market[i]) + 1) * FM) if f not in chosen]
            k = int(rng.integers(1, p.outsiders_max + 1))
            outsiders = [int(f) for f in rng.choice(pool, size=k, replace=False)]
        level = estimate[i] * np.exp(efficiency[designated] + rng.normal(0.0, p.cost_sd / 2))
        win_bid = level * (1.0 + rng.uniform(*p.winner_premium))
        if kind_progression[c]:
            cover_bids = [win_bid * (1.0 + steps[c] * (j + 1)) for j in range(len(covers))]
        else:
            cover_bids = [win_bid * (1.0 + rng.uniform(*p.cover_markup)) for _ in covers]
        out_cost = estimate[i] * np.exp(efficiency[outsiders] + rng.normal(0.0, p.cost_sd, len(outsiders)))
        out_bids = out_cost * (1.0 + rng.uniform(*p.markup, len(outsiders)))
        firms = [designated, *covers, *outsiders]
        lot_rows.append(np.full(len(firms), i))
        firm_rows.append(np.array(firms, dtype=np.int64))
        price_rows.append(np.array([win_bid, *cover_bids, *out_bids], dtype=np.float64))
        share_rows.append(np.array([-1] + [0] * len(covers) + [-1] * len(outsiders)))

    lot = np.concatenate(lot_rows).astype(np.int64)
    firm = np.concatenate(firm_rows).astype(np.int64)
    price = np.round(np.concatenate(price_rows), 2)
    copies = np.concatenate(share_rows).astype(np.int64)  # 0 = a cover bid of a rigged lot
    order = np.lexsort((firm, lot))
    lot, firm, price, copies = lot[order], firm[order], price[order], copies[order]

    # winners: the lowest bid of each lot
    lowest = np.full(L, np.inf)
    np.minimum.at(lowest, lot, price)
    won = price == lowest[lot]
    first = np.zeros(lot.size, dtype=np.bool_)
    seen: set[int] = set()
    for r in np.flatnonzero(won):  # one winner per lot on ties
        if int(lot[r]) not in seen:
            seen.add(int(lot[r]))
            first[r] = True
    won = first

    keys = _identifiers(p, rng, lot, firm, copies, cartel_of_lot, members)
    table = BidTable(
        lot=lot, firm=firm, price=price, won=won, keys=keys, n_lots=L, n_firms=n_firms, lot_market=market
    )
    return Simulation(p, table, rigged, cartel_of_lot, members)


def _identifiers(
    p: SimulationParams,
    rng: np.random.Generator,
    lot: Ints,
    firm: Ints,
    copies: Ints,
    cartel_of_lot: Ints,
    members: list[list[int]],
) -> dict[str, Ints]:
    """Each firm's own machine, office IP, certificate, bond account and managers; then the sharing."""
    n = lot.size
    keys: dict[str, Ints] = {
        "mac": firm.copy(),
        "disk": firm.copy(),
        "cpu": firm % p.cpu_models,
        "upload_ip": firm.copy(),
        "decrypt_ip": firm.copy(),
        "cert": firm.copy(),
        "bond_account": firm.copy(),
        "manager": firm * 5 + rng.integers(0, 5, n),
    }
    # in rigged lots, cover bids copy the designated winner's identifiers with some probability
    rigged_lots = np.flatnonzero(cartel_of_lot >= 0)
    for i in rigged_lots:
        rows = np.flatnonzero(lot == i)
        winner_row = None
        for r in rows:
            if copies[r] == -1 and int(firm[r]) in members[int(cartel_of_lot[i])]:
                winner_row = r
        cover_rows = rows[copies[rows] == 0]
        if winner_row is None or cover_rows.size == 0:
            continue
        for name, prob in (
            ("machine", p.shared_machine),
            ("upload_ip", p.shared_upload_ip),
            ("decrypt_ip", p.shared_decrypt_ip),
            ("manager", p.shared_manager),
            ("bond_account", p.shared_bond_account),
            ("cert", p.shared_cert),
        ):
            if rng.random() >= prob:
                continue
            targets = ("mac", "disk", "cpu") if name == "machine" else (name,)
            sharer = cover_rows[: max(1, int(rng.integers(1, cover_rows.size + 1)))]
            for key in targets:
                keys[key][sharer] = keys[key][winner_row]
    # noise in competitive lots: a shared office IP, now and then a shared machine
    for name, prob in (("upload_ip", p.noise_shared_ip), ("machine", p.noise_shared_machine)):
        for i in np.flatnonzero((cartel_of_lot < 0) & (rng.random(cartel_of_lot.size) < prob)):
            rows = np.flatnonzero(lot == i)
            if rows.size < 2:
                continue
            a, b = rng.choice(rows, size=2, replace=False)
            for key in ("mac", "disk", "cpu") if name == "machine" else (name,):
                keys[key][b] = keys[key][a]
    # missing fingerprint parts
    for key in ("mac", "disk", "cpu"):
        keys[key][rng.random(n) < p.missing_fingerprint] = -1
    assert set(keys) == set(KEYS)
    return keys


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve = P(score of a positive > score of a negative), ties counting ½ (the
    Mann–Whitney U statistic over n₊·n₋)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.bool_)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUC needs both positive and negative cases")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(s.size, dtype=np.float64)
    sorted_s = s[order]
    boundaries = np.flatnonzero(np.diff(sorted_s)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [s.size]])
    average = (starts + ends + 1) / 2.0  # 1-based average rank of each tie group
    ranks[order] = np.repeat(average, ends - starts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
