"""The bids of many lots as flat numpy arrays, the bidder pairs within each lot, and the electronic
signals of each pair (条例 第40条; rules-cn K3).

Identifiers (machine parts, IPs, certificate, bond account, project manager, document digests) are
factorised to integers; −1 means missing (a fingerprint part listed in `missing`, the SM3 of the empty
string, an IP not recorded). Two missing values never match.
"""

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ggzy.kernel.errors import LegalRule

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

KEYS = ("mac", "cpu", "disk", "upload_ip", "decrypt_ip", "cert", "bond_account", "manager")


class Factoriser:
    """Maps hashable values to 0, 1, 2, …; None and the configured blanks to −1."""

    def __init__(self, blanks: Iterable[Hashable] = ()) -> None:
        self.codes: dict[Hashable, int] = {}
        self.blanks = {None, "", *blanks}

    def __call__(self, value: Hashable) -> int:
        if value in self.blanks:
            return -1
        return self.codes.setdefault(value, len(self.codes))

    def many(self, values: Sequence[Hashable]) -> Ints:
        return np.fromiter((self(v) for v in values), dtype=np.int64, count=len(values))


@dataclass
class BidTable:
    """One row per live bid: which lot, which firm, its price (NaN before decryption) and whether it won."""

    lot: Ints
    firm: Ints
    price: Floats
    won: Bools
    keys: dict[str, Ints]
    n_lots: int
    n_firms: int
    lot_market: Ints  # per lot: its market (region × category), for network expectations
    doc_bid: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # exploded: bid row
    doc_key: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # exploded: document digest

    def __post_init__(self) -> None:
        for name in KEYS:
            self.keys.setdefault(name, np.full(self.lot.shape[0], -1, dtype=np.int64))

    @property
    def size(self) -> int:
        return int(self.lot.shape[0])

    def price_matrix(self) -> tuple[Floats, Ints]:
        """(lots × max bidders) prices, NaN-padded, and for each cell the bid row (−1 when empty)."""
        order = np.lexsort((self.firm, self.lot))
        counts = np.bincount(self.lot, minlength=self.n_lots)
        width = max(int(counts.max(initial=0)), 2)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        position = np.arange(self.size) - np.repeat(starts, counts)
        rows = np.full((self.n_lots, width), -1, dtype=np.int64)
        rows[self.lot[order], position] = order
        prices = np.where(rows >= 0, self.price[np.maximum(rows, 0)], np.nan)
        return prices, rows


@dataclass
class Pairs:
    """Every pair of bids of different firms within one lot (a_firm < b_firm)."""

    lot: Ints
    a: Ints  # bid rows
    b: Ints
    a_firm: Ints
    b_firm: Ints

    @property
    def size(self) -> int:
        return int(self.lot.shape[0])


def _group_pairs(group: Ints, rows: Ints) -> tuple[Ints, Ints]:
    """All pairs of rows sharing a group id (vectorised per group size)."""
    if rows.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.argsort(group, kind="stable")
    g = group[order]
    r = rows[order]
    boundaries = np.flatnonzero(np.diff(g)) + 1
    starts = np.concatenate([[0], boundaries])
    sizes = np.diff(np.concatenate([starts, [g.size]]))
    a_parts, b_parts = [], []
    for size in np.unique(sizes):
        if size < 2:
            continue
        base = starts[sizes == size]
        iu, ju = np.triu_indices(int(size), 1)
        a_parts.append(r[(base[:, None] + iu[None, :]).ravel()])
        b_parts.append(r[(base[:, None] + ju[None, :]).ravel()])
    if not a_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(a_parts), np.concatenate(b_parts)


def pairs_of(table: BidTable) -> Pairs:
    a, b = _group_pairs(table.lot, np.arange(table.size, dtype=np.int64))
    swap = table.firm[a] > table.firm[b]
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    keep = table.firm[a] != table.firm[b]
    a, b = a[keep], b[keep]
    return Pairs(table.lot[a], a, b, table.firm[a], table.firm[b])


def pair_codes(lot: Ints, a_firm: Ints, b_firm: Ints, n_firms: int) -> Ints:
    return (lot * n_firms + a_firm) * n_firms + b_firm


@dataclass(frozen=True)
class Signal:
    code: str
    name: str
    weight: float
    legal: LegalRule
    presumption: bool  # 条例 第40条 "视为串通": raise an alert whatever the score


REG40 = "中华人民共和国招标投标法实施条例 第40条"
K3 = "第三方电子监管预警口径（rules-cn K3 [S]）"
SIGNALS: dict[str, Signal] = {
    s.code: s
    for s in (
        Signal(
            "same_machine",
            "投标文件由同一台电脑编制（网卡MAC、硬盘等特征码一致）",
            1.0,
            LegalRule(f"{REG40}(一)", "不同投标人的投标文件由同一单位或者个人编制。"),
            True,
        ),
        Signal(
            "same_cert",
            "使用同一数字证书（CA锁）签名",
            1.0,
            LegalRule(f"{REG40}(二)", "不同投标人委托同一单位或者个人办理投标事宜。"),
            True,
        ),
        Signal(
            "same_manager",
            "投标文件载明的项目经理为同一人",
            1.0,
            LegalRule(f"{REG40}(三)", "不同投标人的投标文件载明的项目管理成员为同一人。"),
            True,
        ),
        Signal(
            "same_document",
            "投标文件（解密后明文）SM3摘要相同",
            1.0,
            LegalRule(f"{REG40}(四)", "不同投标人的投标文件异常一致或者投标报价呈规律性差异。"),
            True,
        ),
        Signal(
            "same_bond_account",
            "投标保证金从同一账户转出",
            1.0,
            LegalRule(f"{REG40}(六)", "不同投标人的投标保证金从同一单位或者个人的账户转出。"),
            True,
        ),
        Signal(
            "same_mac",
            "网卡MAC特征码相同",
            0.6,
            LegalRule(f"{REG40}(一)；{K3}", "编制机器特征码部分一致。"),
            False,
        ),
        Signal(
            "same_disk",
            "硬盘特征码相同",
            0.5,
            LegalRule(f"{REG40}(一)；{K3}", "编制机器特征码部分一致。"),
            False,
        ),
        Signal(
            "same_upload_ip",
            "从同一IP地址上传投标文件",
            0.4,
            LegalRule(K3, "同一IP地址上传、解密或下载。"),
            False,
        ),
        Signal(
            "same_decrypt_ip",
            "从同一IP地址解密投标文件",
            0.4,
            LegalRule(K3, "同一IP地址上传、解密或下载。"),
            False,
        ),
        Signal(
            "identical_price",
            "投标报价完全相同（Cardinal R028）",
            0.8,
            LegalRule(f"{REG40}(四)", "不同投标人的投标文件异常一致或者投标报价呈规律性差异。"),
            False,
        ),
    )
}
ELECTRONIC = tuple(SIGNALS)


def _same(key: Ints, pairs: Pairs) -> Bools:
    ka, kb = key[pairs.a], key[pairs.b]
    return (ka >= 0) & (ka == kb)


def electronic(table: BidTable, pairs: Pairs) -> dict[str, Bools]:
    """Each electronic signal for each pair."""
    avail = {k: (table.keys[k][pairs.a] >= 0) & (table.keys[k][pairs.b] >= 0) for k in ("mac", "cpu", "disk")}
    equal = {k: _same(table.keys[k], pairs) for k in ("mac", "cpu", "disk")}
    n_avail = sum(v.astype(np.int64) for v in avail.values())
    n_equal = sum(v.astype(np.int64) for v in equal.values())
    # A CPU digest is a model and flag list shared by many machines: it never makes a match on its own.
    same_machine = (n_avail >= 2) & (n_equal == n_avail) & (avail["mac"] | avail["disk"])
    flags: dict[str, Bools] = {
        "same_machine": same_machine,
        "same_mac": equal["mac"] & ~same_machine,
        "same_disk": equal["disk"] & ~same_machine,
        "same_cert": _same(table.keys["cert"], pairs),
        "same_manager": _same(table.keys["manager"], pairs),
        "same_bond_account": _same(table.keys["bond_account"], pairs),
        "same_upload_ip": _same(table.keys["upload_ip"], pairs),
        "same_decrypt_ip": _same(table.keys["decrypt_ip"], pairs),
    }
    pa, pb = table.price[pairs.a], table.price[pairs.b]
    flags["identical_price"] = np.isfinite(pa) & np.isfinite(pb) & (np.round(pa * 100) == np.round(pb * 100))
    flags["same_document"] = np.zeros(pairs.size, dtype=np.bool_)
    if table.doc_bid.size:
        groups = table.lot[table.doc_bid] * (int(table.doc_key.max(initial=0)) + 1) + table.doc_key
        da, db = _group_pairs(groups, table.doc_bid)
        fa, fb = table.firm[da], table.firm[db]
        lo, hi = np.minimum(fa, fb), np.maximum(fa, fb)
        shared = pair_codes(table.lot[da], lo, hi, table.n_firms)[lo != hi]
        flags["same_document"] = np.isin(
            pair_codes(pairs.lot, pairs.a_firm, pairs.b_firm, table.n_firms), shared
        )
    return flags


def electronic_score(flags: dict[str, Bools]) -> Floats:
    """Noisy-or of the signals' weights: 1 − Π(1 − wₖ) over the signals a pair shows."""
    keep = np.ones(next(iter(flags.values())).shape[0], dtype=np.float64)
    for code, flag in flags.items():
        keep *= np.where(flag, 1.0 - SIGNALS[code].weight, 1.0)
    return 1.0 - keep
