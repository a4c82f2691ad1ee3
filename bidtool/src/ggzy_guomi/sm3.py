"""SM3 (GB/T 32905-2016) through `cryptography` (OpenSSL).

One-shot helpers for small inputs, and `Sm3Hasher` / `sm3_file` for bid files of tens of MB, which
must be hashed without loading them whole into memory.
"""

from typing import Protocol

from cryptography.hazmat.primitives import hashes

DIGEST_SIZE = 32
DEFAULT_CHUNK_SIZE = 1 << 20


class Readable(Protocol):
    """Anything with a binary `read(n)`: open files, BytesIO, zip entry streams."""

    def read(self, size: int = -1, /) -> bytes: ...


def sm3_digest(data: bytes) -> bytes:
    """SM3 of `data` (32 bytes)."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def sm3_hex(data: bytes) -> str:
    """SM3 of `data` as 64 lowercase hex digits (the form used in manifests and receipts)."""
    return sm3_digest(data).hex()


class Sm3Hasher:
    """Incremental SM3 with a hashlib-like interface; `digest()` may be called repeatedly."""

    def __init__(self, data: bytes = b"") -> None:
        self._hash = hashes.Hash(hashes.SM3())
        if data:
            self._hash.update(data)

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def copy(self) -> "Sm3Hasher":
        clone = Sm3Hasher()
        clone._hash = self._hash.copy()
        return clone

    def digest(self) -> bytes:
        # finalize() consumes the context, so finalize a copy to keep this hasher usable.
        return self._hash.copy().finalize()

    def hexdigest(self) -> str:
        return self.digest().hex()


def sm3_file(src: Readable, chunk_size: int = DEFAULT_CHUNK_SIZE) -> bytes:
    """SM3 of everything remaining in a binary file object, read in chunks."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    hasher = Sm3Hasher()
    while chunk := src.read(chunk_size):
        hasher.update(chunk)
    return hasher.digest()
