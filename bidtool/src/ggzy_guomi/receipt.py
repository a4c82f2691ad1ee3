"""Signed upload receipts (投标回执): the platform's SM2 signature over canonical JSON.

The payload fixes what the platform attests: the SM3 of the envelope container it received, the
server time of receipt, tender id, bidder id, receipt number, the platform key id, and optional extra
fields. The timestamp is passed in by the caller (an ISO 8601 string with a UTC offset): this package
never reads the clock, so issuing is deterministic and testable, and the time source stays the
server's business.

Serialised form (`Receipt.to_json`): canonical JSON {"payload": {...}, "signature": "<hex DER>"}. The
signature covers the canonical bytes of the payload object, which `verify_receipt` recomputes — so the
JSON document is self-contained and the bidder can keep it as proof of submission.

Version 2 adds trusted time: the payload names its time-stamping authority (`tsa`), and the document
carries `"timestamp"`: the base64 DER RFC 3161 TimeStampResp over SHA-256 of the canonical payload
bytes. `verify_receipt(..., tsa_certificate=PEM)` checks the token against a TSA certificate the
verifier holds and refuses a receipt whose server_time is more than `tolerance_seconds` from the
token's genTime, or whose token covers another payload. Version 1 receipts (no token) stay readable,
but are refused whenever a TSA certificate is given.
"""

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ggzy_guomi.canonical import CanonicalJsonError, JsonValue, canonical_json, parse_canonical_json
from ggzy_guomi.errors import FormatError, SignatureError
from ggzy_guomi.sm2 import Sm2PrivateKey, Sm2PublicKey

RECEIPT_FORMAT = "ggzy-guomi-receipt"
RECEIPT_VERSION = 2
DEFAULT_TOLERANCE_SECONDS = 120
MAX_FIELD_LENGTH = 256
_SM3_HEX = re.compile(r"[0-9a-f]{64}")
_PAYLOAD_FIELDS = {
    "bidder_id",
    "envelope_sm3",
    "extra",
    "format",
    "platform_key_id",
    "receipt_no",
    "server_time",
    "tender_id",
    "version",
}
_PAYLOAD_FIELDS_V2 = _PAYLOAD_FIELDS | {"tsa"}


@dataclass(frozen=True)
class ReceiptFields:
    """The attested content of a verified receipt."""

    envelope_sm3: str
    server_time: str
    tender_id: str
    bidder_id: str
    receipt_no: str
    platform_key_id: str
    extra: Mapping[str, JsonValue]
    version: int = 1
    tsa: str | None = None


@dataclass(frozen=True)
class Receipt:
    """Canonical payload bytes plus the platform's DER SM2 signature over exactly those bytes.

    `timestamp` (v2) is the DER RFC 3161 TimeStampResp over SHA-256 of `payload`."""

    payload: bytes
    signature: bytes
    timestamp: bytes | None = None

    def to_json(self) -> bytes:
        doc: dict[str, JsonValue] = {
            "payload": parse_canonical_json(self.payload),
            "signature": self.signature.hex(),
        }
        if self.timestamp is not None:
            doc["timestamp"] = base64.b64encode(self.timestamp).decode()
        return canonical_json(doc)

    @classmethod
    def from_json(cls, data: bytes) -> "Receipt":
        try:
            doc = parse_canonical_json(data)
        except CanonicalJsonError as exc:
            raise FormatError(f"receipt is not canonical JSON: {exc}") from None
        if not isinstance(doc, dict) or set(doc) - {"timestamp"} != {"payload", "signature"}:
            raise FormatError("receipt must be an object with exactly 'payload', 'signature' [, 'timestamp']")
        signature = doc["signature"]
        if not isinstance(signature, str) or not re.fullmatch(r"(?:[0-9a-f]{2})+", signature):
            raise FormatError("receipt signature must be lowercase hex")
        timestamp = None
        if "timestamp" in doc:
            if not isinstance(doc["timestamp"], str):
                raise FormatError("receipt timestamp must be base64 text")
            try:
                timestamp = base64.b64decode(doc["timestamp"], validate=True)
            except binascii.Error:
                raise FormatError("receipt timestamp is not base64") from None
        return cls(canonical_json(doc["payload"]), bytes.fromhex(signature), timestamp)


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_FIELD_LENGTH:
        raise FormatError(f"{what} must be a non-empty string of at most {MAX_FIELD_LENGTH} characters")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise FormatError(f"{what} contains control characters")
    return value


def _digest(value: object) -> str:
    if not isinstance(value, str) or not _SM3_HEX.fullmatch(value):
        raise FormatError("envelope_sm3 must be 64 lowercase hex digits (SM3 of the envelope)")
    return value


def _timestamp(value: object) -> str:
    text = _text(value, "server_time")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise FormatError(f"server_time {text!r} is not ISO 8601") from None
    if parsed.tzinfo is None:
        raise FormatError(f"server_time {text!r} has no UTC offset; receipts need an unambiguous time")
    return text


def _fields(payload: Any) -> ReceiptFields:
    version = payload.get("version") if isinstance(payload, dict) else None
    expected = {1: _PAYLOAD_FIELDS, 2: _PAYLOAD_FIELDS_V2}.get(version)  # type: ignore[arg-type]
    if not isinstance(payload, dict) or payload.get("format") != RECEIPT_FORMAT or expected is None:
        raise FormatError(f"not a {RECEIPT_FORMAT} version 1 or 2 payload")
    if set(payload) != expected:
        raise FormatError(f"receipt payload must have exactly the fields {sorted(expected)}")
    if not isinstance(payload["extra"], dict):
        raise FormatError("receipt extra must be an object")
    return ReceiptFields(
        envelope_sm3=_digest(payload["envelope_sm3"]),
        server_time=_timestamp(payload["server_time"]),
        tender_id=_text(payload["tender_id"], "tender_id"),
        bidder_id=_text(payload["bidder_id"], "bidder_id"),
        receipt_no=_text(payload["receipt_no"], "receipt_no"),
        platform_key_id=_text(payload["platform_key_id"], "platform_key_id"),
        extra=payload["extra"],
        version=int(version),  # type: ignore[arg-type]
        tsa=_text(payload["tsa"], "tsa") if version == 2 else None,
    )


def issue_receipt(
    *,
    envelope_sm3: str,
    server_time: str,
    tender_id: str,
    bidder_id: str,
    receipt_no: str,
    platform_key: Sm2PrivateKey,
    extra: Mapping[str, JsonValue] | None = None,
    tsa: str | None = None,
    timestamper: Callable[[bytes], bytes] | None = None,
) -> Receipt:
    """Build the canonical payload and sign it with the platform key.

    With `timestamper` (v2): `tsa` names the authority in the payload, and `timestamper(payload)`
    returns the DER TimeStampResp over SHA-256 of the payload bytes. Without it: a v1 receipt."""
    payload: dict[str, JsonValue] = {
        "bidder_id": bidder_id,
        "envelope_sm3": envelope_sm3,
        "extra": dict(extra or {}),
        "format": RECEIPT_FORMAT,
        "platform_key_id": platform_key.public_key.key_id,
        "receipt_no": receipt_no,
        "server_time": server_time,
        "tender_id": tender_id,
        "version": 1,
    }
    if timestamper is not None:
        payload["version"] = RECEIPT_VERSION
        payload["tsa"] = tsa or "unnamed"
    _fields(payload)
    try:
        payload_bytes = canonical_json(payload)
    except CanonicalJsonError as exc:
        raise FormatError(f"receipt extra is not canonical-JSON-able: {exc}") from None
    timestamp = timestamper(payload_bytes) if timestamper is not None else None
    return Receipt(payload_bytes, platform_key.sign(payload_bytes), timestamp)


def verify_receipt(
    receipt: Receipt | bytes,
    platform_public_key: Sm2PublicKey,
    *,
    tsa_certificate: bytes | None = None,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
) -> ReceiptFields:
    """Verify a receipt (object or its JSON) against the platform key; return its fields.

    With `tsa_certificate` (PEM, held by the verifier): the receipt must be v2 with a time-stamp token
    from that authority over this payload, its genTime within `tolerance_seconds` of server_time.

    Raises `SignatureError` if the signature or time-stamp is invalid, names another platform key or
    disagrees with the server time, `FormatError` if the receipt is malformed.
    """
    if isinstance(receipt, bytes):
        receipt = Receipt.from_json(receipt)
    platform_public_key.verify(receipt.payload, receipt.signature)
    try:
        fields = _fields(parse_canonical_json(receipt.payload))
    except CanonicalJsonError as exc:
        raise FormatError(f"receipt payload is not canonical JSON: {exc}") from None
    if fields.platform_key_id != platform_public_key.key_id:
        raise SignatureError("receipt names a different platform key than the one that signed it")
    if tsa_certificate is not None:
        from ggzy_guomi.timestamp import verify_timestamp

        if fields.version < 2 or receipt.timestamp is None:
            raise SignatureError("receipt has no time-stamp token (v1): its server time is unproven")
        try:
            gen_time = verify_timestamp(receipt.timestamp, receipt.payload, tsa_certificate)
        except ValueError as exc:
            raise SignatureError(str(exc)) from None
        skew = abs((datetime.fromisoformat(fields.server_time) - gen_time).total_seconds())
        if skew > tolerance_seconds:
            raise SignatureError(
                f"receipt server_time {fields.server_time} disagrees with its time-stamp "
                f"{gen_time.isoformat()} by {skew:.0f} s (tolerance {tolerance_seconds:.0f} s)"
            )
    return fields
