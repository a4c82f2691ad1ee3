"""The selection function alone: uniform over the eligible experts (chi-square over 10,000 simulated
draws), recused experts never picked, and an independent implementation of the published algorithm
agreeing with it. No database.

scipy is not a dependency: the chi-square survival function is computed here (regularised upper
incomplete gamma) and checked against tabulated critical values first.
"""

import math
import random
from collections import Counter
from datetime import date

import pytest
from cryptography.hazmat.primitives import hashes

from ggzy.experts import draw as pure

DRAWS = 10_000


def _gamma_series(a: float, x: float) -> float:
    """Regularised lower incomplete gamma P(a, x) by its series (x < a + 1)."""
    term = total = 1.0 / a
    n = a
    for _ in range(10_000):
        n += 1
        term *= x / n
        total += term
        if abs(term) < abs(total) * 1e-15:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_fraction(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) by its continued fraction (modified Lentz, x ≥ a + 1)."""
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def chi2_sf(statistic: float, df: int) -> float:
    """P(X ≥ statistic) for X ~ chi-square with df degrees of freedom."""
    a, x = df / 2, statistic / 2
    if x <= 0:
        return 1.0
    return 1 - _gamma_series(a, x) if x < a + 1 else _gamma_fraction(a, x)


def chi_square(counts: Counter[str], keys: list[str], expected: float) -> float:
    return sum((counts[k] - expected) ** 2 / expected for k in keys)


# Critical values at the 0.01 level (any statistics table): df → value.
CRITICAL_001 = {1: 6.635, 4: 13.277, 9: 21.666, 19: 36.191, 29: 49.588}


@pytest.mark.parametrize(("df", "critical"), CRITICAL_001.items())
def test_chi2_sf_matches_the_tables(df: int, critical: float) -> None:
    assert chi2_sf(critical, df) == pytest.approx(0.01, abs=2e-5)


def candidate(code: str, **change: object) -> pure.Candidate:
    data: dict[str, object] = {
        "code": code,
        "status": "active",
        "specialties": frozenset({"A", "A08", "A0801"}),
        "regions": ("640104", "640100", "640000"),
        "employer_uscc": f"91640104MA{int(code[2:]):07d}X",
    }
    data.update(change)
    return pure.Candidate(**data)  # type: ignore[arg-type]


BIDDER = "91640100000000001Y"
CONTEXT = pure.Context(
    evaluation_date=date(2026, 3, 24),
    allowed_regions=frozenset({"640000"}),
    bidder_usccs=frozenset({BIDDER}),
    principal_uscc="91640100000000002Y",
)


def test_uniform_over_eligible_and_recused_never_picked() -> None:
    eligible = [candidate(f"EX{i:08d}") for i in range(1, 21)]
    recused = [
        candidate("EX00000091", employer_uscc=BIDDER),
        candidate("EX00000092", status="blacklisted"),
        candidate("EX00000093", status="suspended"),
        candidate("EX00000094", conflicts=frozenset({BIDDER})),
        candidate("EX00000095", unavailable=((date(2026, 3, 20), date(2026, 3, 24)),)),
        candidate("EX00000096", regions=("610000",)),
    ]
    # Recused experts are interleaved with the eligible ones in code order, so a bias towards
    # neighbours or positions would show.
    screening = pure.screen([*recused, *eligible], CONTEXT, [(0, "A08", 5)])
    pool = screening.rows[0].pool
    assert pool == tuple(c.code for c in eligible)
    assert set(screening.excluded) == {c.code for c in recused}

    rng = random.Random(20260324)  # fixed: reproducible, and each seed still a different stream
    every, first = Counter[str](), Counter[str]()
    for _ in range(DRAWS):
        picks = pure.select(rng.randbytes(pure.SEED_BYTES), screening.rows)
        codes = [p.code for p in picks]
        assert len(set(codes)) == 5  # never the same expert twice
        every.update(codes)
        first[codes[0]] += 1
    assert not set(every) - set(pool)  # recused experts: never picked
    keys = list(pool)
    # The first pick is a multinomial draw over the 20 eligible experts.
    p_first = chi2_sf(chi_square(first, keys, DRAWS / 20), 19)
    # Every pick (5 per draw, without replacement): the same test is conservative here.
    p_every = chi2_sf(chi_square(every, keys, DRAWS * 5 / 20), 19)
    assert p_first > 0.01, (p_first, first)
    assert p_every > 0.01, (p_every, every)


def test_rejection_sampling_has_no_modulo_bias() -> None:
    """below(n) for an n that does not divide 2^32: uniform over 0 … n-1."""
    stream = pure.Stream(bytes(range(32)), 0)
    n = 7
    counts = Counter(stream.below(n) for _ in range(70_000))
    assert set(counts) == set(range(n))
    assert chi2_sf(chi_square(counts, list(range(n)), 10_000), n - 1) > 0.01  # type: ignore[arg-type]


# ---- an independent implementation of the published algorithm ------------------------------------


def _sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def reference_order(seed: bytes, row: int, pool: list[str]) -> list[str]:
    """Written from the module docstring of draw.py alone."""
    stream = b"".join(
        _sm3(b"GGZY-EXPERT-DRAW-v1" + seed + row.to_bytes(4, "big") + k.to_bytes(8, "big")) for k in range(64)
    )
    words = iter(int.from_bytes(stream[i : i + 4], "big") for i in range(0, len(stream), 4))

    def below(n: int) -> int:
        limit = 2**32 - (2**32 % n)
        while (x := next(words)) >= limit:
            pass
        return x % n

    a = sorted(pool)
    for j in range(len(a) - 1):
        r = j + below(len(a) - j)
        a[j], a[r] = a[r], a[j]
    return a


def test_independent_implementation_agrees() -> None:
    rng = random.Random(7)
    for trial in range(200):
        pool = sorted(f"EX{rng.randrange(10**8):08d}" for _ in range(rng.randrange(1, 60)))
        seed = rng.randbytes(32)
        assert pure.row_order(seed, trial % 3, pool) == reference_order(seed, trial % 3, pool)


def test_golden_vector() -> None:
    """Fixed inputs and output, for verifiers written in other languages."""
    seed = bytes.fromhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    pool = [f"EX{i:08d}" for i in range(1, 11)]
    assert pure.commitment(seed) == _sm3(seed).hex()
    assert pure.row_order(seed, 0, pool) == GOLDEN_ORDER
    rows = [pure.RowSpec(0, "A08", 3, tuple(pool)), pure.RowSpec(1, "A06", 1, tuple(pool))]
    slots = pure.replay(seed, rows, [0])
    assert [(s.row, s.pick.code if s.pick else None) for s in slots] == GOLDEN_CALLS
    assert pure.pool_digest("CQ00000001", rows) == GOLDEN_POOL_DIGEST
    # v2: the seed is SM3(secret ‖ checkpoint root); here secret = 00…1f, root = 20…3f.
    root = bytes(range(32, 64))
    assert pure.derive_seed(seed, root) == _sm3(seed + root)
    assert pure.derive_seed(seed, root).hex() == GOLDEN_SEED


GOLDEN_ORDER = [f"EX{i:08d}" for i in (9, 5, 1, 7, 3, 4, 10, 2, 6, 8)]
# Row 0 takes 3, row 1 (its own order) takes 1, then one replacement for row 0.
GOLDEN_CALLS = [(0, "EX00000009"), (0, "EX00000005"), (0, "EX00000001"), (1, "EX00000007"), (0, "EX00000003")]
GOLDEN_POOL_DIGEST = (
    "2ec9b515d3ed5d1f16b65ecc70e795333d885ec2d623235491e8b0c78764d713"  # draw "CQ00000001", v2
)
GOLDEN_SEED = "93566f236d157aae078d1ddb5cebdbba1520b5142e22a8915564345ba2ae1d63"
