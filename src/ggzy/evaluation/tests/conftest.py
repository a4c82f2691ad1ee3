"""A lot whose opening has closed with four decrypted bids, five experts and one representative ready."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from ggzy.bidding.actions import (
    complete_upload,
    decrypt_bid,
    open_bond_account,
    record_bond_payment,
    start_upload,
    write_chunk,
)
from ggzy.experts.actions import respond
from ggzy.experts.tests.conftest import make_expert, run_draw
from ggzy.kernel import chronograph, clock
from ggzy.registry.actions import add_entity_user
from ggzy.testing import PASSWORD, account_form, actor_of, local, procurement_bid_form, seal_bid
from ggzy.trading.actions import publish_notice
from ggzy.trading.tests.conftest import Tender, purchase, rfq, tender
from ggzy_guomi import Sm2PrivateKey, sm3_hex, unwrap_file_keys

__all__ = ["purchase", "rfq", "tender"]

PRICES = ["24600000.00", "24300000.00", "24450000.00", "23900000.00"]


@dataclass
class Opened:
    tender: Tender
    experts: list[str]
    keys: dict[str, Sm2PrivateKey] = field(default_factory=dict)
    receipts: list[str] = field(default_factory=list)

    @property
    def lot_code(self) -> str:
        return self.tender.lot.code


@pytest.fixture
def opened(tender: Tender, network) -> Opened:  # type: ignore[no-untyped-def]
    return open_bids(tender, [None] * len(PRICES))


PURCHASE_PRICES = ["4800000.00", "4500000.00", "4650000.00", "4400000.00"]


@pytest.fixture
def opened_purchase(purchase: Tender, network) -> Opened:  # type: ignore[no-untyped-def]
    """The procurement open tender opened: four goods bids of distinct brands, none declared SME."""
    forms = [procurement_bid_form(p, brand=f"品牌{i}") for i, p in enumerate(PURCHASE_PRICES)]
    return open_bids(purchase, forms, PURCHASE_PRICES)


RFQ_PRICES = ["1420000.00", "1380000.00", "1450000.00", "1395000.00"]


@pytest.fixture
def opened_rfq(rfq: Tender, network) -> Opened:  # type: ignore[no-untyped-def]
    """The 询价 opened: four sealed quotes (one each, final), the panel drawn."""
    forms = [procurement_bid_form(p, brand=f"品牌{i}") for i, p in enumerate(RFQ_PRICES)]
    return open_bids(rfq, forms, RFQ_PRICES)


def open_bids(tender: Tender, forms: list[bytes | None], prices: list[str] = PRICES) -> Opened:
    """Publish, bid (each bidder i with forms[i], or the construction form), open, draw the committee."""
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    envelopes = []
    for i, price in enumerate(prices):
        entity, key = tender.bidders[i]
        envelope = seal_bid(tender.lot.code, entity, key, price, form=forms[i])
        actor = tender.bidder_actor(i)
        job, _ = start_upload(actor, tender.lot.code, len(envelope), sm3_hex(envelope))
        write_chunk(actor, job.public_id, 0, len(envelope), envelope)
        complete_upload(actor, job.public_id)
        bond = open_bond_account(actor, tender.lot.code)
        record_bond_payment(actor_of("op"), bond.virtual_account or "", bond.amount, f"6222{i}", entity.name)
        envelopes.append(envelope)
    clock.freeze(local(2026, 3, 24, 9))
    chronograph.sweep()
    receipts = []
    for i, envelope in enumerate(envelopes):
        keys = {n: k.hex() for n, k in unwrap_file_keys(envelope, tender.bidders[i][1]).items()}
        receipts.append(
            decrypt_bid(tender.bidder_actor(i), tender.lot.code, sm3_hex(envelope), keys).receipt_no
        )
    # The committee is drawn at random while the opening runs: 4 experts, 1 principal's representative.
    for _ in range(6):
        make_expert()
    draw = run_draw(tender.lot.code, rows=[("A08", 4)], representatives=1)
    experts = []
    for call in draw.calls.select_related("expert__user"):
        respond(actor_of(call.expert.user.username), call.pk, True, "")
        experts.append(call.expert.user.username)
    clock.advance(timedelta(minutes=30))
    chronograph.sweep()
    add_entity_user(tender.manager, tender.principal.uscc, account_form("zbdb"))
    keys = {u: Sm2PrivateKey.generate() for u in [*experts, "zbdb"]}
    return Opened(tender, experts, keys, receipts)


__all__ += ["PASSWORD"]
