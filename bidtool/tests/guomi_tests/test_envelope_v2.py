"""Envelope format v2 (issue 10 §1): padded sizes, key commitments, and v1 envelopes still open.

The two-key test builds a real SM4-GCM "invisible salamander": one ciphertext and tag that authenticate
under two different keys (GCM's tag is linear in the ciphertext blocks over GF(2^128), so one block can be
solved for). Without a key commitment a bidder could seal such a file and choose at the opening which
key, and so which bid, to release.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ggzy_guomi import (
    IntegrityError,
    Sm2PrivateKey,
    open_envelope,
    open_envelope_with_keys,
    peek_manifest,
    seal_envelope,
    sm3_hex,
    sm4_decrypt,
    sm4_encrypt,
    unwrap_file_keys,
    verify_envelope,
)
from ggzy_guomi.envelope import LENGTH_PREFIX, MIN_PADDED_SIZE, _file_aad, key_commitment, padded_size
from guomi_tests.test_envelope import build, entries, with_manifest

DATA = Path(__file__).parent / "data"
GOLDEN_FILES = {
    "bid-form.json": json.dumps({"price": "1234567.89"}).encode(),
    "技术标.pdf": b"technical " * 500,
    "empty.txt": b"",
}


# --- v1 envelopes already stored still open ------------------------------------------------------------


def golden_v1() -> tuple[bytes, Sm2PrivateKey, Sm2PrivateKey]:
    """An envelope the v1 writer (bidtool before issue 10) sealed, with its two recipients' keys."""
    keys = (
        Sm2PrivateKey.from_pem((DATA / f"envelope-v1.{who}.key.pem").read_text())
        for who in ("bidder", "opening")
    )
    return (DATA / "envelope-v1.zip").read_bytes(), *keys


def test_a_stored_v1_envelope_still_opens_and_verifies() -> None:
    envelope, bidder, opening = golden_v1()
    manifest = verify_envelope(envelope, bidder.public_key)
    assert manifest.version == 1
    assert {f.name: f.size for f in manifest.files} == {n: len(b) for n, b in GOLDEN_FILES.items()}
    assert open_envelope(envelope, opening, signer_public_key=bidder.public_key).files == GOLDEN_FILES
    keys = unwrap_file_keys(envelope, bidder)
    assert open_envelope_with_keys(envelope, keys).files == GOLDEN_FILES


def test_v1_still_checks_its_plaintext_digest() -> None:
    envelope, bidder, _ = golden_v1()
    keys = unwrap_file_keys(envelope, bidder)

    def claim_other_content(doc: dict[str, Any]) -> None:
        doc["files"][0]["sm3"] = sm3_hex(b"something else")

    with pytest.raises(IntegrityError, match="plaintext"):
        open_envelope_with_keys(with_manifest(envelope, claim_other_content, resign=bidder), keys)


def test_new_envelopes_are_v2_without_plaintext_digest_or_size(bidder_key: Sm2PrivateKey) -> None:
    envelope = seal_envelope(GOLDEN_FILES, signer=bidder_key, recipients=[bidder_key.public_key], metadata={})
    manifest = peek_manifest(envelope)
    assert manifest.version == 2
    clear = b"".join(data for name, data in entries(envelope).items() if not name.startswith("payload/"))
    for plaintext in GOLDEN_FILES.values():
        assert sm3_hex(plaintext).encode() not in clear
    assert all(f.size is None and f.sm3 is None for f in manifest.files)
    assert open_envelope(envelope, bidder_key).files == GOLDEN_FILES


# --- padding ---------------------------------------------------------------------------------------------


def test_every_small_file_pads_to_one_size() -> None:
    assert {padded_size(n) for n in range(MIN_PADDED_SIZE - LENGTH_PREFIX + 1)} == {MIN_PADDED_SIZE}
    assert padded_size(MIN_PADDED_SIZE - LENGTH_PREFIX + 1) > MIN_PADDED_SIZE


@pytest.mark.parametrize("length", [4089, 5000, 65_537, 1_000_000, 123_456_789, 2**31 + 5])
def test_padme_buckets_are_few_and_cheap(length: int) -> None:
    size = padded_size(length)
    assert size >= length + LENGTH_PREFIX
    assert size <= (length + LENGTH_PREFIX) * 1.12  # Padmé's bound: at most ~12 % overhead
    assert padded_size(size - LENGTH_PREFIX) == size  # a bucket is its own bucket
    assert padded_size(length - 1) <= size  # monotone


def test_a_bucket_hides_many_lengths() -> None:
    """Around a 1 MB technical file, thousands of different lengths give one size."""
    size = padded_size(1_000_000)
    same = [n for n in range(995_000, 1_005_000) if padded_size(n) == size]
    assert len(same) > 4000


def test_non_canonical_padding_is_refused(bidder_key: Sm2PrivateKey) -> None:
    """A signer who hides data in the padding (or lies in the length prefix) is refused at opening."""
    envelope = seal_envelope(
        {"a.txt": b"abc"}, signer=bidder_key, recipients=[bidder_key.public_key], metadata={}
    )
    manifest = peek_manifest(envelope)
    record = manifest.files[0]
    key = unwrap_file_keys(envelope, bidder_key)["a.txt"]
    aad = _file_aad(manifest.envelope_id, "a.txt")
    for stream in (
        (3).to_bytes(8, "big") + b"abc" + b"hidden" + bytes(MIN_PADDED_SIZE - 17),
        (9999).to_bytes(8, "big") + b"abc" + bytes(MIN_PADDED_SIZE - 11),
    ):
        payload = sm4_encrypt(key, record.nonce, stream, aad)

        def point_at_payload(doc: dict[str, Any], payload: bytes = payload) -> None:
            doc["files"][0]["ciphertext_sm3"] = sm3_hex(payload)

        items = entries(with_manifest(envelope, point_at_payload, resign=bidder_key))
        items["payload/0000.bin"] = payload
        with pytest.raises(IntegrityError, match="padding"):
            open_envelope(build(items), bidder_key)


# --- the two-key ciphertext ------------------------------------------------------------------------------

_R = 0xE1 << 120  # GCM's reduction polynomial, bit-reflected


def _gf_mul(x: int, y: int) -> int:
    """Multiplication in GF(2^128) as GCM defines it (NIST SP 800-38D, algorithm 1)."""
    z, v = 0, x
    for i in range(127, -1, -1):
        if (y >> i) & 1:
            z ^= v
        v = (v >> 1) ^ _R if v & 1 else v >> 1
    return z


def _gf_pow(x: int, n: int) -> int:
    result = 1 << 127  # the field's one
    while n:
        if n & 1:
            result = _gf_mul(result, x)
        x = _gf_mul(x, x)
        n >>= 1
    return result


def _gf_inv(x: int) -> int:
    return _gf_pow(x, 2**128 - 2)


def _sm4_block(key: bytes, block: bytes) -> int:
    # one raw block: GCM's hash key H = E_K(0) and tag mask E_K(J0), as GCM itself computes them
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305
    return int.from_bytes(encryptor.update(block) + encryptor.finalize(), "big")


def _blocks(data: bytes) -> list[int]:
    data += bytes(-len(data) % 16)
    return [int.from_bytes(data[i : i + 16], "big") for i in range(0, len(data), 16)]


def _ghash(h: int, aad: bytes, ciphertext: bytes) -> int:
    lengths = (len(aad) * 8).to_bytes(8, "big") + (len(ciphertext) * 8).to_bytes(8, "big")
    y = 0
    for block in [*_blocks(aad), *_blocks(ciphertext), int.from_bytes(lengths, "big")]:
        y = _gf_mul(y ^ block, h)
    return y


def _tag(key: bytes, nonce: bytes, aad: bytes, ciphertext: bytes) -> int:
    h = _sm4_block(key, bytes(16))
    return _ghash(h, aad, ciphertext) ^ _sm4_block(key, nonce + (1).to_bytes(4, "big"))


def two_key_ciphertext(
    k1: bytes, k2: bytes, nonce: bytes, aad: bytes, plaintext: bytes, free_block: int
) -> bytes:
    """Encrypt `plaintext` under `k1`, then rewrite ciphertext block `free_block` so that the GCM tag is the
    same under `k2`: the result (ciphertext || tag) authenticates under both keys."""
    sealed = sm4_encrypt(k1, nonce, plaintext, aad)
    ciphertext = bytearray(sealed[:-16])
    n_ct = len(_blocks(bytes(ciphertext)))
    exponent = n_ct - free_block + 1  # the free block's power of H in GHASH (then the length block)
    ciphertext[16 * free_block : 16 * free_block + 16] = bytes(16)
    h1, h2 = _sm4_block(k1, bytes(16)), _sm4_block(k2, bytes(16))
    # tag_i = c_i ^ X * H_i^e, with c_i the tag with block X = 0; solve tag_1 = tag_2 for X
    c1, c2 = _tag(k1, nonce, aad, bytes(ciphertext)), _tag(k2, nonce, aad, bytes(ciphertext))
    x = _gf_mul(c1 ^ c2, _gf_inv(_gf_pow(h1, exponent) ^ _gf_pow(h2, exponent)))
    ciphertext[16 * free_block : 16 * free_block + 16] = x.to_bytes(16, "big")
    assert _tag(k1, nonce, aad, bytes(ciphertext)) == _tag(k2, nonce, aad, bytes(ciphertext))
    return bytes(ciphertext) + _tag(k1, nonce, aad, bytes(ciphertext)).to_bytes(16, "big")


def test_gcm_arithmetic_matches_the_library() -> None:
    key, nonce, aad = bytes(range(16)), bytes(12), b"aad"
    sealed = sm4_encrypt(key, nonce, b"x" * 40, aad)
    assert _tag(key, nonce, aad, sealed[:-16]).to_bytes(16, "big") == sealed[-16:]


def test_attack_one_ciphertext_two_keys_two_bids(
    bidder_key: Sm2PrivateKey, opening_key: Sm2PrivateKey
) -> None:
    """The bidder seals a file whose single ciphertext opens under two keys, commits to the first, and
    at the opening releases the second: SM4-GCM accepts it, the envelope refuses it."""
    name = "技术标.pdf"
    honest = seal_envelope(
        {name: b"%PDF-1.7 bid A " * 100}, signer=bidder_key, recipients=[opening_key.public_key], metadata={}
    )
    manifest = peek_manifest(honest)
    k1, k2 = unwrap_file_keys(honest, opening_key)[name], bytes(range(16))
    nonce, aad = manifest.files[0].nonce, _file_aad(manifest.envelope_id, name)
    content = b"%PDF-1.7 bid A " * 100
    stream = len(content).to_bytes(LENGTH_PREFIX, "big") + content
    stream += bytes(padded_size(len(content)) - len(stream))
    payload = two_key_ciphertext(k1, k2, nonce, aad, stream, free_block=20)  # a block inside the content

    # the collision is real: GCM authenticates the one ciphertext under both keys
    opened_1, opened_2 = sm4_decrypt(k1, nonce, payload, aad), sm4_decrypt(k2, nonce, payload, aad)
    assert opened_1 != opened_2

    def carry_the_payload(doc: dict[str, Any]) -> None:
        doc["files"][0]["ciphertext_sm3"] = sm3_hex(payload)
        assert doc["files"][0]["key_commitment"] == key_commitment(manifest.envelope_id, name, k1)

    items = entries(with_manifest(honest, carry_the_payload, resign=bidder_key))
    items["payload/0000.bin"] = payload
    forged = build(items)
    verify_envelope(forged, bidder_key.public_key)  # a well-formed, signed envelope
    first = open_envelope_with_keys(forged, {name: k1}).files[name]
    assert first == opened_1[LENGTH_PREFIX : LENGTH_PREFIX + len(content)]
    with pytest.raises(IntegrityError, match="key commitment"):
        open_envelope_with_keys(forged, {name: k2})
