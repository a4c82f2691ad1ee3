"""Experts, and a lot whose bids are in (opening under way) ready for its committee draw."""

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from stdnum.cn import ric

from ggzy.bidding.actions import complete_upload, start_upload, write_chunk
from ggzy.experts import actions
from ggzy.experts.models import DrawRequest, Expert
from ggzy.experts.schemas import DrawRequestIn, DrawRowIn, ExpertForm
from ggzy.kernel import chronograph, clock
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import register_entity
from ggzy.registry.models import Entity
from ggzy.testing import PASSWORD, account_form, actor_of, entity_form, local, new_uscc, seal_bid
from ggzy.trading.actions import publish_notice
from ggzy.trading.models import Lot, Project
from ggzy.trading.tests.conftest import Tender, tender

__all__ = ["tender"]

DEADLINE = local(2026, 3, 24, 9)
# The committee sits when the decryption window closes (09:30): the names are unsealed from then on.
EVALUATION_AT = local(2026, 3, 24, 9, 30)
_serial = itertools.count(1)


def id_number(i: int) -> str:
    """A valid resident ID number (GB 11643) for test person i."""
    body = f"640104{1960 + i % 30}{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def expert_form(i: int, **change: Any) -> ExpertForm:
    data: dict[str, Any] = {
        "name": f"专家{i:03d}",
        "id_number": id_number(i),
        "mobile": f"139{i:08d}",
        "employer_name": f"宁夏某设计研究院{i}",
        "employer_uscc": new_uscc("640104"),
        "region_code": "640104",
        "title": "高级工程师",
        "title_level": "deputy_senior",
        "practice_since": date(2010, 1, 1),
        "specialties": ["A0801"],
    }
    data.update(change)
    return ExpertForm(**data)


def make_expert(approve: bool = True, **change: Any) -> Expert:
    """An expert applying signed out (with a new account), approved by the operator."""
    i = next(_serial)
    expert = actions.apply(Actor.anonymous("10.0.0.9"), expert_form(i, **change), account_form(f"zj{i:03d}"))
    if approve:
        expert = actions.approve(actor_of("op"), expert.code)
    return expert


def expert_actor(expert: Expert) -> Actor:
    return actor_of(expert.user.username)


@dataclass
class Opened:
    tender: Tender
    agent: Entity

    @property
    def lot(self) -> Lot:
        return Lot.objects.get(pk=self.tender.lot.pk)

    @property
    def principal(self) -> Entity:
        return self.tender.principal

    def bidder(self, i: int) -> Entity:
        return self.tender.bidders[i][0]


def submit_bid(tender: Tender, i: int, price: str) -> None:
    entity, key = tender.bidders[i]
    envelope = seal_bid(tender.lot.code, entity, key, price)
    actor = tender.bidder_actor(i)
    from ggzy_guomi import sm3_hex

    job, _ = start_upload(actor, tender.lot.code, len(envelope), sm3_hex(envelope))
    write_chunk(actor, job.public_id, 0, len(envelope), envelope)
    complete_upload(actor, job.public_id)


@pytest.fixture
def opened(tender: Tender) -> Opened:
    """Four bids are in and the deadline has passed: the lot is opening (decryption closes at 09:30)."""
    agent = register_entity(Actor.anonymous(), entity_form(kinds=["agent"]), account_form("dl"))
    Project.objects.filter(pk=tender.project.pk).update(agent=agent)
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    for i, price in enumerate(["24500000.00", "24400000.00", "24300000.00", "24200000.00"]):
        submit_bid(tender, i, price)
    clock.freeze(DEADLINE)
    chronograph.sweep()
    assert Lot.objects.get(pk=tender.lot.pk).state == Lot.State.OPENING
    return Opened(tender, agent)


def draw_form(lot_code: str, rows: list[tuple[str, int]] | None = None, **change: Any) -> DrawRequestIn:
    data: dict[str, Any] = {
        "lot_code": lot_code,
        "rows": [DrawRowIn(specialty=s, count=n) for s, n in (rows or [("A08", 4), ("A06", 1)])],
        "representatives": 0,
        "evaluation_at": EVALUATION_AT,
        "venue": "宁夏公共资源交易中心评标区3号室",
    }
    data.update(change)
    return DrawRequestIn(**data)


def run_draw(lot_code: str, **change: Any) -> DrawRequest:
    operator = actor_of("op")
    draw = actions.create_draw(operator, draw_form(lot_code, **change))
    actions.commit_draw(operator, draw.pk)
    return actions.execute_draw(operator, draw.pk)


def start_evaluation() -> datetime:
    """Let the decryption window close: the engine moves the lot to EVALUATION."""
    moment = clock.advance(timedelta(minutes=30))
    chronograph.sweep()
    return moment


def token_for(client: Any, username: str) -> str:
    response = client.post(
        "/api/auth/token", {"username": username, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    return str(response.json()["token"])
