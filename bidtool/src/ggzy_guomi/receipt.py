"""Signed upload receipts (投标回执): the platform's SM2 signature over canonical JSON.

The payload fixes what the platform attests: the SM3 of the envelope container it received, the
server time of receipt, tender id, bidder id, receipt number, the platform key id, and optional extra
fields. The timestamp is passed in by the caller (an ISO 8601 string with a UTC offset): this package
never reads the clock, so issuing is deterministic and testable, and the time source stays the
server's business.

Serialised form (`Receipt.to_json`): canonical JSON {"payload": {...}, "signature": "<hex DER>"}. The
signature covers the canonical bytes of the payload object, which `verify_receipt` recomputes — so the
JSON document is self-contained and the bidder can keep it as proof of submission.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ggzy_guomi.canonical import CanonicalJsonError, JsonValue, canonical_json, parse_canonical_json
from ggzy_guomi.errors import FormatError, SignatureError
from ggzy_guomi.sm2 import Sm2PrivateKey, Sm2PublicKey

RECEIPT_FORMAT = "ggzy-guomi-receipt"
RECEIPT_VERSION = 1
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


@dataclass(frozen=True)
class Receipt:
    """Canonical payload bytes plus the platform's DER SM2 signature over exactly those bytes."""

    payload: bytes
    signature: bytes

    def to_json(self) -> bytes:
        return canonical_json(
            {"payload": parse_canonical_json(self.payload), "signature": self.signature.hex()}
        )

    @classmethod
    def from_json(cls, data: bytes) -> "Receipt":
        try:
            doc = parse_canonical_json(data)
        except CanonicalJsonError as exc:
            raise FormatError(f"receipt is not canonical JSON: {exc}") from None
        if not isinstance(doc, dict) or set(doc) != {"payload", "signature"}:
            raise FormatError("receipt must be an object with exactly 'payload' and 'signature'")
        signature = doc["signature"]
        if not isinstance(signature, str) or not re.fullmatch(r"(?:[0-9a-f]{2})+", signature):
            raise FormatError("receipt signature must be lowercase hex")
        return cls(canonical_json(doc["payload"]), bytes.fromhex(signature))


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
    if not isinstance(payload, dict) or set(payload) != _PAYLOAD_FIELDS:
        raise FormatError(f"receipt payload must have exactly the fields {sorted(_PAYLOAD_FIELDS)}")
    if payload["format"] != RECEIPT_FORMAT or payload["version"] != RECEIPT_VERSION:
        raise FormatError(f"not a {RECEIPT_FORMAT} version {RECEIPT_VERSION} payload")
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
) -> Receipt:
    """Build the canonical payload and sign it with the platform key."""
    payload: dict[str, JsonValue] = {
        "bidder_id": bidder_id,
        "envelope_sm3": envelope_sm3,
        "extra": dict(extra or {}),
        "format": RECEIPT_FORMAT,
        "platform_key_id": platform_key.public_key.key_id,
        "receipt_no": receipt_no,
        "server_time": server_time,
        "tender_id": tender_id,
        "version": RECEIPT_VERSION,
    }
    _fields(payload)
    try:
        payload_bytes = canonical_json(payload)
    except CanonicalJsonError as exc:
        raise FormatError(f"receipt extra is not canonical-JSON-able: {exc}") from None
    return Receipt(payload_bytes, platform_key.sign(payload_bytes))


def verify_receipt(receipt: Receipt | bytes, platform_public_key: Sm2PublicKey) -> ReceiptFields:
    """Verify a receipt (object or its JSON) against the platform key; return its fields.

    Raises `SignatureError` if the signature is invalid or names another platform key, `FormatError` if
    the receipt is malformed.
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
    return fields
