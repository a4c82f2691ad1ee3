"""Price screens for bid rigging, vectorised over many lots at once (numpy).

Input: a (lots × bidders) matrix of bid prices, NaN where a lot has fewer bids. Each screen returns one
value per lot (NaN where it is undefined, e.g. too few bids). Definitions, with b₁ ≤ b₂ ≤ … ≤ bₙ the
sorted bids of a lot, μ their mean and s their sample standard deviation (n − 1):

Imhof, Karagök & Rutz (2018), "Screening for bid rigging — does it work?", Journal of Competition Law &
Economics 14(2): 235–261 (the screens go back to Imhof's 2017 working paper "Simple statistical screens
to detect bid rigging", Fribourg WP 484):

* CV (coefficient of variation) = s / μ. Collusion compresses the bids: lower CV.
* SPD (spread) = (bₙ − b₁) / b₁. Lower under collusion.
* DIFFP (percentage difference) = (b₂ − b₁) / b₁.
* RD (relative distance) = (b₂ − b₁) / s_losing, s_losing = sample standard deviation of b₂…bₙ. Cover
  bids cluster while the winner stands apart: higher RD (needs n ≥ 3).
* KURT = n(n+1) / ((n−1)(n−2)(n−3)) · Σ zᵢ⁴ − 3(n−1)² / ((n−2)(n−3)), zᵢ = (bᵢ − μ)/s (sample excess
  kurtosis, n ≥ 4). SKEW = n / ((n−1)(n−2)) · Σ zᵢ³ (adjusted sample skewness, n ≥ 3). These are the
  usual bias-adjusted estimators (as in Excel's KURT/SKEW), which is how we read the paper.

Huber & Imhof (2019), "Machine learning with screens for detecting bid-rigging cartels", International
Journal of Industrial Organization 65: 277–301, add normalised distances. As we read them (verify
against the paper before relying on the exact scale — marked [U] in docs/collusion.md):

* RDNOR = (b₂ − b₁) / [(bₙ − b₁)/(n − 1)] — the gap between the two lowest bids over the mean gap of
  adjacent bids; RDALT = (b₂ − b₁) / [(bₙ − b₂)/(n − 2)] — over the mean gap between losing bids.
* KS: we use the one-sample Kolmogorov–Smirnov statistic D = maxᵢ max(i/n − uᵢ, uᵢ − (i−1)/n) of the
  bids rescaled to uᵢ = (bᵢ − b₁)/(bₙ − b₁) against the uniform distribution on [0, 1]. The paper's
  exact normalisation is not confirmed here: this is OUR definition.

Regular differences (条例 第40条(4) "投标报价呈规律性差异"), our definitions:

* ARITH = CV of the adjacent gaps (b₂−b₁, …, bₙ−bₙ₋₁): 0 for an arithmetic progression (n ≥ 4).
* GEOM = CV of the adjacent log-ratios ln(bᵢ₊₁/bᵢ): 0 for a geometric progression, i.e. every bid a fixed
  ratio above the previous one (n ≥ 4). Fixed ratios between two bidders across lots are in `network`.

Open Contracting Partnership, Cardinal red flags (docs/cli/indicators of open-contracting/cardinal-rs):

* R024 "price close to winning bid": difference = (second-lowest valid bid − winning bid) / winning bid,
  flagged when ≤ Q₁ − 1.5·IQR of the differences over all processes. With a price-only award the
  winning bid is b₁ and the difference is DIFFP; we use DIFFP with the population fences.
* R058 "heavily discounted bid": the same difference flagged when ≥ Q₃ + 1.5·IQR.
* R028 "identical bid prices": different tenderers submitted bids with the same price (we compare to the
  cent). Counted here per lot; the pairs are flagged in `pairs`.
"""

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

SCREENS = ("cv", "spd", "diffp", "rd", "rdnor", "rdalt", "kurt", "skew", "ks", "arith", "geom", "identical")


def sort_bids(prices: Floats) -> tuple[Floats, Ints]:
    """Bids sorted ascending within each lot (NaN last) and the number of bids per lot."""
    matrix = np.asarray(prices, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError("prices must be a (lots x bidders) matrix")
    matrix = np.where(matrix > 0, matrix, np.nan)
    ordered = np.sort(matrix, axis=1)
    return ordered, np.sum(~np.isnan(ordered), axis=1).astype(np.int64)


def _at(S: Floats, index: Ints) -> Floats:
    """S[lot, index[lot]] with index clipped into range (callers mask invalid lots)."""
    idx = np.clip(index, 0, S.shape[1] - 1)
    return S[np.arange(S.shape[0]), idx]


def _moments(S: Floats, n: Ints) -> tuple[Floats, Floats]:
    mask = ~np.isnan(S)
    safe_n = np.maximum(n, 1)
    mean = np.where(mask, S, 0.0).sum(axis=1) / safe_n
    dev = np.where(mask, S - mean[:, None], 0.0)
    var = (dev**2).sum(axis=1) / np.maximum(n - 1, 1)
    mean = np.where(n >= 1, mean, np.nan)
    std = np.where(n >= 2, np.sqrt(var), np.nan)
    return mean, std


def _cv_of_rows(values: Floats, count: Ints) -> Floats:
    """CV (sample std / mean) of each row's first `count` values (NaN-padded rows)."""
    mean, std = _moments(values, count)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = std / mean
    return np.where((count >= 2) & (mean > 0), out, np.nan)


def compute(prices: Floats) -> dict[str, Floats]:
    """Every screen for every lot (rows of `prices`)."""
    S, n = sort_bids(prices)
    L, N = S.shape
    if N < 2:
        S = np.hstack([S, np.full((L, 2 - N), np.nan)])
    mean, std = _moments(S, n)
    b1 = S[:, 0]
    b2 = S[:, 1]
    bn = _at(S, n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(n >= 2, std / mean, np.nan)
        spd = np.where(n >= 2, (bn - b1) / b1, np.nan)
        diffp = np.where(n >= 2, (b2 - b1) / b1, np.nan)
        _, std_losing = _moments(S[:, 1:], n - 1)
        rd = np.where((n >= 3) & (std_losing > 0), (b2 - b1) / std_losing, np.nan)
        rdnor = np.where((n >= 3) & (bn > b1), (b2 - b1) * (n - 1) / (bn - b1), np.nan)
        rdalt = np.where((n >= 3) & (bn > b2), (b2 - b1) * (n - 2) / (bn - b2), np.nan)
        z = (S - mean[:, None]) / std[:, None]
        z = np.where(np.isnan(S), 0.0, z)
        nf = n.astype(np.float64)
        skew_k = nf / ((nf - 1) * (nf - 2))
        skew = np.where((n >= 3) & (std > 0), skew_k * (z**3).sum(axis=1), np.nan)
        kurt_k = nf * (nf + 1) / ((nf - 1) * (nf - 2) * (nf - 3))
        kurt_c = 3 * (nf - 1) ** 2 / ((nf - 2) * (nf - 3))
        kurt = np.where((n >= 4) & (std > 0), kurt_k * (z**4).sum(axis=1) - kurt_c, np.nan)
        u = (S - b1[:, None]) / (bn - b1)[:, None]
        i = np.arange(1, S.shape[1] + 1, dtype=np.float64)[None, :]
        valid = ~np.isnan(S)
        d_plus = np.where(valid, i / nf[:, None] - u, -np.inf).max(axis=1)
        d_minus = np.where(valid, u - (i - 1) / nf[:, None], -np.inf).max(axis=1)
        ks = np.where((n >= 3) & (bn > b1), np.maximum(d_plus, d_minus), np.nan)
        gaps = np.diff(S, axis=1)
        arith = np.where(n >= 4, _cv_of_rows(gaps, n - 1), np.nan)
        log_ratios = np.diff(np.log(S), axis=1)
        geom = np.where(n >= 4, _cv_of_rows(log_ratios, n - 1), np.nan)
    cents = np.round(S * 100)
    same = (np.diff(cents, axis=1) == 0) & ~np.isnan(gaps)
    identical = np.where(n >= 2, same.sum(axis=1).astype(np.float64), np.nan)
    return {
        "cv": cv,
        "spd": spd,
        "diffp": diffp,
        "rd": rd,
        "rdnor": rdnor,
        "rdalt": rdalt,
        "kurt": kurt,
        "skew": skew,
        "ks": ks,
        "arith": arith,
        "geom": geom,
        "identical": identical,
    }


def iqr_fences(values: Floats) -> tuple[float, float]:
    """(Q₁ − 1.5·IQR, Q₃ + 1.5·IQR) of the finite values (Cardinal R024 / R058)."""
    finite = values[np.isfinite(values)]
    if finite.size < 4:
        return float("nan"), float("nan")
    q1, q3 = np.percentile(finite, [25, 75])
    return float(q1 - 1.5 * (q3 - q1)), float(q3 + 1.5 * (q3 - q1))
