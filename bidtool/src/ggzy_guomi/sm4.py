"""SM4-GCM (GB/T 32907-2016 block cipher, NIST SP 800-38D mode) through `cryptography` (OpenSSL).

Format: a 16-byte key, a 12-byte nonce (the GCM fast path; never reuse a nonce with the same key),
optional associated data, output = ciphertext || 16-byte tag — the same layout as
`cryptography`'s AESGCM and RFC 8998, so a one-shot and a streamed encryption give identical bytes.

The streaming functions exist because bid files reach tens of MB. They also hash the input and output
with SM3 in the same pass, which the envelope needs anyway. Caution on `sm4_decrypt_stream`: GCM
can only authenticate at the end, so plaintext is written to `dst` before the tag is checked; on
`IntegrityError` the caller must discard everything written (envelope.py does so).
"""

import os
from dataclasses import dataclass
from io import BytesIO
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ggzy_guomi.errors import FormatError, IntegrityError, KeyFormatError
from ggzy_guomi.sm3 import DEFAULT_CHUNK_SIZE, Readable, Sm3Hasher

KEY_SIZE = 16
NONCE_SIZE = 12
TAG_SIZE = 16


class Writable(Protocol):
    """Anything with a binary `write`: open files, BytesIO, zip entry writers."""

    def write(self, data: bytes, /) -> int | None: ...


@dataclass(frozen=True)
class StreamResult:
    """Sizes and SM3 digests of what a streaming call read (`input_*`) and wrote (`output_*`)."""

    input_size: int
    input_sm3: bytes
    output_size: int
    output_sm3: bytes


def sm4_generate_key() -> bytes:
    """A fresh random 16-byte SM4 key from the OS CSPRNG."""
    return os.urandom(KEY_SIZE)


def sm4_generate_nonce() -> bytes:
    """A fresh random 12-byte GCM nonce."""
    return os.urandom(NONCE_SIZE)


def _check(key: bytes, nonce: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise KeyFormatError(f"SM4 key must be {KEY_SIZE} bytes, got {len(key)}")
    if len(nonce) != NONCE_SIZE:
        raise FormatError(f"SM4-GCM nonce must be {NONCE_SIZE} bytes, got {len(nonce)}")


def sm4_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """Encrypt and authenticate `plaintext` (and `aad`); return ciphertext || tag."""
    out = BytesIO()
    sm4_encrypt_stream(key, nonce, BytesIO(plaintext), out, aad=aad)
    return out.getvalue()


def sm4_decrypt(key: bytes, nonce: bytes, data: bytes, aad: bytes = b"") -> bytes:
    """Check the tag and decrypt ciphertext || tag; raise `IntegrityError` if anything differs."""
    out = BytesIO()
    sm4_decrypt_stream(key, nonce, BytesIO(data), out, aad=aad)
    return out.getvalue()


def sm4_encrypt_stream(
    key: bytes,
    nonce: bytes,
    src: Readable,
    dst: Writable,
    *,
    aad: bytes = b"",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> StreamResult:
    """Encrypt `src` to `dst` chunk by chunk, then append the tag."""
    _check(key, nonce)
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    in_hash, out_hash = Sm3Hasher(), Sm3Hasher()
    in_size = out_size = 0

    def emit(block: bytes) -> None:
        nonlocal out_size
        if block:
            dst.write(block)
            out_hash.update(block)
            out_size += len(block)

    while chunk := src.read(chunk_size):
        in_hash.update(chunk)
        in_size += len(chunk)
        emit(encryptor.update(chunk))
    emit(encryptor.finalize())
    emit(encryptor.tag)
    return StreamResult(in_size, in_hash.digest(), out_size, out_hash.digest())


def sm4_decrypt_stream(
    key: bytes,
    nonce: bytes,
    src: Readable,
    dst: Writable,
    *,
    aad: bytes = b"",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    hash_input: bool = True,
    hash_output: bool = True,
) -> StreamResult:
    """Decrypt ciphertext || tag from `src` into `dst`; raise `IntegrityError` on a bad tag.

    The last 16 bytes of the stream are the tag, so they are held back while streaming. With
    `hash_input=False` the ciphertext's SM3 is not computed (`input_sm3` is empty): for callers whose
    integrity check is the tag plus the plaintext digest. With `hash_output=False` the plaintext's SM3 is
    not computed either (`output_sm3` is empty): envelope v2 trusts the tag plus the key commitment.
    """
    _check(key, nonce)
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).decryptor()
    decryptor.authenticate_additional_data(aad)
    in_hash, out_hash = Sm3Hasher(), Sm3Hasher()
    in_size = out_size = 0
    pending = b""

    def emit(block: bytes) -> None:
        nonlocal out_size
        if block:
            dst.write(block)
            if hash_output:
                out_hash.update(block)
            out_size += len(block)

    while chunk := src.read(chunk_size):
        if hash_input:
            in_hash.update(chunk)
        in_size += len(chunk)
        buffer = pending + chunk
        pending = buffer[-TAG_SIZE:]
        emit(decryptor.update(buffer[:-TAG_SIZE]))
    if len(pending) < TAG_SIZE:
        raise IntegrityError(f"SM4-GCM data is {in_size} bytes, shorter than the {TAG_SIZE}-byte tag")
    try:
        emit(decryptor.finalize_with_tag(pending))
    except InvalidTag:
        raise IntegrityError("SM4-GCM authentication failed: wrong key/nonce/aad or tampered data") from None
    return StreamResult(
        in_size,
        in_hash.digest() if hash_input else b"",
        out_size,
        out_hash.digest() if hash_output else b"",
    )
