"""The random draw as pure functions: who may be drawn, the seeded selection, and its verification.

No database here: `queries.py` turns rows into the plain values below, so the same code draws, replays,
verifies and can be re-implemented elsewhere (e.g. by a regulator) from this description alone.

**Commitment.** secret = 32 bytes from `secrets`; commitment = SM3(secret) as hex; the eligible pools
are fixed by `pool_digest` = SM3 of the canonical JSON (UTF-8, keys sorted, no whitespace)
`{"algorithm": ALGORITHM, "draw": <draw number>, "rows": [{"index": i, "specialty": code,
"count": n, "pool": [expert codes sorted ascending]}, …]}`. Both are recorded (the audit event of the
commitment) before the draw; the secret itself is kept only encrypted to the platform's SM2 key.

**Seed.** seed = SM3(secret ‖ root), where root is the 32-byte SM3 Merkle root of the first signed audit
checkpoint whose tree contains the commitment's audit event (`kernel.checkpoints.covering_checkpoint`).
That checkpoint is signed after the commitment, so at the commitment nobody — the operator, whoever
copies the database, the platform itself — knows the seed, and once it is signed nobody can choose
another. At the execution the secret is revealed; anyone then checks SM3(secret) against the commitment,
the checkpoint's signature against the platform's public key, and recomputes the seed.

**Stream (per row i).** block_k = SM3(b"GGZY-EXPERT-DRAW-v1" ‖ seed ‖ uint32_be(i) ‖ uint64_be(k)) for
k = 0, 1, 2, …; the row's keystream is block_0 ‖ block_1 ‖ …, read as consecutive big-endian uint32.

**Uniform integer below n** (rejection sampling, no modulo bias): limit = 2^32 − (2^32 mod n); read x
until x < limit; return x mod n.

**Row order** (Fisher–Yates, forward): a = pool (sorted); for j = 0 … len(a) − 2: r = j + below(len(a) − j);
swap a[j], a[r]. The row's order is `a`: a[0] is uniform over the pool, a[1] over the rest, and so on.

**Calls.** Every row keeps a cursor (starting at 0) into its order; one set `used` spans the draw.
`next(i)`: advance row i's cursor past codes already in `used`; take the code under it (or nothing when
the order is exhausted), add it to `used`, advance the cursor. The initial draw is `next(0)` count_0
times, then `next(1)` count_1 times, … A decline, a missed deadline or a candidate no longer eligible
triggers one more `next(row of that call)`, in the order they happen. So the whole sequence of calls
follows from the seed, the pools and the list of rows that needed a replacement, which is what
`replay` recomputes and `verify` compares with the recorded calls.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from ggzy.kernel import draws
from ggzy.kernel.canonical import canonical_bytes
from ggzy.kernel.draws import SEED_BYTES, commitment, derive_seed
from ggzy_guomi import sm3_hex

ALGORITHM = "GGZY-DRAW-SM3-CTR-v2"
DOMAIN = b"GGZY-EXPERT-DRAW-v1"


# ---- eligibility (recusal) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """What the draw needs to know about one expert."""

    code: str
    status: str
    specialties: frozenset[str]  # the expert's specialty codes and all their ancestors
    regions: tuple[str, ...]  # the expert's region code and its ancestors (county → city → province)
    employer_uscc: str
    conflicts: frozenset[str] = frozenset()  # USCCs the expert declared a conflict with
    unavailable: tuple[tuple[date, date], ...] = ()  # inclusive periods
    busy: bool = False  # already called (pending or accepted) for another evaluation that day
    recent_for_principal: int = 0  # pending or accepted calls for the same principal in the window
    already_called: bool = False  # called by another draw of the same lot


@dataclass(frozen=True)
class Context:
    """The lot's side of the recusal rules."""

    evaluation_date: date
    allowed_regions: frozenset[str]
    bidder_usccs: frozenset[str]
    principal_uscc: str
    agent_uscc: str | None = None
    excluded: frozenset[str] = frozenset()  # expert codes excluded by the operator
    repeat_max: int = 3


# Reasons, in the order they are checked; all that apply are reported.
REASONS: dict[str, str] = {
    "pending": "未通过审核",
    "rejected": "未通过审核",
    "suspended": "暂停评标资格",
    "blacklisted": "列入黑名单",
    "retired": "已退出专家库",
    "unavailable": "评标日不可参评",
    "busy": "评标当日已有其他评标任务",
    "region": "不在本次抽取地区范围",
    "employer_is_bidder": "工作单位为本标段投标人",
    "employer_is_principal": "工作单位为招标人",
    "employer_is_agent": "工作单位为招标代理机构",
    "declared_conflict": "已申报与本项目当事人有利害关系",
    "repeat_limit": "为同一招标人评标次数已达上限",
    "excluded": "交易中心排除",
    "already_called": "已被本标段其他抽取通知",
}


def recusal_reasons(c: Candidate, ctx: Context) -> list[str]:
    """Why `c` may not sit on this lot's committee (empty: eligible, subject to the row's specialty)."""
    reasons: list[str] = []
    if c.status != "active":
        reasons.append(c.status if c.status in REASONS else "suspended")
    if any(start <= ctx.evaluation_date <= end for start, end in c.unavailable):
        reasons.append("unavailable")
    if c.busy:
        reasons.append("busy")
    if not ctx.allowed_regions.intersection(c.regions):
        reasons.append("region")
    if c.employer_uscc in ctx.bidder_usccs:
        reasons.append("employer_is_bidder")
    if c.employer_uscc == ctx.principal_uscc:
        reasons.append("employer_is_principal")
    if ctx.agent_uscc and c.employer_uscc == ctx.agent_uscc:
        reasons.append("employer_is_agent")
    parties = ctx.bidder_usccs | {ctx.principal_uscc} | ({ctx.agent_uscc} if ctx.agent_uscc else set())
    if c.conflicts & parties:
        reasons.append("declared_conflict")
    if c.recent_for_principal >= ctx.repeat_max:
        reasons.append("repeat_limit")
    if c.code in ctx.excluded:
        reasons.append("excluded")
    if c.already_called:
        reasons.append("already_called")
    return reasons


@dataclass(frozen=True)
class RowSpec:
    index: int
    specialty: str
    count: int
    pool: tuple[str, ...]  # sorted expert codes


@dataclass
class Screening:
    rows: list[RowSpec]
    excluded: dict[str, list[str]] = field(default_factory=dict)  # code → reasons (eligible-specialty only)

    def counts(self) -> dict[str, int]:
        tally: dict[str, int] = {}
        for reasons in self.excluded.values():
            for reason in reasons:
                tally[reason] = tally.get(reason, 0) + 1
        return dict(sorted(tally.items()))


def screen(candidates: Iterable[Candidate], ctx: Context, rows: Sequence[tuple[int, str, int]]) -> Screening:
    """The eligible pool of each (index, specialty, count) row, sorted by expert code."""
    candidates = list(candidates)
    wanted = {specialty for _, specialty, _ in rows}
    eligible: list[Candidate] = []
    excluded: dict[str, list[str]] = {}
    for c in candidates:
        reasons = recusal_reasons(c, ctx)
        if reasons:
            if c.specialties & wanted:
                excluded[c.code] = reasons
        else:
            eligible.append(c)
    specs = [
        RowSpec(
            index, specialty, count, tuple(sorted(c.code for c in eligible if specialty in c.specialties))
        )
        for index, specialty, count in rows
    ]
    return Screening(specs, excluded)


# ---- the seeded stream -------------------------------------------------------------------------


def pool_digest(draw_number: str, rows: Sequence[RowSpec]) -> str:
    document = {
        "algorithm": ALGORITHM,
        "draw": draw_number,
        "rows": [
            {"index": r.index, "specialty": r.specialty, "count": r.count, "pool": list(r.pool)} for r in rows
        ],
    }
    return sm3_hex(canonical_bytes(document))


class Stream(draws.Stream):
    """The keystream of one row of an expert draw (the domain GGZY-EXPERT-DRAW-v1)."""

    def __init__(self, seed: bytes, row: int) -> None:
        super().__init__(seed, row, DOMAIN)


def row_order(seed: bytes, row: int, pool: Sequence[str]) -> list[str]:
    """The random order of one row's pool (forward Fisher–Yates over the sorted pool)."""
    return draws.shuffled(seed, row, pool, DOMAIN)


@dataclass(frozen=True)
class Pick:
    row: int
    position: int  # index in the row's order
    code: str


class Sequencer:
    """Walks the row orders: the initial draw, then one more call per replacement."""

    def __init__(self, seed: bytes, rows: Sequence[RowSpec]) -> None:
        self.rows = {r.index: r for r in rows}
        self.order = {r.index: row_order(seed, r.index, r.pool) for r in rows}
        self.cursor = dict.fromkeys(self.rows, 0)
        self.used: set[str] = set()

    def next(self, row: int) -> Pick | None:
        order = self.order[row]
        while self.cursor[row] < len(order):
            position = self.cursor[row]
            self.cursor[row] += 1
            code = order[position]
            if code not in self.used:
                self.used.add(code)
                return Pick(row, position, code)
        return None

    def initial(self) -> list["Slot"]:
        return [Slot(r.index, self.next(r.index)) for r in self.rows.values() for _ in range(r.count)]


@dataclass(frozen=True)
class Slot:
    """One call of the sequence: the row it serves and its pick (None: the row's pool is exhausted)."""

    row: int
    pick: Pick | None


def replay(seed: bytes, rows: Sequence[RowSpec], followups: Sequence[int] = ()) -> list[Slot]:
    """Every call of a draw: the initial slots (row by row), then one per follow-up row, in order."""
    sequencer = Sequencer(seed, rows)
    slots = sequencer.initial()
    slots.extend(Slot(row, sequencer.next(row)) for row in followups)
    return slots


def select(seed: bytes, rows: Sequence[RowSpec]) -> list[Pick]:
    """The initial committee (what the statistical test samples)."""
    return [s.pick for s in Sequencer(seed, rows).initial() if s.pick is not None]


# ---- verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedCall:
    seq: int
    row: int
    position: int
    code: str
    replaces_row: int | None  # the row of the call this one replaced; None for an initial call


@dataclass
class Verification:
    ok: bool
    checks: dict[str, bool]
    problems: list[str]
    seed_hex: str = ""


def _unhex(value: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        return b""


def verify(
    *,
    secret_hex: str,
    commitment_hex: str,
    checkpoint_root_hex: str,
    digest_hex: str,
    draw_number: str,
    rows: Sequence[RowSpec],
    calls: Sequence[RecordedCall],
) -> Verification:
    """Recompute the draw from the revealed secret and the checkpoint root, and compare with the record.
    (That the root is the one of the first checkpoint after the commitment, signed by the platform, is
    checked where the checkpoints are: `queries.verify_draw`.)"""
    problems: list[str] = []
    secret, root = _unhex(secret_hex), _unhex(checkpoint_root_hex)
    checks = {
        "seed_format": len(secret) == SEED_BYTES and len(root) == 32,
        "commitment": commitment(secret) == commitment_hex if secret else False,
        "pool_digest": pool_digest(draw_number, rows) == digest_hex,
        "replacement_rows": True,
        "calls": False,
    }
    if not checks["seed_format"]:
        problems.append("the secret or the checkpoint root is not 32 bytes of hex")
    if not checks["commitment"]:
        problems.append("SM3(secret) differs from the recorded commitment")
    if not checks["pool_digest"]:
        problems.append("the eligible pools differ from the recorded digest")
    ordered = sorted(calls, key=lambda c: c.seq)
    followups = [c.row for c in ordered if c.replaces_row is not None]
    for c in ordered:
        if c.replaces_row is not None and c.replaces_row != c.row:
            checks["replacement_rows"] = False
            problems.append(f"call {c.seq} replaces a call of another row")
    seed = b""
    if checks["seed_format"]:
        seed = derive_seed(secret, root)
        slots = replay(seed, rows, followups)
        expected = [(s.pick.row, s.pick.position, s.pick.code) for s in slots if s.pick is not None]
        recorded = [(c.row, c.position, c.code) for c in ordered]
        checks["calls"] = expected == recorded
        if not checks["calls"]:
            problems.append("the recorded calls are not the ones the seed gives")
    return Verification(all(checks.values()), checks, problems, seed.hex())
