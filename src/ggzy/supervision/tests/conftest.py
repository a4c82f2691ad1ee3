"""Fixtures of the supervision and credit suites: the trading `tender`, regulators, and two ways to make
bids — through the real actions with sealed envelopes (`open_lot`), or as rows (`fake_bid`) when a rule
only reads the database."""

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from ggzy.bidding.actions import (
    complete_upload,
    decrypt_bid,
    open_bond_account,
    record_bond_payment,
    start_upload,
    write_chunk,
)
from ggzy.bidding.models import Bid, Upload
from ggzy.kernel import chronograph, clock, events
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import create_department, create_staff_account
from ggzy.registry.auth import actor_for_user
from ggzy.registry.models import Entity
from ggzy.registry.schemas import DepartmentIn, StaffAccountIn
from ggzy.testing import PASSWORD, actor_of, local
from ggzy.trading.actions import publish_notice
from ggzy.trading.models import Lot
from ggzy.trading.tests.conftest import Tender, tender
from ggzy_guomi import JsonValue, Sm2PrivateKey, seal_envelope, sm3_hex, unwrap_file_keys

__all__ = ["tender"]

DEADLINE = local(2026, 3, 24, 9)
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def hooks_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "RAISE_ERRORS", True)


@pytest.fixture
def regulator(network: dict[str, Any]) -> Actor:
    """李监管 of 住房和城乡建设厅 (province, sectors: engineering)."""
    return actor_of("reg")


@pytest.fixture
def finance(network: dict[str, Any], system: Actor) -> Actor:
    """A regulator of 财政厅 (province, sectors: procurement): not competent for engineering."""
    department = create_department(
        system, DepartmentIn(name="财政厅", node_id=network["province"].pk, sectors=["procurement"])
    )
    create_staff_account(
        system,
        StaffAccountIn(
            username="czt",
            password=PASSWORD,
            name="赵财政",
            mobile="13900000003",
            kind="regulator",
            node_id=network["province"].pk,
            department_id=department.pk,
        ),
    )
    return actor_of("czt")


def bidder_actor(i: int, ip: str | None = None) -> Actor:
    return actor_for_user(User.objects.get(username=f"tb{i}"), ip or f"10.1.0.{i + 1}")


def fingerprint(i: int, **change: JsonValue) -> dict[str, JsonValue]:
    fp: dict[str, JsonValue] = {
        "mac_sm3": sm3_hex(f"mac-{i}".encode()),
        "cpu_sm3": sm3_hex(b"Intel(R) Core(TM) i5 flags"),
        "disk_sm3": sm3_hex(f"disk-{i}".encode()),
        "tool_version": "1.0",
    }
    fp.update(change)
    return fp


@dataclass
class BidSpec:
    i: int
    price: str
    manager: str = ""
    fingerprint: dict[str, JsonValue] | None = None
    technical: bytes = b""
    ip: str | None = None
    payer: str | None = None
    decrypt: bool = True


def sealed(tender: Tender, spec: BidSpec) -> bytes:
    entity, key = tender.bidders[spec.i]
    form = {
        "price": spec.price,
        "duration_days": 365,
        "quality": "合格",
        "project_manager": spec.manager or f"项目经理{spec.i}",
    }
    files = {
        "bid-form.json": json.dumps(form, ensure_ascii=False).encode(),
        "technical.txt": spec.technical or f"施工组织设计（投标人{spec.i}）".encode(),
    }
    metadata: dict[str, JsonValue] = {
        "lot": tender.lot.code,
        "bidder": entity.uscc,
        "fingerprint": spec.fingerprint or fingerprint(spec.i),
    }
    return seal_envelope(files, signer=key, recipients=[key.public_key], metadata=metadata)


@dataclass
class Opened:
    tender: Tender
    bids: dict[int, Bid] = field(default_factory=dict)

    @property
    def lot(self) -> Lot:
        return Lot.objects.get(pk=self.tender.lot.pk)


def open_lot(tender: Tender, specs: list[BidSpec], *, close: bool = True) -> Opened:
    """Publish, bid (with bonds), reach the deadline, decrypt, close the opening — the real actions."""
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    envelopes = {}
    for spec in specs:
        actor = bidder_actor(spec.i, spec.ip)
        envelope = sealed(tender, spec)
        job, _ = start_upload(actor, tender.lot.code, len(envelope), sm3_hex(envelope))
        write_chunk(actor, job.public_id, 0, len(envelope), envelope)
        complete_upload(actor, job.public_id)
        bond = open_bond_account(actor, tender.lot.code)
        entity = tender.bidders[spec.i][0]
        record_bond_payment(
            actor_of("op"),
            bond.virtual_account or "",
            bond.amount,
            spec.payer or f"62220000{spec.i:04d}",
            entity.name,
        )
        envelopes[spec.i] = envelope
    clock.freeze(DEADLINE)
    chronograph.sweep()
    opened = Opened(tender)
    for spec in specs:
        if not spec.decrypt:
            continue
        key: Sm2PrivateKey = tender.bidders[spec.i][1]
        keys = {n: k.hex() for n, k in unwrap_file_keys(envelopes[spec.i], key).items()}
        opened.bids[spec.i] = decrypt_bid(
            bidder_actor(spec.i, spec.ip), tender.lot.code, sm3_hex(envelopes[spec.i]), keys
        )
    if close:
        clock.advance(timedelta(minutes=30))
        chronograph.sweep()
    return opened


def fake_bid(
    lot: Lot,
    bidder: Entity,
    price: str | None,
    *,
    status: str = Bid.Status.DECRYPTED,
    submitted_at: datetime | None = None,
    **fields: Any,
) -> Bid:
    """A bid row without an envelope, for rules that only read the database."""
    n = next(_serial)
    now = submitted_at or clock.now()
    upload = Upload.objects.create(
        public_id=f"fake{n:020d}",
        lot=lot,
        bidder=bidder,
        size=10,
        sm3="0" * 64,
        received=10,
        status=Upload.Status.COMPLETE,
        created_at=now,
        updated_at=now,
    )
    form = None
    if price is not None:
        form = {"price": price, "duration_days": 365, "quality": "合格", "project_manager": f"经理{n}"}
    return Bid.objects.create(
        lot=lot,
        bidder=bidder,
        upload=upload,
        status=status,
        envelope=f"bids/fake-{n}.gbe",
        envelope_sm3="0" * 64,
        size=10,
        manifest={},
        signer_key_id=f"key{n}",
        submitted_at=now,
        receipt_no=f"FAKE{n:010d}",
        receipt="{}",
        bid_form=form,
        decrypted_at=now if status == Bid.Status.DECRYPTED else None,
        **fields,
    )


def new_lot(tender: Tender, state: str = Lot.State.EVALUATION, **fields: Any) -> Lot:
    """Another lot of the tender's project (for rules over several lots)."""
    n = tender.project.lots.count() + 1
    defaults: dict[str, Any] = {
        "name": f"标段{n}",
        "contract_kind": "works",
        "classify_code": "A08",
        "estimated_value": Decimal("5000000"),
        "state_changed_at": clock.now(),
        "notice": tender.notice,
    }
    defaults.update(fields)
    return Lot.objects.create(
        project=tender.project, seq=n, code=f"{tender.project.code}{n:03d}", state=state, **defaults
    )


@pytest.fixture
def vclock_at() -> Iterator[Any]:
    """Freeze the clock at a given local time inside a test: vclock_at(2026, 4, 30, 10)."""

    def freeze(*args: int) -> datetime:
        at = local(*args)
        clock.freeze(at)
        return at

    yield freeze
    clock.release()
