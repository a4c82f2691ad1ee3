"""SM4-GCM: known answers (GB/T 32907 block, RFC 8998 GCM), openssl CLI and libgmssl cross-checks,
streaming, and tamper detection.

The openssl CLI `enc` has no GCM, so the block cipher is checked with ECB/CBC against the CLI, and our
GCM ciphertext against CTR mode: GCM encrypts with counter blocks nonce||00000002, nonce||00000003…
(NIST SP 800-38D with a 96-bit nonce), which is exactly `openssl enc -sm4-ctr -iv nonce||00000002`.
The tag is checked against the RFC 8998 vector and libgmssl's independent SM4-GCM.
"""

import os
import random
from io import BytesIO

import gmssl_pyx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ggzy_guomi import (
    FormatError,
    IntegrityError,
    KeyFormatError,
    sm3_digest,
    sm4_decrypt,
    sm4_decrypt_stream,
    sm4_encrypt,
    sm4_encrypt_stream,
    sm4_generate_key,
    sm4_generate_nonce,
)
from ggzy_guomi.sm4 import NONCE_SIZE, TAG_SIZE
from guomi_tests.helpers import flip_bit, run_openssl

GBT_32907_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
GBT_32907_CIPHERTEXT = bytes.fromhex("681edf34d206965e86b3e94f536e4246")

# RFC 8998 Appendix A.1 (SM4-GCM).
RFC8998_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
RFC8998_NONCE = bytes.fromhex("00001234567800000000ABCD")
RFC8998_AAD = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
RFC8998_PLAINTEXT = bytes.fromhex(
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
RFC8998_CIPHERTEXT = bytes.fromhex(
    "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
)
RFC8998_TAG = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")

_RNG = random.Random(32907)


def _random(size: int) -> bytes:
    return bytes(_RNG.getrandbits(8) for _ in range(size))


def openssl_enc(cipher: str, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    args = ["enc", f"-{cipher}", "-K", key.hex(), "-nopad"]
    if iv is not None:
        args += ["-iv", iv.hex()]
    result = run_openssl(*args, stdin=data)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_block_cipher_standard_vector() -> None:
    """GB/T 32907 Appendix A example 1 through the primitive sm4.py uses (cryptography's SM4)."""
    encryptor = Cipher(algorithms.SM4(GBT_32907_KEY), modes.ECB()).encryptor()  # noqa: S305 - single-block KAT
    assert encryptor.update(GBT_32907_KEY) + encryptor.finalize() == GBT_32907_CIPHERTEXT


def test_openssl_cli_block_cipher_standard_vector() -> None:
    assert openssl_enc("sm4-ecb", GBT_32907_KEY, GBT_32907_KEY) == GBT_32907_CIPHERTEXT


def test_cbc_matches_openssl_cli() -> None:
    key, iv, data = _random(16), _random(16), _random(64)
    encryptor = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
    assert encryptor.update(data) + encryptor.finalize() == openssl_enc("sm4-cbc", key, data, iv)


@pytest.mark.parametrize("size", [1, 16, 47, 1000])
def test_gcm_keystream_matches_openssl_ctr(size: int) -> None:
    key, nonce, plaintext = sm4_generate_key(), sm4_generate_nonce(), _random(size)
    sealed = sm4_encrypt(key, nonce, plaintext, aad=b"ignored by the keystream")
    ctr = openssl_enc("sm4-ctr", key, plaintext, nonce + (2).to_bytes(4, "big"))
    assert sealed[:-TAG_SIZE] == ctr
    assert len(sealed) == size + TAG_SIZE


def test_rfc8998_known_answer() -> None:
    sealed = sm4_encrypt(RFC8998_KEY, RFC8998_NONCE, RFC8998_PLAINTEXT, aad=RFC8998_AAD)
    assert sealed == RFC8998_CIPHERTEXT + RFC8998_TAG
    assert sm4_decrypt(RFC8998_KEY, RFC8998_NONCE, sealed, aad=RFC8998_AAD) == RFC8998_PLAINTEXT


# libgmssl refuses an empty plaintext, hence no size 0 here (sm4_encrypt itself accepts it).
@pytest.mark.parametrize(("size", "aad_size"), [(1, 0), (1, 5), (16, 0), (100, 20), (4097, 33)])
def test_matches_libgmssl_gcm(size: int, aad_size: int) -> None:
    key, nonce, plaintext, aad = sm4_generate_key(), sm4_generate_nonce(), _random(size), _random(aad_size)
    ciphertext, tag = gmssl_pyx.sm4_gcm_encrypt(key, nonce, aad, plaintext)
    assert sm4_encrypt(key, nonce, plaintext, aad=aad) == ciphertext + tag
    assert sm4_decrypt(key, nonce, ciphertext + tag, aad=aad) == plaintext


def test_round_trip_and_fresh_randomness() -> None:
    key, nonce = sm4_generate_key(), sm4_generate_nonce()
    assert len(key) == 16
    assert len(nonce) == NONCE_SIZE
    assert sm4_generate_key() != key
    assert sm4_generate_nonce() != nonce
    assert sm4_decrypt(key, nonce, sm4_encrypt(key, nonce, b"bid", b"ad"), b"ad") == b"bid"


def test_every_single_bit_flip_is_detected() -> None:
    key, nonce = sm4_generate_key(), sm4_generate_nonce()
    sealed = sm4_encrypt(key, nonce, b"price: 1 000 000", aad=b"tender-1")
    for bit in range(len(sealed) * 8):  # ciphertext and tag bits alike
        with pytest.raises(IntegrityError, match="authentication failed"):
            sm4_decrypt(key, nonce, flip_bit(sealed, bit), aad=b"tender-1")


@pytest.mark.parametrize("case", ["key", "nonce", "aad", "truncated", "extended", "too_short"])
def test_wrong_parameters_are_detected(case: str) -> None:
    key, nonce, aad = sm4_generate_key(), sm4_generate_nonce(), b"tender-1"
    sealed = sm4_encrypt(key, nonce, b"technical bid", aad=aad)
    if case == "key":
        key = flip_bit(key, 0)
    elif case == "nonce":
        nonce = flip_bit(nonce, 95)
    elif case == "aad":
        aad = b"tender-2"
    elif case == "truncated":
        sealed = sealed[:-1]
    elif case == "extended":
        sealed += b"\x00"
    else:
        sealed = sealed[: TAG_SIZE - 1]
    with pytest.raises(IntegrityError):
        sm4_decrypt(key, nonce, sealed, aad=aad)


def test_bad_key_and_nonce_sizes_rejected() -> None:
    with pytest.raises(KeyFormatError, match="16 bytes"):
        sm4_encrypt(b"k" * 15, b"n" * 12, b"x")
    with pytest.raises(FormatError, match="nonce"):
        sm4_encrypt(b"k" * 16, b"n" * 16, b"x")
    with pytest.raises(FormatError, match="nonce"):
        sm4_decrypt(b"k" * 16, b"n" * 8, b"x" * 32)


@pytest.mark.parametrize("chunk_size", [1, 7, 16, 17, 4096])
def test_stream_equals_one_shot(chunk_size: int) -> None:
    key, nonce, plaintext = sm4_generate_key(), sm4_generate_nonce(), _random(10_000)
    out = BytesIO()
    result = sm4_encrypt_stream(key, nonce, BytesIO(plaintext), out, aad=b"a", chunk_size=chunk_size)
    sealed = out.getvalue()
    assert sealed == sm4_encrypt(key, nonce, plaintext, aad=b"a")
    assert (result.input_size, result.input_sm3) == (len(plaintext), sm3_digest(plaintext))
    assert (result.output_size, result.output_sm3) == (len(sealed), sm3_digest(sealed))

    back = BytesIO()
    result = sm4_decrypt_stream(key, nonce, BytesIO(sealed), back, aad=b"a", chunk_size=chunk_size)
    assert back.getvalue() == plaintext
    assert (result.input_size, result.input_sm3) == (len(sealed), sm3_digest(sealed))
    assert (result.output_size, result.output_sm3) == (len(plaintext), sm3_digest(plaintext))


def test_stream_detects_tampering_at_the_end() -> None:
    key, nonce = sm4_generate_key(), sm4_generate_nonce()
    sealed = sm4_encrypt(key, nonce, _random(5000))
    for bit in (0, 4000 * 8 + 3, (len(sealed) - 1) * 8):  # first byte, middle, last tag byte
        with pytest.raises(IntegrityError):
            sm4_decrypt_stream(key, nonce, BytesIO(flip_bit(sealed, bit)), BytesIO(), chunk_size=1000)


def test_stream_rejects_input_shorter_than_tag() -> None:
    with pytest.raises(IntegrityError, match="shorter than"):
        sm4_decrypt_stream(sm4_generate_key(), sm4_generate_nonce(), BytesIO(b"x" * 15), BytesIO())


def test_stream_rejects_bad_chunk_size() -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        sm4_encrypt_stream(sm4_generate_key(), sm4_generate_nonce(), BytesIO(b"x"), BytesIO(), chunk_size=0)


def test_large_stream_round_trip() -> None:
    """Bids reach tens of MB: 8 MiB streams in well under a second with bounded memory per chunk."""
    key, nonce, plaintext = sm4_generate_key(), sm4_generate_nonce(), os.urandom(8 << 20)
    sealed, back = BytesIO(), BytesIO()
    encrypted = sm4_encrypt_stream(key, nonce, BytesIO(plaintext), sealed)
    sealed.seek(0)
    decrypted = sm4_decrypt_stream(key, nonce, sealed, back)
    assert back.getvalue() == plaintext
    assert encrypted.input_sm3 == decrypted.output_sm3 == sm3_digest(plaintext)
