"""SM2 (GB/T 32918-2016) keys, signatures and public-key encryption, on gmssl_pyx (libgmssl).

Formats (explicit, all interoperable with OpenSSL 3.0 — see tests/test_sm2.py):

* Private key: 32 bytes big-endian scalar d, 1 <= d <= n-2. PEM/DER: unencrypted PKCS#8
  ("PRIVATE KEY", algorithm id-ecPublicKey with parameters sm2 1.2.156.10197.1.301, wrapping an
  RFC 5915 ECPrivateKey that includes the public key) — what `openssl genpkey -algorithm SM2` writes.
* Public key: 65 bytes uncompressed point 04||x||y. PEM/DER: SubjectPublicKeyInfo ("PUBLIC KEY").
  gmssl_pyx itself wants the 64 bytes x||y; the conversion happens only inside this module.
* Signature: DER SEQUENCE{r INTEGER, s INTEGER}, over SM3(Z || message) where Z is computed from the
  signer ID (default "1234567812345678", GB/T 35276 / GM/T 0009) and the public key. libgmssl does the
  Z computation itself when given an ID (the test suite checks this against a hand-computed Z and the
  GB/T 32918.5 signature example).
* Ciphertext: DER SEQUENCE{x INTEGER, y INTEGER, hash OCTET STRING(32), ciphertext OCTET STRING}, i.e.
  C1C3C2 in GM/T 0009 ASN.1; that is exactly what libgmssl emits and OpenSSL's `pkeyutl` uses.
  `ciphertext_to_raw`/`ciphertext_from_raw` convert to/from the raw 04||x||y||C3||C2 byte string other
  SM2 libraries use; `signature_to_raw`/`signature_from_raw` likewise for raw r||s (64 bytes).

gmssl_pyx limits SM2 encryption to 1..255 plaintext bytes: it is meant for wrapping keys, not data.
A private key cannot be turned into its public key with gmssl_pyx (no such function), so importing a
private key always needs the public key too; PEM carries both.
"""

import base64
import binascii
import hmac
import re
from dataclasses import dataclass

from ggzy_guomi import _gmssl
from ggzy_guomi._der import (
    OBJECT_IDENTIFIER,
    DerError,
    DerReader,
    encode_bit_string,
    encode_integer,
    encode_octet_string,
    encode_sequence,
    encode_tlv,
)
from ggzy_guomi.errors import DecryptionError, FormatError, KeyFormatError, SignatureError
from ggzy_guomi.sm3 import sm3_hex

DEFAULT_SIGNER_ID = b"1234567812345678"
PRIVATE_KEY_SIZE = 32
PUBLIC_KEY_SIZE = 65
MAX_PLAINTEXT_SIZE = 255
CURVE_ORDER = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
_COORD = 32

_OID_EC_PUBLIC_KEY = encode_tlv(OBJECT_IDENTIFIER, bytes.fromhex("2a8648ce3d0201"))  # 1.2.840.10045.2.1
_OID_SM2 = encode_tlv(OBJECT_IDENTIFIER, bytes.fromhex("2a811ccf5501822d"))  # 1.2.156.10197.1.301
_ALGORITHM = encode_sequence(_OID_EC_PUBLIC_KEY, _OID_SM2)
_PAIR_PROBE = b"ggzy_guomi key pair consistency probe"


# --- DER signature / ciphertext helpers ------------------------------------------------------------


def decode_signature(der: bytes) -> tuple[int, int]:
    """Strictly parse a DER SM2 signature into (r, s); raise `SignatureError` if malformed."""
    try:
        outer = DerReader(der)
        seq = outer.read_sequence()
        outer.expect_end()
        r, s = seq.read_integer(), seq.read_integer()
        seq.expect_end()
    except DerError as exc:
        raise SignatureError(f"malformed SM2 signature: {exc}") from None
    if not (0 < r < CURVE_ORDER and 0 < s < CURVE_ORDER):
        raise SignatureError("malformed SM2 signature: r or s out of range")
    return r, s


def encode_signature(r: int, s: int) -> bytes:
    if not (0 < r < CURVE_ORDER and 0 < s < CURVE_ORDER):
        raise FormatError("SM2 signature r or s out of range")
    return encode_sequence(encode_integer(r), encode_integer(s))


def signature_to_raw(der: bytes) -> bytes:
    """DER signature -> raw r||s, 32 bytes each."""
    r, s = decode_signature(der)
    return r.to_bytes(_COORD, "big") + s.to_bytes(_COORD, "big")


def signature_from_raw(raw: bytes) -> bytes:
    """Raw r||s (64 bytes) -> DER signature."""
    if len(raw) != 2 * _COORD:
        raise SignatureError(f"raw SM2 signature must be {2 * _COORD} bytes, got {len(raw)}")
    r, s = int.from_bytes(raw[:_COORD], "big"), int.from_bytes(raw[_COORD:], "big")
    if not (0 < r < CURVE_ORDER and 0 < s < CURVE_ORDER):
        raise SignatureError("raw SM2 signature: r or s out of range")
    return encode_signature(r, s)


@dataclass(frozen=True)
class Sm2Ciphertext:
    """The parts of an SM2 ciphertext: C1 = (x, y), C3 = `hash` (SM3, 32 bytes), C2 = `ciphertext`."""

    x: int
    y: int
    hash: bytes
    ciphertext: bytes

    def c1(self) -> bytes:
        return b"\x04" + self.x.to_bytes(_COORD, "big") + self.y.to_bytes(_COORD, "big")


def _validate_ciphertext(c: Sm2Ciphertext) -> None:
    if c.x.bit_length() > 8 * _COORD or c.y.bit_length() > 8 * _COORD:
        raise DecryptionError("malformed SM2 ciphertext: C1 coordinate too large")
    if not _gmssl.is_on_curve(c.c1()[1:]):
        raise DecryptionError("malformed SM2 ciphertext: C1 is not on the SM2 curve")
    if len(c.hash) != 32:
        raise DecryptionError("malformed SM2 ciphertext: C3 must be 32 bytes")
    if not 1 <= len(c.ciphertext) <= MAX_PLAINTEXT_SIZE:
        raise DecryptionError(f"malformed SM2 ciphertext: C2 must be 1..{MAX_PLAINTEXT_SIZE} bytes")


def decode_ciphertext(der: bytes) -> Sm2Ciphertext:
    """Strictly parse a DER C1C3C2 ciphertext; raise `DecryptionError` if malformed."""
    try:
        outer = DerReader(der)
        seq = outer.read_sequence()
        outer.expect_end()
        x, y = seq.read_integer(), seq.read_integer()
        c3, c2 = seq.read_octet_string(), seq.read_octet_string()
        seq.expect_end()
    except DerError as exc:
        raise DecryptionError(f"malformed SM2 ciphertext: {exc}") from None
    parsed = Sm2Ciphertext(x, y, c3, c2)
    _validate_ciphertext(parsed)
    return parsed


def encode_ciphertext(c: Sm2Ciphertext) -> bytes:
    _validate_ciphertext(c)
    return encode_sequence(
        encode_integer(c.x),
        encode_integer(c.y),
        encode_octet_string(c.hash),
        encode_octet_string(c.ciphertext),
    )


def ciphertext_to_raw(der: bytes) -> bytes:
    """DER C1C3C2 -> raw 04||x||y||C3||C2."""
    c = decode_ciphertext(der)
    return c.c1() + c.hash + c.ciphertext


def ciphertext_from_raw(raw: bytes) -> bytes:
    """Raw 04||x||y||C3||C2 (C1C3C2 order, not the older C1C2C3) -> DER."""
    if len(raw) < 1 + 2 * _COORD + 32 + 1 or raw[0] != 4:
        raise DecryptionError("raw SM2 ciphertext must start with 04||x||y||C3 and have a C2")
    x = int.from_bytes(raw[1 : 1 + _COORD], "big")
    y = int.from_bytes(raw[1 + _COORD : 1 + 2 * _COORD], "big")
    rest = raw[1 + 2 * _COORD :]
    return encode_ciphertext(Sm2Ciphertext(x, y, rest[:32], rest[32:]))


# --- PEM -------------------------------------------------------------------------------------------


def _pem_encode(label: str, der: bytes) -> str:
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def _pem_decode(pem: str | bytes, label: str) -> bytes:
    text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else pem
    match = re.search(rf"-----BEGIN {label}-----(.*?)-----END {label}-----", text, re.DOTALL)
    if match is None:
        raise KeyFormatError(f"no '-----BEGIN {label}-----' block found")
    try:
        return base64.b64decode("".join(match.group(1).split()), validate=True)
    except binascii.Error as exc:
        raise KeyFormatError(f"bad base64 in PEM: {exc}") from None


def _unhex(value: str, what: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise KeyFormatError(f"{what} is not valid hex") from None


# --- keys --------------------------------------------------------------------------------------------


class Sm2PublicKey:
    """An SM2 public key (a validated curve point), immutable and hashable."""

    __slots__ = ("_data", "_key_id")

    def __init__(self, data: bytes) -> None:
        """`data` is the 65-byte uncompressed point 04||x||y."""
        data = bytes(data)
        if len(data) != PUBLIC_KEY_SIZE or data[0] != 4:
            raise KeyFormatError(f"SM2 public key must be {PUBLIC_KEY_SIZE} bytes 04||x||y")
        if not _gmssl.is_on_curve(data[1:]):
            raise KeyFormatError("SM2 public key is not a point on the SM2 curve")
        self._data = data
        self._key_id = sm3_hex(data)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Sm2PublicKey":
        return cls(data)

    @classmethod
    def from_hex(cls, value: str) -> "Sm2PublicKey":
        return cls(_unhex(value, "SM2 public key"))

    @classmethod
    def from_der(cls, der: bytes) -> "Sm2PublicKey":
        """Parse a SubjectPublicKeyInfo with algorithm id-ecPublicKey/sm2."""
        try:
            outer = DerReader(der)
            spki = outer.read_sequence()
            outer.expect_end()
            algorithm = spki.read(0x30)
            point = spki.read_bit_string()
            spki.expect_end()
        except DerError as exc:
            raise KeyFormatError(f"malformed SM2 SubjectPublicKeyInfo: {exc}") from None
        if encode_tlv(0x30, algorithm) != _ALGORITHM:
            raise KeyFormatError("not an SM2 public key (algorithm is not id-ecPublicKey with sm2 curve)")
        return cls(point)

    @classmethod
    def from_pem(cls, pem: str | bytes) -> "Sm2PublicKey":
        return cls.from_der(_pem_decode(pem, "PUBLIC KEY"))

    def to_bytes(self) -> bytes:
        return self._data

    def hex(self) -> str:
        return self._data.hex()

    def to_der(self) -> bytes:
        return encode_sequence(_ALGORITHM, encode_bit_string(self._data))

    def to_pem(self) -> str:
        return _pem_encode("PUBLIC KEY", self.to_der())

    @property
    def key_id(self) -> str:
        """SM3 hex of the 65-byte public key: the stable identifier used in manifests and receipts."""
        return self._key_id

    def verify(self, message: bytes, signature: bytes, *, signer_id: bytes = DEFAULT_SIGNER_ID) -> None:
        """Return if `signature` (DER) is valid for `message`; raise `SignatureError` otherwise."""
        decode_signature(signature)  # strict DER first: clear error, and no garbage reaches C code
        try:
            valid = _gmssl.sm2_verify(self._data[1:], message, signature, signer_id)
        except _gmssl.GmsslError as exc:
            raise SignatureError(f"SM2 signature verification error: {exc}") from None
        if not valid:
            raise SignatureError("SM2 signature does not match the message and public key")

    def encrypt(self, plaintext: bytes) -> bytes:
        """SM2-encrypt 1..255 bytes (a key, typically); return DER C1C3C2."""
        if not 1 <= len(plaintext) <= MAX_PLAINTEXT_SIZE:
            raise FormatError(f"SM2 plaintext must be 1..{MAX_PLAINTEXT_SIZE} bytes, got {len(plaintext)}")
        return _gmssl.sm2_encrypt(self._data[1:], plaintext)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sm2PublicKey) and self._data == other._data

    def __hash__(self) -> int:
        return hash(self._data)

    def __repr__(self) -> str:
        return f"Sm2PublicKey(key_id={self.key_id[:16]}…)"


class Sm2PrivateKey:
    """An SM2 private key together with its public key (gmssl_pyx cannot derive one from the other)."""

    __slots__ = ("_public", "_secret")

    def __init__(self, secret: bytes, public_key: Sm2PublicKey) -> None:
        """Validate the range of `secret` and that it matches `public_key` (by a sign/verify probe)."""
        self._init(secret, public_key)
        try:
            self._public.verify(_PAIR_PROBE, self.sign(_PAIR_PROBE))
        except SignatureError:
            # libgmssl signs with the public key it derives from `secret`, so a mismatch shows here.
            raise KeyFormatError("SM2 private key does not match the given public key") from None

    def _init(self, secret: bytes, public_key: Sm2PublicKey) -> None:
        secret = bytes(secret)
        if len(secret) != PRIVATE_KEY_SIZE:
            raise KeyFormatError(f"SM2 private key must be {PRIVATE_KEY_SIZE} bytes, got {len(secret)}")
        if not 1 <= int.from_bytes(secret, "big") <= CURVE_ORDER - 2:
            raise KeyFormatError("SM2 private key out of range [1, n-2]")
        self._secret = secret
        self._public = public_key

    @classmethod
    def generate(cls) -> "Sm2PrivateKey":
        xy, secret = _gmssl.sm2_key_generate()
        key = cls.__new__(cls)
        key._init(secret, Sm2PublicKey(b"\x04" + xy))  # fresh from libgmssl: no probe needed
        return key

    @classmethod
    def from_bytes(cls, secret: bytes, public_key: bytes | Sm2PublicKey) -> "Sm2PrivateKey":
        if not isinstance(public_key, Sm2PublicKey):
            public_key = Sm2PublicKey(public_key)
        return cls(secret, public_key)

    @classmethod
    def from_hex(cls, secret: str, public_key: str) -> "Sm2PrivateKey":
        return cls(_unhex(secret, "SM2 private key"), Sm2PublicKey.from_hex(public_key))

    @classmethod
    def from_der(cls, der: bytes) -> "Sm2PrivateKey":
        """Parse unencrypted PKCS#8 (with the public key inside, as OpenSSL writes it)."""
        try:
            outer = DerReader(der)
            pkcs8 = outer.read_sequence()
            outer.expect_end()
            if pkcs8.read_integer() != 0:
                raise KeyFormatError("unsupported PKCS#8 version")
            algorithm = pkcs8.read(0x30)
            inner_der = pkcs8.read_octet_string()
            if not pkcs8.at_end() and pkcs8.peek_tag() == 0xA0:
                pkcs8.read(0xA0)  # optional attributes, ignored
            pkcs8.expect_end()
            if encode_tlv(0x30, algorithm) != _ALGORITHM:
                raise KeyFormatError("not an SM2 private key (algorithm is not id-ecPublicKey with sm2)")
            inner_outer = DerReader(inner_der)
            ec = inner_outer.read_sequence()
            inner_outer.expect_end()
            if ec.read_integer() != 1:
                raise KeyFormatError("unsupported ECPrivateKey version")
            secret = ec.read_octet_string()
            point: bytes | None = None
            if ec.peek_tag() == 0xA0:
                params = ec.read_context(0)
                if params.read(OBJECT_IDENTIFIER) != _OID_SM2[2:]:
                    raise KeyFormatError("ECPrivateKey parameters are not the sm2 curve")
                params.expect_end()
            if ec.peek_tag() == 0xA1:
                holder = ec.read_context(1)
                point = holder.read_bit_string()
                holder.expect_end()
            ec.expect_end()
        except DerError as exc:
            raise KeyFormatError(f"malformed SM2 PKCS#8 private key: {exc}") from None
        if point is None:
            raise KeyFormatError("PKCS#8 SM2 key lacks the public key; gmssl_pyx cannot derive it")
        return cls(secret, Sm2PublicKey(point))

    @classmethod
    def from_pem(cls, pem: str | bytes) -> "Sm2PrivateKey":
        return cls.from_der(_pem_decode(pem, "PRIVATE KEY"))

    @property
    def public_key(self) -> Sm2PublicKey:
        return self._public

    def to_bytes(self) -> bytes:
        return self._secret

    def hex(self) -> str:
        return self._secret.hex()

    def to_der(self) -> bytes:
        ec_private_key = encode_sequence(
            encode_integer(1),
            encode_octet_string(self._secret),
            encode_tlv(0xA1, encode_bit_string(self._public.to_bytes())),
        )
        return encode_sequence(encode_integer(0), _ALGORITHM, encode_octet_string(ec_private_key))

    def to_pem(self) -> str:
        """Unencrypted PKCS#8 PEM: protect the file (permissions, UKey, KMS) — it is the key itself."""
        return _pem_encode("PRIVATE KEY", self.to_der())

    def sign(self, message: bytes, *, signer_id: bytes = DEFAULT_SIGNER_ID) -> bytes:
        """Sign SM3(Z || message) with Z from `signer_id`; return a DER signature."""
        try:
            return _gmssl.sm2_sign(self._secret, self._public.to_bytes()[1:], message, signer_id)
        except _gmssl.GmsslError as exc:
            raise FormatError(f"SM2 signing failed: {exc}") from None

    def decrypt(self, ciphertext: bytes) -> bytes:
        """Decrypt a DER C1C3C2 ciphertext; raise `DecryptionError` on wrong key or tampering."""
        decode_ciphertext(ciphertext)
        try:
            return _gmssl.sm2_decrypt(self._secret, ciphertext)
        except _gmssl.GmsslError:
            raise DecryptionError("SM2 decryption failed: wrong private key or tampered ciphertext") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sm2PrivateKey) and hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return hash(self._public)

    def __repr__(self) -> str:
        return f"Sm2PrivateKey(public key_id={self._public.key_id[:16]}…)"  # never the secret
