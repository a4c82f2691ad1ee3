"""SM3 Merkle trees in the shape of RFC 6962 / RFC 9162 §2.1 (Certificate Transparency), with SM3.

The one Merkle implementation of GGZY: the audit chain's signed checkpoints, the inclusion proofs of
bid receipts and the archive packages all use it, on the platform and in `ggzy-bid`.

    leaf hash  = SM3(0x00 || leaf data)
    node hash  = SM3(0x01 || left || right)
    MTH({})    = SM3("")
    MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])) with k the largest power of two < n

Proofs are RFC 9162 inclusion proofs (PATH) and consistency proofs (PROOF), lists of 32-byte hashes;
the verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2.
"""

from collections.abc import Iterable, Sequence

from ggzy_guomi.sm3 import sm3_digest

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    return sm3_digest(LEAF_PREFIX + data)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sm3_digest(NODE_PREFIX + left + right)


def empty_root() -> bytes:
    return sm3_digest(b"")


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes (bottom-up; an odd last node moves up unpaired, which is the same tree)."""
    level = list(leaves)
    if not level:
        return empty_root()
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]): the sibling hashes from the leaf up to the root."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is outside a tree of {len(leaves)}")

    def path(m: int, lo: int, hi: int) -> list[bytes]:
        n = hi - lo
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*path(m, lo, lo + k), root(leaves[lo + k : hi])]
        return [*path(m - k, lo + k, hi), root(leaves[lo : lo + k])]

    return path(index, 0, len(leaves))


def consistency_proof(leaves: Sequence[bytes], m: int) -> list[bytes]:
    """PROOF(m, D[n]): shows the tree of the first m leaves is a prefix of the tree of all n leaves."""
    n = len(leaves)
    if not 0 < m <= n:
        raise ValueError(f"no consistency proof from {m} to {n}")

    def subproof(m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if complete else [root(leaves[lo:hi])]
        k = _split(n)
        if m <= k:
            return [*subproof(m, lo, lo + k, complete), root(leaves[lo + k : hi])]
        return [*subproof(m - k, lo + k, hi, False), root(leaves[lo : lo + k])]

    return subproof(m, 0, n, True)


def root_from_inclusion(leaf: bytes, index: int, size: int, proof: Iterable[bytes]) -> bytes | None:
    """The root a correct inclusion proof leads to (RFC 9162 §2.1.3.2), or None if it cannot fit."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    return root_from_inclusion(leaf, index, size, proof) == expected_root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: the tree of `second` leaves extends the tree of `first` leaves."""
    if first == second:
        return not proof and first_root == second_root
    if not 0 < first < second or not proof:
        return first == 0 and not proof and first_root == empty_root()
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first tree is itself a node of the proof
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


class CompactRange:
    """The perfect subtrees covering leaves 0..n (the binary decomposition of n), left to right.

    Enough to extend a tree with new leaves and get every later root without the old leaves."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError("a compact range holds one hash per bit set in its size")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> None:
        self.hashes.append(leaf)
        self.size += 1
        merged = self.size
        while not merged & 1:  # each trailing zero bit of the new size is a merge of two equal subtrees
            right = self.hashes.pop()
            self.hashes[-1] = node_hash(self.hashes[-1], right)
            merged >>= 1

    def root(self) -> bytes:
        if not self.hashes:
            return empty_root()
        acc = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            acc = node_hash(h, acc)
        return acc
