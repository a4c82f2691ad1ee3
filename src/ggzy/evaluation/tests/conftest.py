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
from ggzy.trading.tests.conftest import Tender, consultation, framework, negotiation, purchase, rfq, tender
from ggzy_guomi import Sm2PrivateKey, sm3_hex, unwrap_file_keys

__all__ = ["consultation", "framework", "negotiation", "purchase", "rfq", "tender"]

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


NEGOTIATION_PRICES = ["1150000.00", "1120000.00", "1180000.00", "1100000.00"]


@pytest.fixture
def opened_negotiation(negotiation: Tender, network) -> Opened:  # type: ignore[no-untyped-def]
    """The 竞争性谈判 opened: four sealed first responses, the panel drawn."""
    forms = [procurement_bid_form(p) for p in NEGOTIATION_PRICES]
    return open_bids(negotiation, forms, NEGOTIATION_PRICES)


@pytest.fixture
def opened_consultation(consultation: Tender, network) -> Opened:  # type: ignore[no-untyped-def]
    """The 竞争性磋商 opened (its plan set before the deadline): four first responses, the panel drawn."""
    from decimal import Decimal

    from ggzy.evaluation.actions import set_plan
    from ggzy.evaluation.schemas import CriterionIn, PlanIn

    set_plan(
        consultation.manager,
        consultation.lot.code,
        PlanIn(
            method="comprehensive",
            price_points=Decimal(30),
            criteria=[
                CriterionIn(code="T1", name="服务方案", kind="technical", max_points=Decimal(50)),
                CriterionIn(code="B1", name="类似项目业绩", kind="business", max_points=Decimal(20)),
            ],
        ),
    )
    forms = [procurement_bid_form(p) for p in NEGOTIATION_PRICES]
    return open_bids(consultation, forms, NEGOTIATION_PRICES)


FRAMEWORK_PRICES = ["5200.00", "4980.00", "5650.00", "5100.00"]


@pytest.fixture
def opened_framework(framework: Tender, network) -> Opened:  # type: ignore[no-untyped-def]
    """The framework agreement's call opened: four unit-price responses, the panel drawn."""
    forms = [procurement_bid_form(p, brand=f"品牌{i}") for i, p in enumerate(FRAMEWORK_PRICES)]
    return open_bids(framework, forms, FRAMEWORK_PRICES)


def submit(tender: Tender, i: int, price: str, form: bytes | None = None) -> bytes:
    """Bidder i seals `form` (or the construction form at `price`) and uploads it; the envelope."""
    entity, key = tender.bidders[i]
    envelope = seal_bid(tender.lot.code, entity, key, price, form=form)
    actor = tender.bidder_actor(i)
    job, _ = start_upload(actor, tender.lot.code, len(envelope), sm3_hex(envelope))
    write_chunk(actor, job.public_id, 0, len(envelope), envelope)
    complete_upload(actor, job.public_id)
    return envelope


def decrypt(tender: Tender, i: int, envelope: bytes) -> str:
    """Bidder i releases its envelope's keys; the bid's receipt number."""
    keys = {n: k.hex() for n, k in unwrap_file_keys(envelope, tender.bidders[i][1]).items()}
    return decrypt_bid(tender.bidder_actor(i), tender.lot.code, sm3_hex(envelope), keys).receipt_no


def open_bids(tender: Tender, forms: list[bytes | None], prices: list[str] = PRICES) -> Opened:
    """Publish, bid (each bidder i with forms[i], or the construction form), open, draw the committee."""
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    envelopes = []
    for i, price in enumerate(prices):
        entity = tender.bidders[i][0]
        envelopes.append(submit(tender, i, price, forms[i]))
        actor = tender.bidder_actor(i)
        bond = open_bond_account(actor, tender.lot.code)
        record_bond_payment(actor_of("op"), bond.virtual_account or "", bond.amount, f"6222{i}", entity.name)
    clock.freeze(local(2026, 3, 24, 9))
    chronograph.sweep()
    receipts = [decrypt(tender, i, envelope) for i, envelope in enumerate(envelopes)]
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
