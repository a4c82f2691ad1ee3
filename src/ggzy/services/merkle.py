"""An SM3 Merkle tree over the files of an archive (RFC 6962 shape: 0x00 leaves, 0x01 nodes, an odd node
moves up unpaired). Leaves are taken in path order, each binding the path and the content digest."""

from ggzy_guomi import sm3_digest


def leaf(path: str, content_sm3: str) -> bytes:
    return sm3_digest(b"\x00" + path.encode("utf-8") + b"\x00" + bytes.fromhex(content_sm3))


def root(files: dict[str, str]) -> str:
    """Merkle root (hex) of {path: content SM3 hex}."""
    level = [leaf(path, files[path]) for path in sorted(files)]
    if not level:
        return sm3_digest(b"").hex()
    while len(level) > 1:
        nxt = [sm3_digest(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0].hex()
