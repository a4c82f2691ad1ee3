"""Verifiable random draws: the commitment, the seed and the SM3 keystream every draw of the platform uses
(the evaluation experts of experts.draw, the invited suppliers of trading.invitations).

A draw commits to SM3(secret) before it runs, with the secret kept only encrypted to the platform key; the
seed is SM3(secret ‖ root), root being the Merkle root of the first signed audit checkpoint covering the
commitment's audit event — signed after the commitment, so that nobody (the operator, whoever copies the
database, the platform itself) knows the seed when the pool is fixed, and nobody can choose another once
the checkpoint is signed. The keystream of row i is block_k = SM3(domain ‖ seed ‖ uint32_be(i) ‖
uint64_be(k)), read as big-endian uint32; a uniform integer below n uses rejection sampling; a pool's
random order is the forward Fisher–Yates shuffle of the sorted pool. Each kind of draw has its own domain.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models

from ggzy.kernel import checkpoints
from ggzy.kernel.errors import Conflict, LegalRule
from ggzy.kernel.models import AuditCheckpoint
from ggzy.kernel.platform_key import platform_key, platform_public_key
from ggzy_guomi import GuomiError, sm3_digest, sm3_hex

SEED_BYTES = 32
_U32 = 1 << 32


def commitment(secret: bytes) -> str:
    return sm3_hex(secret)


def derive_seed(secret: bytes, checkpoint_root: bytes) -> bytes:
    """seed = SM3(secret ‖ root of the first signed audit checkpoint covering the commitment)."""
    if len(secret) != SEED_BYTES or len(checkpoint_root) != 32:
        raise ValueError("the secret and the checkpoint root have 32 bytes each")
    return sm3_digest(secret + checkpoint_root)


class Stream:
    """The SM3 counter-mode keystream of one row of a draw, read as big-endian uint32."""

    def __init__(self, seed: bytes, row: int, domain: bytes) -> None:
        if len(seed) != SEED_BYTES:
            raise ValueError(f"the seed has {SEED_BYTES} bytes")
        self._prefix = domain + seed + row.to_bytes(4, "big")
        self._counter = 0
        self._buffer = b""

    def _refill(self) -> None:
        self._buffer += sm3_digest(self._prefix + self._counter.to_bytes(8, "big"))
        self._counter += 1

    def u32(self) -> int:
        if len(self._buffer) < 4:
            self._refill()
        value, self._buffer = int.from_bytes(self._buffer[:4], "big"), self._buffer[4:]
        return value

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        if not 0 < n <= _U32:
            raise ValueError("n must be in 1 … 2^32")
        limit = _U32 - (_U32 % n)
        while True:
            x = self.u32()
            if x < limit:
                return x % n


def shuffled(seed: bytes, row: int, pool: Sequence[str], domain: bytes) -> list[str]:
    """The random order of a pool (forward Fisher–Yates over the pool as given, normally sorted)."""
    order = list(pool)
    stream = Stream(seed, row, domain)
    for j in range(len(order) - 1):
        r = j + stream.below(len(order) - j)
        order[j], order[r] = order[r], order[j]
    return order


@dataclass(frozen=True)
class Commitment:
    """What a draw records when its pool is fixed: the secret sealed to the platform key, its SM3."""

    secret_sealed: str
    commitment: str


def commit() -> Commitment:
    secret = secrets.token_bytes(SEED_BYTES)
    return Commitment(platform_public_key().encrypt(secret).hex(), commitment(secret))


@dataclass(frozen=True)
class Revealed:
    secret: bytes
    checkpoint: AuditCheckpoint
    seed: bytes


def reveal(
    secret_sealed: str,
    committed: str,
    commit_event_seq: int | None,
    reason: str,
    target: models.Model,
    rule: LegalRule | None = None,
) -> Revealed:
    """Decrypt the committed secret, take the first checkpoint covering the commitment (signing one now if
    none was yet) and derive the seed."""
    try:
        secret = platform_key().decrypt(bytes.fromhex(secret_sealed))
    except (GuomiError, ValueError) as exc:
        raise Conflict(
            "draw_secret_unreadable",
            "无法用平台密钥解开已承诺的随机秘密，抽取不能执行",
            "The committed secret cannot be decrypted with the platform key; the draw cannot run",
        ) from exc
    if commit_event_seq is None or commitment(secret) != committed:
        raise Conflict(
            "draw_commitment_mismatch",
            "随机秘密与抽取前公布的承诺不一致，抽取不能执行",
            "The secret does not match the published commitment; the draw cannot run",
            rule=rule,
        )
    cp = checkpoints.covering_checkpoint(commit_event_seq) or checkpoints.issue_checkpoint(reason, target)
    return Revealed(secret, cp, derive_seed(secret, bytes.fromhex(cp.root)))
