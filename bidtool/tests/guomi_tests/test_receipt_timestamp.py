"""Receipts v2: trusted time from an RFC 3161 time-stamp token (issue 10 §2).

Attack: the platform key alone mints a receipt with any server time. Before v2, `verify_receipt`
accepted it; with a TSA certificate the verifier holds, a receipt without a valid token for that time
(no token, a token for another time, another payload, another authority) is refused.
"""

import hashlib
from datetime import datetime, timedelta

import pytest

from ggzy_guomi import Receipt, SignatureError, Sm2PrivateKey, issue_receipt, verify_receipt
from ggzy_guomi.timestamp import LOCAL_TSA_LABEL, local_timestamp, new_local_authority, verify_timestamp
from guomi_tests.test_receipt import FIELDS, issue

REAL_TIME = datetime.fromisoformat(FIELDS["server_time"])
FORGED_TIME = "2025-05-31T17:00:00.000+08:00"  # before a deadline the bid in fact missed


@pytest.fixture(scope="module")
def tsa() -> tuple[bytes, bytes]:
    return new_local_authority(REAL_TIME)


def stamper(tsa: tuple[bytes, bytes], when: datetime):  # type: ignore[no-untyped-def]
    key, cert = tsa
    return lambda payload: local_timestamp(
        hashlib.sha256(payload).digest(), key_pem=key, cert_pem=cert, gen_time=when, serial=1
    )


def stamped(key: Sm2PrivateKey, tsa: tuple[bytes, bytes], server_time: str, when: datetime) -> Receipt:
    return issue_receipt(
        envelope_sm3=FIELDS["envelope_sm3"],
        server_time=server_time,
        tender_id=FIELDS["tender_id"],
        bidder_id=FIELDS["bidder_id"],
        receipt_no=FIELDS["receipt_no"],
        platform_key=key,
        tsa=LOCAL_TSA_LABEL,
        timestamper=stamper(tsa, when),
    )


def test_attack_forged_server_time_is_refused(bidder_key: Sm2PrivateKey, tsa: tuple[bytes, bytes]) -> None:
    forged = issue(bidder_key, {"server_time": FORGED_TIME})
    # Old verification: the platform key's signature is all it checks, so the forgery passes.
    assert verify_receipt(forged, bidder_key.public_key).server_time == FORGED_TIME
    # New verification with a TSA certificate the verifier holds: a v1 receipt has no proof of time.
    with pytest.raises(SignatureError, match="no time-stamp"):
        verify_receipt(forged, bidder_key.public_key, tsa_certificate=tsa[1])
    # A v2 forgery gets a genuine token, but only for the real time of stamping: refused.
    forged_v2 = stamped(bidder_key, tsa, FORGED_TIME, REAL_TIME)
    with pytest.raises(SignatureError, match="disagrees with its time-stamp"):
        verify_receipt(forged_v2.to_json(), bidder_key.public_key, tsa_certificate=tsa[1])


def test_genuine_v2_receipt_verifies_and_round_trips(
    bidder_key: Sm2PrivateKey, tsa: tuple[bytes, bytes]
) -> None:
    receipt = stamped(bidder_key, tsa, FIELDS["server_time"], REAL_TIME + timedelta(seconds=3))
    fields = verify_receipt(receipt.to_json(), bidder_key.public_key, tsa_certificate=tsa[1])
    assert fields.version == 2 and fields.tsa == LOCAL_TSA_LABEL
    assert Receipt.from_json(receipt.to_json()) == receipt
    with pytest.raises(SignatureError, match="disagrees"):
        verify_receipt(receipt, bidder_key.public_key, tsa_certificate=tsa[1], tolerance_seconds=1)


def test_token_over_another_payload_is_refused(bidder_key: Sm2PrivateKey, tsa: tuple[bytes, bytes]) -> None:
    genuine = stamped(bidder_key, tsa, FIELDS["server_time"], REAL_TIME)
    other = issue(bidder_key, {"receipt_no": "R-000043"})
    other_v2 = stamped(bidder_key, tsa, FIELDS["server_time"], REAL_TIME)
    assert other.payload != genuine.payload
    grafted = Receipt(other_v2.payload.replace(b"R-000042", b"R-000043"), b"", genuine.timestamp)
    grafted = Receipt(grafted.payload, bidder_key.sign(grafted.payload), genuine.timestamp)
    with pytest.raises(SignatureError, match="time-stamp token refused"):
        verify_receipt(grafted, bidder_key.public_key, tsa_certificate=tsa[1])


def test_token_from_another_authority_is_refused(bidder_key: Sm2PrivateKey, tsa: tuple[bytes, bytes]) -> None:
    other_tsa = new_local_authority(REAL_TIME)
    receipt = stamped(bidder_key, other_tsa, FIELDS["server_time"], REAL_TIME)
    with pytest.raises(SignatureError, match="time-stamp token refused"):
        verify_receipt(receipt, bidder_key.public_key, tsa_certificate=tsa[1])
    with pytest.raises(ValueError, match="refused"):
        verify_timestamp(receipt.timestamp or b"", b"another message", other_tsa[1])
