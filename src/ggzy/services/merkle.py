"""The archive's SM3 Merkle tree over its files: the one implementation (`ggzy_guomi.merkle`, RFC 9162
shape), with leaves taken in path order, each binding the path and the content digest:
leaf = SM3(0x00 || UTF-8 path || 0x00 || content SM3)."""

from ggzy_guomi import merkle


def leaf(path: str, content_sm3: str) -> bytes:
    return merkle.leaf_hash(path.encode("utf-8") + b"\x00" + bytes.fromhex(content_sm3))


def root(files: dict[str, str]) -> str:
    """Merkle root (hex) of {path: content SM3 hex}."""
    return merkle.root([leaf(path, files[path]) for path in sorted(files)]).hex()
