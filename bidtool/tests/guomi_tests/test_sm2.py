"""SM2: standard vectors, OpenSSL 3.0 interop (keys, signatures with distid, encryption), DER strictness,
tamper detection.

Interop proven here, in both directions: our PEM keys load in openssl and openssl's in ours; openssl
derives the same public key from our private key; signatures made by us verify with
`openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678` and openssl's verify with
us; ciphertexts (DER C1C3C2) decrypt across both. The Z value (signer ID) is also checked by hand.
"""

from collections.abc import Callable
from pathlib import Path

import gmssl_pyx
import pytest

from ggzy_guomi import (
    DEFAULT_SIGNER_ID,
    DecryptionError,
    FormatError,
    KeyFormatError,
    SignatureError,
    Sm2Ciphertext,
    Sm2PrivateKey,
    Sm2PublicKey,
    ciphertext_from_raw,
    ciphertext_to_raw,
    decode_ciphertext,
    decode_signature,
    encode_ciphertext,
    encode_signature,
    signature_from_raw,
    signature_to_raw,
    sm3_digest,
    sm3_hex,
)
from ggzy_guomi._der import (
    DerError,
    DerReader,
    encode_integer,
    encode_length,
    encode_octet_string,
    encode_sequence,
)
from ggzy_guomi.sm2 import CURVE_ORDER
from guomi_tests.helpers import STANDARD_PUBLIC, flip_bit, run_openssl, write_pem_pair

# SM2 recommended curve parameters (GB/T 32918.5), needed to compute Z by hand.
CURVE_A = "fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc"
CURVE_B = "28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93"
CURVE_GX = "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"
CURVE_GY = "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0"

# GB/T 32918.5 signature example ("message digest", ID 1234567812345678, k = 59276E27…).
STANDARD_R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
STANDARD_S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA
# GB/T 32918.5 encryption example ("encryption standard", same key, k = 59276E27…), raw C1||C3||C2.
STANDARD_CIPHERTEXT_RAW = bytes.fromhex(
    "04"
    "04ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73"
    "e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0"
    "59983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd8766"
    "21886ca989ca9c7d58087307ca93092d651efa"
)


def openssl_verify(tmp_path: Path, public_pem: Path, message: bytes, signature: bytes, distid: str) -> bool:
    (tmp_path / "msg").write_bytes(message)
    (tmp_path / "sig").write_bytes(signature)
    result = run_openssl(
        "pkeyutl", "-verify", "-pubin", "-inkey", str(public_pem), "-rawin", "-digest", "sm3",
        "-in", str(tmp_path / "msg"), "-sigfile", str(tmp_path / "sig"), "-pkeyopt", f"distid:{distid}",
    )  # fmt: skip
    return result.returncode == 0 and b"Signature Verified Successfully" in result.stdout


# --- standard vectors and the Z value ---------------------------------------------------------------


def test_standard_signature_verifies(standard_key: Sm2PrivateKey) -> None:
    signature = encode_signature(STANDARD_R, STANDARD_S)
    standard_key.public_key.verify(b"message digest", signature)
    with pytest.raises(SignatureError):
        standard_key.public_key.verify(b"message digesT", signature)
    with pytest.raises(SignatureError):
        standard_key.public_key.verify(b"message digest", signature, signer_id=b"1234567812345679")


def test_standard_ciphertext_decrypts(standard_key: Sm2PrivateKey) -> None:
    der = ciphertext_from_raw(STANDARD_CIPHERTEXT_RAW)
    assert standard_key.decrypt(der) == b"encryption standard"
    assert ciphertext_to_raw(der) == STANDARD_CIPHERTEXT_RAW


def test_signature_covers_z_value_computed_from_the_default_id(bidder_key: Sm2PrivateKey) -> None:
    """Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA), e = SM3(Z || M) (GB/T 32918.2 §6.1)."""
    message = b"GGZY bid manifest"
    signature = bidder_key.sign(message)
    entl = (len(DEFAULT_SIGNER_ID) * 8).to_bytes(2, "big")
    xy = bidder_key.public_key.to_bytes()[1:]
    z = sm3_digest(entl + DEFAULT_SIGNER_ID + bytes.fromhex(CURVE_A + CURVE_B + CURVE_GX + CURVE_GY) + xy)
    e = sm3_digest(z + message)
    assert gmssl_pyx.sm2_verify_sm3_digest(xy, e, signature) is True
    assert gmssl_pyx.sm2_verify_sm3_digest(xy, sm3_digest(message), signature) is False  # Z really used


# --- key handling ----------------------------------------------------------------------------------


def test_generated_key_shapes(bidder_key: Sm2PrivateKey) -> None:
    public = bidder_key.public_key
    assert len(bidder_key.to_bytes()) == 32
    assert len(public.to_bytes()) == 65
    assert public.to_bytes()[0] == 4
    assert public.key_id == sm3_hex(public.to_bytes())
    assert Sm2PrivateKey.generate().public_key != public


def test_hex_pem_der_round_trips(bidder_key: Sm2PrivateKey) -> None:
    public = bidder_key.public_key
    assert Sm2PublicKey.from_hex(public.hex()) == public
    assert Sm2PublicKey.from_pem(public.to_pem()) == public
    assert Sm2PublicKey.from_pem(public.to_pem().encode()) == public
    assert Sm2PublicKey.from_der(public.to_der()) == public
    for restored in (
        Sm2PrivateKey.from_hex(bidder_key.hex(), public.hex()),
        Sm2PrivateKey.from_bytes(bidder_key.to_bytes(), public.to_bytes()),
        Sm2PrivateKey.from_pem(bidder_key.to_pem()),
        Sm2PrivateKey.from_der(bidder_key.to_der()),
    ):
        assert restored == bidder_key
        assert restored.public_key == public
        public.verify(b"m", restored.sign(b"m"))


def test_openssl_reads_our_pem_and_derives_the_same_public_key(
    tmp_path: Path, bidder_key: Sm2PrivateKey
) -> None:
    private_pem, public_pem = write_pem_pair(tmp_path, bidder_key)
    derived = run_openssl("pkey", "-in", str(private_pem), "-pubout")
    assert derived.returncode == 0, derived.stderr
    assert derived.stdout.decode() == bidder_key.public_key.to_pem()
    text = run_openssl("pkey", "-pubin", "-in", str(public_pem), "-text", "-noout")
    assert text.returncode == 0, text.stderr
    assert b"ASN1 OID: SM2" in text.stdout
    dumped = "".join(line.strip() for line in text.stdout.decode().splitlines() if line.startswith("    "))
    assert dumped.replace(":", "") == bidder_key.public_key.hex()


def test_we_read_openssl_generated_keys(tmp_path: Path) -> None:
    private_pem, public_pem = tmp_path / "k.pem", tmp_path / "p.pem"
    assert run_openssl("genpkey", "-algorithm", "SM2", "-out", str(private_pem)).returncode == 0
    assert run_openssl("pkey", "-in", str(private_pem), "-pubout", "-out", str(public_pem)).returncode == 0
    key = Sm2PrivateKey.from_pem(private_pem.read_text())
    assert key.public_key == Sm2PublicKey.from_pem(public_pem.read_bytes())
    assert key.to_pem() == private_pem.read_text()  # byte-identical PKCS#8 export


def test_non_sm2_pem_rejected(tmp_path: Path) -> None:
    private_pem, public_pem = tmp_path / "k.pem", tmp_path / "p.pem"
    assert run_openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                       "-out", str(private_pem)).returncode == 0  # fmt: skip
    assert run_openssl("pkey", "-in", str(private_pem), "-pubout", "-out", str(public_pem)).returncode == 0
    with pytest.raises(KeyFormatError, match="not an SM2"):
        Sm2PrivateKey.from_pem(private_pem.read_text())
    with pytest.raises(KeyFormatError, match="not an SM2"):
        Sm2PublicKey.from_pem(public_pem.read_text())


def test_pem_label_and_base64_errors(bidder_key: Sm2PrivateKey) -> None:
    with pytest.raises(KeyFormatError, match="BEGIN PUBLIC KEY"):
        Sm2PublicKey.from_pem(bidder_key.to_pem())
    with pytest.raises(KeyFormatError, match="BEGIN PRIVATE KEY"):
        Sm2PrivateKey.from_pem(bidder_key.public_key.to_pem())
    broken = bidder_key.public_key.to_pem().replace("M", "*", 1)
    with pytest.raises(KeyFormatError, match="base64"):
        Sm2PublicKey.from_pem(broken)


def test_pkcs8_without_public_key_rejected(bidder_key: Sm2PrivateKey) -> None:
    """gmssl_pyx cannot derive a public key, so a PKCS#8 key must carry it (OpenSSL's always do)."""
    algorithm = encode_sequence(bytes.fromhex("06072a8648ce3d0201"), bytes.fromhex("06082a811ccf5501822d"))
    ec_private_key = encode_sequence(encode_integer(1), encode_octet_string(bidder_key.to_bytes()))
    stripped = encode_sequence(encode_integer(0), algorithm, encode_octet_string(ec_private_key))
    assert Sm2PrivateKey.from_der(bidder_key.to_der()) == bidder_key  # same builder, with the key: fine
    with pytest.raises(KeyFormatError, match="lacks the public key"):
        Sm2PrivateKey.from_der(stripped)


@pytest.mark.parametrize(
    "value",
    [
        "00" * 32,
        f"{CURVE_ORDER - 1:064x}",
        f"{CURVE_ORDER:064x}",
        "ff" * 32,
        "01" * 31,
        "zz" * 32,
    ],
)
def test_private_key_range_and_size(value: str) -> None:
    with pytest.raises(KeyFormatError):
        Sm2PrivateKey.from_hex(value, STANDARD_PUBLIC)


def test_mismatched_key_pair_rejected(bidder_key: Sm2PrivateKey, other_key: Sm2PrivateKey) -> None:
    with pytest.raises(KeyFormatError, match="does not match"):
        Sm2PrivateKey(bidder_key.to_bytes(), other_key.public_key)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b[1:],  # 64 bytes: the raw gmssl_pyx form is not accepted as a public key
        lambda b: b"\x02" + b[1:33],  # compressed
        lambda b: b"\x05" + b[1:],  # bad prefix
        lambda b: flip_bit(b, 8 * 64),  # y changed: no longer on the curve
        lambda b: b"\x04" + b"\x00" * 64,
    ],
)
def test_invalid_public_keys_rejected(bidder_key: Sm2PrivateKey, mutate: Callable[[bytes], bytes]) -> None:
    with pytest.raises(KeyFormatError):
        Sm2PublicKey(mutate(bidder_key.public_key.to_bytes()))


def test_private_key_repr_hides_secret(bidder_key: Sm2PrivateKey) -> None:
    assert bidder_key.hex() not in repr(bidder_key)
    assert bidder_key.public_key.key_id[:16] in repr(bidder_key)


# --- signatures ------------------------------------------------------------------------------------


def test_our_signature_verifies_with_openssl(tmp_path: Path, bidder_key: Sm2PrivateKey) -> None:
    _, public_pem = write_pem_pair(tmp_path, bidder_key)
    message = "投标文件 manifest".encode()
    signature = bidder_key.sign(message)
    assert openssl_verify(tmp_path, public_pem, message, signature, "1234567812345678")
    # Negative controls, so the check above cannot pass vacuously:
    assert not openssl_verify(tmp_path, public_pem, message + b"!", signature, "1234567812345678")
    assert not openssl_verify(tmp_path, public_pem, message, signature, "1234567812345679")


def test_openssl_signature_verifies_with_us(tmp_path: Path, bidder_key: Sm2PrivateKey) -> None:
    private_pem, _ = write_pem_pair(tmp_path, bidder_key)
    message = b"receipt payload"
    (tmp_path / "msg").write_bytes(message)
    result = run_openssl(
        "pkeyutl", "-sign", "-inkey", str(private_pem), "-rawin", "-digest", "sm3",
        "-in", str(tmp_path / "msg"), "-pkeyopt", "distid:1234567812345678",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    bidder_key.public_key.verify(message, result.stdout)
    with pytest.raises(SignatureError):
        bidder_key.public_key.verify(message + b"!", result.stdout)


def test_sign_verify_and_custom_signer_id(bidder_key: Sm2PrivateKey) -> None:
    signature = bidder_key.sign(b"m", signer_id=b"ALICE123@YAHOO.COM")
    bidder_key.public_key.verify(b"m", signature, signer_id=b"ALICE123@YAHOO.COM")
    with pytest.raises(SignatureError):
        bidder_key.public_key.verify(b"m", signature)


def test_every_single_bit_flip_in_signature_is_detected(bidder_key: Sm2PrivateKey) -> None:
    signature = bidder_key.sign(b"manifest")
    for bit in range(len(signature) * 8):
        with pytest.raises(SignatureError):
            bidder_key.public_key.verify(b"manifest", flip_bit(signature, bit))


def test_wrong_key_and_wrong_message_rejected(bidder_key: Sm2PrivateKey, other_key: Sm2PrivateKey) -> None:
    signature = bidder_key.sign(b"manifest")
    with pytest.raises(SignatureError, match="does not match"):
        other_key.public_key.verify(b"manifest", signature)
    with pytest.raises(SignatureError, match="does not match"):
        bidder_key.public_key.verify(b"manifesT", signature)


def test_signature_der_helpers(bidder_key: Sm2PrivateKey) -> None:
    signature = bidder_key.sign(b"x")
    r, s = decode_signature(signature)
    assert encode_signature(r, s) == signature
    raw = signature_to_raw(signature)
    assert len(raw) == 64
    assert raw == r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert signature_from_raw(raw) == signature
    with pytest.raises(SignatureError):
        signature_from_raw(raw[:-1])
    with pytest.raises(SignatureError, match="out of range"):
        signature_from_raw(b"\x00" * 64)


def test_non_canonical_signature_der_rejected(bidder_key: Sm2PrivateKey) -> None:
    signature = bidder_key.sign(b"x")
    r, s = decode_signature(signature)
    body = signature[2:]
    bad = {
        "trailing byte": signature + b"\x00",
        "long-form length": b"\x30\x81" + bytes([len(body)]) + body,
        "zero-padded r": encode_sequence(b"\x02\x22\x00\x00" + r.to_bytes(32, "big"), encode_integer(s)),
        "negative s": encode_sequence(encode_integer(r), b"\x02\x01\xff"),
        "r = 0": encode_sequence(encode_integer(0), encode_integer(s)),
        "r = n": encode_sequence(encode_integer(CURVE_ORDER), encode_integer(s)),
        "three integers": encode_sequence(encode_integer(r), encode_integer(s), encode_integer(1)),
        "wrong tag": b"\x31" + signature[1:],
        "truncated": signature[:-1],
        "empty": b"",
    }
    for label, der in bad.items():
        with pytest.raises(SignatureError, match=r"malformed|out of range"):
            bidder_key.public_key.verify(b"x", der)
        with pytest.raises(SignatureError):
            decode_signature(der)
        assert label  # the dict key names the case in a failure's traceback


# --- encryption ------------------------------------------------------------------------------------


def test_encrypt_decrypt_round_trip_and_structure(bidder_key: Sm2PrivateKey) -> None:
    plaintext = bytes(range(16))
    der = bidder_key.public_key.encrypt(plaintext)
    assert bidder_key.decrypt(der) == plaintext
    parts = decode_ciphertext(der)
    assert isinstance(parts, Sm2Ciphertext)
    assert len(parts.hash) == 32
    assert len(parts.ciphertext) == len(plaintext)
    assert parts.ciphertext != plaintext
    assert encode_ciphertext(parts) == der
    raw = ciphertext_to_raw(der)
    assert raw == parts.c1() + parts.hash + parts.ciphertext
    assert ciphertext_from_raw(raw) == der
    assert bidder_key.public_key.encrypt(plaintext) != der  # randomised


def test_openssl_decrypts_our_ciphertext(tmp_path: Path, bidder_key: Sm2PrivateKey) -> None:
    private_pem, _ = write_pem_pair(tmp_path, bidder_key)
    (tmp_path / "ct").write_bytes(bidder_key.public_key.encrypt(b"content key 16 B"))
    result = run_openssl("pkeyutl", "-decrypt", "-inkey", str(private_pem), "-in", str(tmp_path / "ct"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"content key 16 B"


def test_we_decrypt_openssl_ciphertext(tmp_path: Path, bidder_key: Sm2PrivateKey) -> None:
    _, public_pem = write_pem_pair(tmp_path, bidder_key)
    result = run_openssl(
        "pkeyutl", "-encrypt", "-pubin", "-inkey", str(public_pem), stdin=b"opening key wrap"
    )
    assert result.returncode == 0, result.stderr
    decode_ciphertext(result.stdout)  # OpenSSL emits the same DER C1C3C2 structure
    assert bidder_key.decrypt(result.stdout) == b"opening key wrap"


def test_every_single_bit_flip_in_ciphertext_is_detected(bidder_key: Sm2PrivateKey) -> None:
    der = bidder_key.public_key.encrypt(b"k" * 16)
    for bit in range(len(der) * 8):
        with pytest.raises(DecryptionError):
            bidder_key.decrypt(flip_bit(der, bit))


def test_wrong_private_key_detected(bidder_key: Sm2PrivateKey, other_key: Sm2PrivateKey) -> None:
    der = bidder_key.public_key.encrypt(b"k" * 16)
    with pytest.raises(DecryptionError, match="wrong private key"):
        other_key.decrypt(der)


def test_plaintext_size_limits(bidder_key: Sm2PrivateKey) -> None:
    assert bidder_key.decrypt(bidder_key.public_key.encrypt(b"x" * 255)) == b"x" * 255
    with pytest.raises(FormatError):
        bidder_key.public_key.encrypt(b"")
    with pytest.raises(FormatError):
        bidder_key.public_key.encrypt(b"x" * 256)


def test_malformed_ciphertexts_rejected(bidder_key: Sm2PrivateKey) -> None:
    parts = decode_ciphertext(bidder_key.public_key.encrypt(b"k" * 16))
    with pytest.raises(DecryptionError, match="not on the SM2 curve"):
        encode_ciphertext(Sm2Ciphertext(parts.x, parts.y + 1, parts.hash, parts.ciphertext))
    with pytest.raises(DecryptionError, match="C3"):
        encode_ciphertext(Sm2Ciphertext(parts.x, parts.y, parts.hash[:31], parts.ciphertext))
    with pytest.raises(DecryptionError, match="C2"):
        encode_ciphertext(Sm2Ciphertext(parts.x, parts.y, parts.hash, b""))
    with pytest.raises(DecryptionError, match="raw SM2 ciphertext"):
        ciphertext_from_raw(b"\x04" + b"\x00" * 96)
    with pytest.raises(DecryptionError, match="malformed"):
        bidder_key.decrypt(b"\x30\x00")


# --- DER primitives --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "encoded"),
    [(0, "020100"), (0x7F, "02017f"), (0x80, "02020080"), (0xFF00, "020300ff00"), (0x7F00, "02027f00")],
)
def test_der_integer_encoding(value: int, encoded: str) -> None:
    assert encode_integer(value).hex() == encoded
    assert DerReader(bytes.fromhex(encoded)).read_integer() == value


@pytest.mark.parametrize(("length", "encoded"), [(0, "00"), (127, "7f"), (128, "8180"), (256, "820100")])
def test_der_length_encoding(length: int, encoded: str) -> None:
    assert encode_length(length).hex() == encoded


@pytest.mark.parametrize("bad", ["3080", "30810100", "308200010000", "0200", "0202007f", "3001"])
def test_der_reader_rejects_non_der(bad: str) -> None:
    reader = DerReader(bytes.fromhex(bad))
    read = reader.read_integer if bad.startswith("02") else reader.read_sequence
    with pytest.raises(DerError):
        read()
