"""Issue 10 §3: receipt numbers and bond accounts must not count the other bidders.

Attack: a bidder bids (or opens a bond account), others do the same, and the bidder does it again.
With sequential numbers (HZ0000000006 then HZ0000000010; 6217…0001 then 6217…0004) the difference
tells how many others took part in between — a leak of the sealed bidder count before the deadline.
"""

import re

import pytest
from stdnum import luhn

from ggzy.bidding.actions import open_bond_account
from ggzy.bidding.numbers import RECEIPT_ALPHABET, new_bond_account, new_receipt_no
from ggzy.bidding.tests.test_bids import bid
from ggzy.kernel import clock
from ggzy.testing import local
from ggzy.trading.actions import publish_notice
from ggzy.trading.tests.conftest import Tender

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_tender(tender: Tender) -> Tender:
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    return tender


def inferred_others(first: str, second: str, prefix: str) -> int | None:
    """What the attacker computes: the gap between two sequence numbers, if they are numbers."""
    a, b = first.removeprefix(prefix), second.removeprefix(prefix)
    if not (a.isdigit() and b.isdigit()):
        return None
    return int(b) - int(a) - 1


def test_two_receipts_of_one_bidder_do_not_count_the_bids_in_between(open_tender: Tender) -> None:
    first, _ = bid(open_tender, 0, "24500000.00")
    others = [bid(open_tender, i, price)[0] for i, price in ((1, "24400000.00"), (2, "24300000.00"))]
    second, _ = bid(open_tender, 0, "24450000.00")  # a modification: a new receipt
    assert len(others) == 2
    assert inferred_others(first.receipt_no, second.receipt_no, "HZ") != len(others)
    for number in (first.receipt_no, second.receipt_no, *(o.receipt_no for o in others)):
        assert re.fullmatch(rf"HZ[{RECEIPT_ALPHABET}]{{17}}", number), number
        assert luhn.is_valid(number[2:], alphabet=RECEIPT_ALPHABET)


def test_bond_accounts_do_not_count_the_accounts_in_between(open_tender: Tender) -> None:
    first = open_bond_account(open_tender.bidder_actor(0), open_tender.lot.code).virtual_account or ""
    others = [
        open_bond_account(open_tender.bidder_actor(i), open_tender.lot.code).virtual_account or ""
        for i in (1, 2)
    ]
    last = open_bond_account(open_tender.bidder_actor(3), open_tender.lot.code).virtual_account or ""
    # The sequential scheme gave consecutive numbers: the gap counted the others exactly.
    assert inferred_others(first[4:16], last[4:16], "") != len(others)
    for account in (first, last, *others):
        assert re.fullmatch(r"6217\d{13}", account), account
        assert luhn.is_valid(account)


def test_a_colliding_draw_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["A" * 16, "B" * 16])
    monkeypatch.setattr("ggzy.bidding.numbers._random_text", lambda alphabet, n: next(draws))
    number = new_receipt_no(lambda candidate: candidate.startswith("HZAAAA"))
    assert number.startswith("HZBBBB") and luhn.is_valid(number[2:], alphabet=RECEIPT_ALPHABET)
    digits = iter(["000000000001", "000000000002"])
    monkeypatch.setattr("ggzy.bidding.numbers._random_text", lambda alphabet, n: next(digits))
    account = new_bond_account(lambda candidate: candidate.startswith("6217000000000001"))
    assert account.startswith("6217000000000002") and luhn.is_valid(account)
