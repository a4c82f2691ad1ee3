"""Signed receipts: golden canonical payload, openssl verification of the platform signature, tampering."""

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from ggzy_guomi import (
    FormatError,
    JsonValue,
    Receipt,
    SignatureError,
    Sm2PrivateKey,
    canonical_json,
    issue_receipt,
    sm3_hex,
    verify_receipt,
)
from guomi_tests.helpers import flip_bit, run_openssl, write_pem_pair

ENVELOPE_SM3 = sm3_hex(b"an envelope container")
FIELDS = {
    "envelope_sm3": ENVELOPE_SM3,
    "server_time": "2025-06-01T09:30:00.123+08:00",
    "tender_id": "GGZY-2025-0001",
    "bidder_id": "91110000600037341L",
    "receipt_no": "R-000042",
}


def issue(
    platform_key: Sm2PrivateKey,
    overrides: Mapping[str, str] | None = None,
    *,
    extra: Mapping[str, JsonValue] | None = None,
) -> Receipt:
    """`issue_receipt` with FIELDS, some of them replaced by `overrides`."""
    fields = {**FIELDS, **(overrides or {})}
    return issue_receipt(
        envelope_sm3=fields["envelope_sm3"],
        server_time=fields["server_time"],
        tender_id=fields["tender_id"],
        bidder_id=fields["bidder_id"],
        receipt_no=fields["receipt_no"],
        platform_key=platform_key,
        extra=extra,
    )


# Key id of the GB/T 32918.5 example key (SM3 of its 65-byte public key), fixed for the golden payload.
STANDARD_KEY_ID = "e6a4f9765fca89e8b7d64019b900d57cd86b4677fa5dc70284c90de05fa77f9c"


def test_golden_canonical_payload(standard_key: Sm2PrivateKey) -> None:
    receipt = issue(standard_key, extra={"窗口": "开标室 1", "n": 2})
    expected = (
        '{"bidder_id":"91110000600037341L",'
        f'"envelope_sm3":"{ENVELOPE_SM3}",'
        '"extra":{"n":2,"窗口":"开标室 1"},'
        '"format":"ggzy-guomi-receipt",'
        f'"platform_key_id":"{STANDARD_KEY_ID}",'
        '"receipt_no":"R-000042",'
        '"server_time":"2025-06-01T09:30:00.123+08:00",'
        '"tender_id":"GGZY-2025-0001",'
        '"version":1}'
    ).encode()
    assert receipt.payload == expected
    standard_key.public_key.verify(expected, receipt.signature)


def test_round_trip_object_and_json(bidder_key: Sm2PrivateKey) -> None:
    receipt = issue(bidder_key)
    fields = verify_receipt(receipt, bidder_key.public_key)
    assert fields.envelope_sm3 == ENVELOPE_SM3
    assert fields.server_time == FIELDS["server_time"]
    assert (fields.tender_id, fields.bidder_id, fields.receipt_no) == (
        "GGZY-2025-0001",
        FIELDS["bidder_id"],
        "R-000042",
    )
    assert fields.platform_key_id == bidder_key.public_key.key_id
    assert fields.extra == {}
    document = receipt.to_json()
    assert Receipt.from_json(document) == receipt
    assert verify_receipt(document, bidder_key.public_key) == fields


def test_openssl_verifies_receipt_signature(tmp_path: Path, bidder_key: Sm2PrivateKey) -> None:
    receipt = issue(bidder_key)
    _, public_pem = write_pem_pair(tmp_path, bidder_key)
    (tmp_path / "payload").write_bytes(receipt.payload)
    for signature, ok in ((receipt.signature, True), (flip_bit(receipt.signature, 200), False)):
        (tmp_path / "sig").write_bytes(signature)
        result = run_openssl(
            "pkeyutl", "-verify", "-pubin", "-inkey", str(public_pem), "-rawin", "-digest", "sm3",
            "-in", str(tmp_path / "payload"), "-sigfile", str(tmp_path / "sig"),
            "-pkeyopt", "distid:1234567812345678",
        )  # fmt: skip
        assert (result.returncode == 0) is ok, result


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("envelope_sm3", sm3_hex(b"another envelope")),
        ("server_time", "2025-06-01T09:30:01.123+08:00"),
        ("tender_id", "GGZY-2025-0002"),
        ("bidder_id", "91110000600037341X"),
        ("receipt_no", "R-000043"),
        ("extra", {"late": True}),
    ],
)
def test_changed_field_breaks_signature(bidder_key: Sm2PrivateKey, field: str, value: object) -> None:
    receipt = issue(bidder_key)
    payload = json.loads(receipt.payload)
    payload[field] = value
    with pytest.raises(SignatureError):
        verify_receipt(Receipt(canonical_json(payload), receipt.signature), bidder_key.public_key)


def test_every_bit_flip_in_signature_detected(bidder_key: Sm2PrivateKey) -> None:
    receipt = issue(bidder_key)
    for bit in range(len(receipt.signature) * 8):
        with pytest.raises(SignatureError):
            verify_receipt(Receipt(receipt.payload, flip_bit(receipt.signature, bit)), bidder_key.public_key)


def test_wrong_platform_key_rejected(bidder_key: Sm2PrivateKey, other_key: Sm2PrivateKey) -> None:
    receipt = issue(bidder_key)
    with pytest.raises(SignatureError):
        verify_receipt(receipt, other_key.public_key)


def test_payload_naming_another_platform_key_rejected(
    bidder_key: Sm2PrivateKey, other_key: Sm2PrivateKey
) -> None:
    payload = json.loads(issue(other_key).payload)
    payload_bytes = canonical_json(payload)
    with pytest.raises(SignatureError, match="different platform key"):
        verify_receipt(Receipt(payload_bytes, bidder_key.sign(payload_bytes)), bidder_key.public_key)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("envelope_sm3", ENVELOPE_SM3.upper(), "lowercase hex"),
        ("envelope_sm3", ENVELOPE_SM3[:-2], "lowercase hex"),
        ("server_time", "2025-06-01T09:30:00", "UTC offset"),
        ("server_time", "yesterday", "ISO 8601"),
        ("tender_id", "", "non-empty"),
        ("bidder_id", "a\nb", "control"),
        ("receipt_no", "x" * 257, "at most"),
    ],
)
def test_invalid_fields_rejected(bidder_key: Sm2PrivateKey, field: str, value: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        issue(bidder_key, {field: value})


def test_utc_z_suffix_accepted(bidder_key: Sm2PrivateKey) -> None:
    receipt = issue(bidder_key, {"server_time": "2025-06-01T01:30:00Z"})
    assert verify_receipt(receipt, bidder_key.public_key).server_time == "2025-06-01T01:30:00Z"


def test_float_in_extra_rejected(bidder_key: Sm2PrivateKey) -> None:
    with pytest.raises(FormatError, match="float"):
        issue(bidder_key, extra={"amount": 1.5})  # type: ignore[dict-item]


def test_malformed_receipt_json_rejected(bidder_key: Sm2PrivateKey) -> None:
    document = issue(bidder_key).to_json()
    pretty = json.dumps(json.loads(document), indent=2).encode()
    with pytest.raises(FormatError, match="canonical"):
        verify_receipt(pretty, bidder_key.public_key)
    with pytest.raises(FormatError, match="exactly"):
        verify_receipt(canonical_json({"payload": {}}), bidder_key.public_key)
    with pytest.raises(FormatError, match="hex"):
        verify_receipt(canonical_json({"payload": {}, "signature": "XYZ"}), bidder_key.public_key)
