"""The price screens reproduce hand-computed values; pairs and electronic signals; the network statistics;
the AUC. No database: the screens are plain numpy."""

import math

import numpy as np
import pytest

from ggzy.supervision.collusion import network, screens
from ggzy.supervision.collusion.simulate import roc_auc
from ggzy.supervision.collusion.table import BidTable, electronic, electronic_score, pairs_of

NAN = float("nan")


def one(values: list[float]) -> dict[str, float]:
    result = screens.compute(np.array([values], dtype=np.float64))
    return {name: float(v[0]) for name, v in result.items()}


def test_screens_of_a_symmetric_lot_by_hand() -> None:
    # bids 105, 100, 103, 102 → sorted 100, 102, 103, 105; n = 4; μ = 102.5
    # deviations −2.5, −0.5, 0.5, 2.5; Σd² = 13; s² = 13/3; s = 2.0816660
    s = math.sqrt(13 / 3)
    got = one([105, 100, 103, 102])
    assert got["cv"] == pytest.approx(s / 102.5)  # 0.0203089
    assert got["cv"] == pytest.approx(0.0203089, abs=1e-7)
    assert got["spd"] == pytest.approx(0.05)  # (105 − 100)/100
    assert got["diffp"] == pytest.approx(0.02)  # (102 − 100)/100
    # losing bids 102, 103, 105: mean 103⅓, Σd² = 14/3, s² = 7/3 → RD = 2/√(7/3) = 1.3093073
    assert got["rd"] == pytest.approx(2 / math.sqrt(7 / 3))
    assert got["rd"] == pytest.approx(1.3093073, abs=1e-7)
    assert got["rdnor"] == pytest.approx(1.2)  # 2 · 3 / (105 − 100)
    assert got["rdalt"] == pytest.approx(4 / 3)  # 2 · 2 / (105 − 102)
    assert got["skew"] == pytest.approx(0.0, abs=1e-12)  # symmetric
    # Σz⁴ = (2·2.5⁴ + 2·0.5⁴)/s⁴ = 78.25 · 9/169 = 4.1671598; KURT = 20/6 · 4.1671598 − 27/2 = 0.3905325
    assert got["kurt"] == pytest.approx(0.3905325, abs=1e-7)
    # u = 0, .4, .6, 1 against i/n = .25, .5, .75, 1: D⁺ = .25 (i = 1), D⁻ = .25 (i = 4) → D = 0.25
    assert got["ks"] == pytest.approx(0.25)
    # gaps 2, 1, 2: mean 5/3, s² = (1/9 + 4/9 + 1/9)/2 = 1/3 → ARITH = √(1/3) / (5/3) = 0.3464102
    assert got["arith"] == pytest.approx(0.3464102, abs=1e-7)
    assert got["identical"] == 0


def test_skewness_and_kurtosis_of_an_asymmetric_lot_by_hand() -> None:
    # 100, 101, 103, 110: μ = 103.5; d = −3.5, −2.5, −0.5, 6.5; Σd² = 61; s² = 61/3
    # Σd³ = −42.875 − 15.625 − 0.125 + 274.625 = 216 → SKEW = 4/(3·2) · 216 / (61/3)^1.5 = 1.5705422
    # Σd⁴ = 150.0625 + 39.0625 + 0.0625 + 1785.0625 = 1974.25 → KURT = 20/6 · 1974.25/(61/3)² − 13.5 = 2.4170922
    got = one([110, 100, 103, 101])
    assert got["skew"] == pytest.approx(144 / (61 / 3) ** 1.5)
    assert got["skew"] == pytest.approx(1.5705422, abs=1e-7)
    assert got["kurt"] == pytest.approx(20 / 6 * 1974.25 / (61 / 3) ** 2 - 13.5)
    assert got["kurt"] == pytest.approx(2.4170922, abs=1e-7)


def test_progressions_score_zero() -> None:
    arithmetic = one([100, 101, 102, 103, 104])
    assert arithmetic["arith"] == pytest.approx(0.0, abs=1e-12)
    geometric = one([100, 102, 104.04, 106.1208])
    assert geometric["geom"] == pytest.approx(0.0, abs=1e-9)
    assert geometric["arith"] > 0.005


def test_identical_prices_and_undefined_screens() -> None:
    got = one([100, 100, 120])
    assert got["identical"] == 1  # Cardinal R028
    short = screens.compute(np.array([[100.0, NAN, NAN, NAN], [100.0, 101.0, NAN, NAN]]))
    assert math.isnan(short["cv"][0])
    assert short["cv"][1] == pytest.approx(math.sqrt(0.5) / 100.5)
    for name in ("rd", "rdnor", "rdalt", "skew", "ks"):  # need n ≥ 3
        assert math.isnan(short[name][1])
    for name in ("kurt", "arith", "geom"):  # need n ≥ 4
        assert math.isnan(one([100, 101, 103])[name])


def test_many_lots_at_once_match_one_by_one() -> None:
    rng = np.random.default_rng(1)
    matrix = rng.uniform(90, 110, (50, 8))
    matrix[rng.random((50, 8)) < 0.3] = np.nan
    together = screens.compute(matrix)
    for row in range(50):
        alone = screens.compute(matrix[row : row + 1])
        for name in screens.SCREENS:
            a, b = together[name][row], alone[name][0]
            assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b), (row, name)


def test_iqr_fences_for_r024_and_r058() -> None:
    values = np.array([0.01, 0.02, 0.03, 0.04, 0.05, np.nan])
    lower, upper = screens.iqr_fences(values)
    # Q1 = 0.02, Q3 = 0.04, IQR = 0.02 → fences −0.01 and 0.07
    assert lower == pytest.approx(-0.01)
    assert upper == pytest.approx(0.07)


def test_auc_by_hand() -> None:
    # positives 0.9, 0.4; negatives 0.5, 0.1, 0.4: pairs won 1+1+1, 0+1+½ → 4.5/6
    assert roc_auc(np.array([0.9, 0.4, 0.5, 0.1, 0.4]), np.array([1, 1, 0, 0, 0])) == pytest.approx(0.75)
    assert roc_auc(np.array([3.0, 2.0, 1.0]), np.array([1, 0, 0])) == 1.0
    with pytest.raises(ValueError, match="both"):
        roc_auc(np.array([1.0]), np.array([1]))


def table(keys: dict[str, list[int]], prices: list[float], lot: list[int] | None = None) -> BidTable:
    n = len(prices)
    lots = lot or [0] * n
    return BidTable(
        lot=np.array(lots, dtype=np.int64),
        firm=np.arange(n, dtype=np.int64),
        price=np.array(prices, dtype=np.float64),
        won=np.zeros(n, dtype=np.bool_),
        keys={k: np.array(v, dtype=np.int64) for k, v in keys.items()},
        n_lots=max(lots) + 1,
        n_firms=n,
        lot_market=np.zeros(max(lots) + 1, dtype=np.int64),
    )


def test_same_machine_ignores_missing_parts_and_never_matches_on_cpu_alone() -> None:
    t = table(
        {
            "mac": [1, 1, -1, 5],  # bidder 2's MAC is missing (listed in `missing` / SM3 of "")
            "cpu": [7, 7, 7, 7],  # one CPU model for all: never enough on its own
            "disk": [3, 3, 3, 9],
        },
        [100.0, 101.0, 102.0, 103.0],
    )
    pairs = pairs_of(t)
    flags = electronic(t, pairs)
    found = {
        (int(a), int(b))
        for a, b, on in zip(pairs.a_firm, pairs.b_firm, flags["same_machine"], strict=True)
        if on
    }
    # 0–1: MAC, CPU and disk equal. 0–2 and 1–2: CPU and disk equal, MAC missing → still the same machine.
    assert found == {(0, 1), (0, 2), (1, 2)}
    assert not any(flags["same_machine"][(pairs.a_firm == 0) & (pairs.b_firm == 3)])
    assert not flags["same_mac"].any()  # a full match is not counted twice


def test_electronic_score_is_a_noisy_or() -> None:
    t = table({"upload_ip": [4, 4], "decrypt_ip": [6, 6]}, [100.0, 110.0])
    pairs = pairs_of(t)
    flags = electronic(t, pairs)
    assert flags["same_upload_ip"].tolist() == [True]
    assert electronic_score(flags)[0] == pytest.approx(1 - 0.6 * 0.6)  # two signals of weight 0.4
    t = table({"manager": [2, 2]}, [100.0, 100.0])
    flags = electronic(t, pairs_of(t))
    assert flags["same_manager"][0] and flags["identical_price"][0]
    assert electronic_score(flags)[0] == pytest.approx(1.0)


def test_network_finds_pairs_that_always_bid_together_and_fixed_ratios() -> None:
    # 12 lots in one market of 8 firms; firms 0 and 1 bid in the first 8 lots together, always 2% apart;
    # the others enter in rotation.
    lots, firms, prices, won = [], [], [], []
    for lot in range(12):
        members = [(lot % 6) + 2, ((lot + 3) % 6) + 2]
        if lot < 8:
            members += [0, 1]
        for f in members:
            lots.append(lot)
            firms.append(f)
            base = 100.0 + lot
            prices.append(base * 1.02 if f == 1 else base if f == 0 else base + 5 + f)
            won.append(f == 0)
    t = BidTable(
        lot=np.array(lots, dtype=np.int64),
        firm=np.array(firms, dtype=np.int64),
        price=np.array(prices),
        won=np.array(won),
        keys={},
        n_lots=12,
        n_firms=8,
        lot_market=np.zeros(12, dtype=np.int64),
    )
    pairs = pairs_of(t)
    history = network.pair_history(t, pairs)
    pick = (pairs.a_firm == 0) & (pairs.b_firm == 1)
    assert history.cobids[pick][0] == 8
    # expected co-bids: 8 · 8 / 12 = 5.33 → z = (8 − 5.33)/√5.33 = 1.155 (too few lots to be "always")
    assert history.expected[pick][0] == pytest.approx(64 / 12)
    assert history.fixed_ratio[pick].all()
    assert history.ratio_sd[pick][0] == pytest.approx(0.0, abs=1e-9)
    assert not history.rotating[pick].any()  # firm 1 never won
    assert network.network_score(history)[pick][0] == pytest.approx(0.9)
    firms_hist = network.firm_history(t)
    assert firms_hist.bids[1] == 8 and firms_hist.wins[1] == 0
