"""Envelope format v2 on the platform (issue 10 §1): new tenders take only v2, tenders already running
still take v1, stored v1 bids still open, and a stored v2 envelope gives a guesser nothing to test."""

import json
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings

from ggzy.bidding.models import Bid, Upload
from ggzy.bidding.tests.test_bids import DEADLINE, decrypt, expect_refusal, open_tender, upload
from ggzy.kernel import chronograph, clock
from ggzy.testing import bid_form, downgrade_to_v1, seal_bid
from ggzy.trading.models import Notice
from ggzy.trading.tests.conftest import Tender
from ggzy_guomi import peek_manifest, sm3_hex

__all__ = ["open_tender"]

pytestmark = pytest.mark.django_db


def test_a_new_tender_refuses_v1_and_says_why(open_tender: Tender) -> None:
    entity, key = open_tender.bidders[0]
    v1 = downgrade_to_v1(seal_bid(open_tender.lot.code, entity, key, "24500000.00"), key)
    assert peek_manifest(v1).version == 1
    expect_refusal(open_tender, v1, "envelope_version_obsolete")  # and no bid
    assert Upload.objects.get().status != Upload.Status.COMPLETE


def test_a_tender_published_before_v2_still_takes_and_opens_v1(open_tender: Tender) -> None:
    Notice.objects.filter(pk=open_tender.notice.pk).update(envelope_min_version=1)  # as the migration left it
    envelopes = {}
    for i, price in enumerate(["24500000.00", "24400000.00", "24300000.00"]):
        entity, key = open_tender.bidders[i]
        sealed = seal_bid(open_tender.lot.code, entity, key, price)
        envelopes[i] = downgrade_to_v1(sealed, key) if i == 0 else sealed
        upload(open_tender, i, envelopes[i])
    assert Bid.objects.get(envelope_sm3=sm3_hex(envelopes[0])).manifest["version"] == 1
    clock.freeze(DEADLINE)
    chronograph.sweep()
    assert decrypt(open_tender, 0, envelopes[0]).bid_form["price"] == "24500000.00"
    assert decrypt(open_tender, 1, envelopes[1]).bid_form["price"] == "24400000.00"


def guess_price(envelope: bytes) -> str | None:
    """The outside review's attack, from the file store alone: hash candidate bid forms and look for the
    digest in the envelope's clear manifest."""
    with zipfile.ZipFile(BytesIO(envelope)) as archive:
        clear = json.loads(archive.read("manifest.json"))
    digests = {str(v) for record in clear["files"] for v in record.values()}
    for yuan in range(24_499_000, 24_501_000):
        candidate = bid_form(f"{yuan}.00")
        if sm3_hex(candidate) in digests:
            return f"{yuan}.00"
    return None


def test_attack_guessing_the_price_from_the_stored_envelope(open_tender: Tender) -> None:
    entity, key = open_tender.bidders[0]
    v2 = seal_bid(open_tender.lot.code, entity, key, "24500000.00")
    assert guess_price(downgrade_to_v1(v2, key)) == "24500000.00"  # what v1 allowed
    upload(open_tender, 0, v2)
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file() and p.read_bytes() == v2]
    assert stored, "the envelope is kept in the file store"
    assert guess_price(stored[0].read_bytes()) is None
    # sizes say only the bucket: any bid form, whatever its price or manager's name, pads to one size
    other = seal_bid(open_tender.lot.code, entity, key, "9.99", extra=b"x")
    sizes = {f.name: f.ciphertext_size for f in peek_manifest(v2).files}
    assert {f.name: f.ciphertext_size for f in peek_manifest(other).files} == sizes
