"""A construction tender ready to publish: national catalogue, a principal with a key, four bidders; and a
government procurement open tender of goods (`purchase`) ready the same way."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from ggzy.catalogue.actions import load_national_catalogue
from ggzy.exchange.calendar_actions import load_official_calendar
from ggzy.kernel.roles import Actor
from ggzy.registry.models import Entity
from ggzy.testing import actor_of, entity_with_key, local
from ggzy.trading.actions import attach_document, create_notice, create_project
from ggzy.trading.models import Lot, Notice, Project
from ggzy.trading.schemas import DocumentMeta, LotIn, NoticeIn, ProjectIn
from ggzy_guomi import Sm2PrivateKey

TENDER_DOCUMENTS = "第一章 招标公告……第六章 技术标准和要求".encode()


@dataclass
class Tender:
    principal: Entity
    principal_key: Sm2PrivateKey
    bidders: list[tuple[Entity, Sm2PrivateKey]]
    project: Project
    lot: Lot
    notice: Notice

    @property
    def manager(self) -> Actor:
        return actor_of("zb")

    def bidder_actor(self, i: int) -> Actor:
        return actor_of(f"tb{i}")


def notice_form(lot_code: str, **change: object) -> NoticeIn:
    data: dict[str, object] = {
        "method": "open",
        "title": "银川市第一中学教学楼建设工程施工招标公告",
        "body": "招标条件：本项目已由银川市发展和改革委员会批准建设……",
        "lot_codes": [lot_code],
        "docs_from": local(2026, 3, 4, 9),
        "docs_until": local(2026, 3, 9, 17),
        "bid_deadline": local(2026, 3, 24, 9),
    }
    data.update(change)
    return NoticeIn(**data)


@pytest.fixture
def tender(vclock, network, system) -> Tender:  # type: ignore[no-untyped-def]
    load_official_calendar(system, 2026)
    load_national_catalogue(system, network["province"].pk)
    principal, principal_key = entity_with_key("principal", "zb")
    bidders = [entity_with_key("bidder", f"tb{i}", region="640121") for i in range(4)]
    project = create_project(
        actor_of("zb"),
        ProjectIn(
            name="银川市第一中学教学楼建设工程",
            state_budget_amount=Decimal("30000000"),
            total_investment=Decimal("30000000"),
            lots=[
                LotIn(
                    name="施工",
                    contract_kind="works",
                    classify_code="A08",
                    estimated_value=Decimal("25000000"),
                    control_price=Decimal("24800000"),
                    bond_amount=Decimal("500000"),
                )
            ],
        ),
    )
    lot = project.lots.get()
    notice = create_notice(actor_of("zb"), project.code, notice_form(lot.code))
    attach_document(
        actor_of("zb"),
        notice.pk,
        DocumentMeta(title="招标文件", signature=principal_key.sign(TENDER_DOCUMENTS).hex()),
        "招标文件.pdf",
        TENDER_DOCUMENTS,
    )
    return Tender(principal, principal_key, bidders, project, lot, notice)


PURCHASE_DOCUMENTS = "第一章 招标公告……第五章 采购需求（货物）".encode()


def purchase_notice_form(lot_code: str, **change: object) -> NoticeIn:
    """Documents from Wednesday 4 March 2026 for 5 working days (to 11 March), deadline 20 days on."""
    data: dict[str, object] = {
        "method": "open",
        "title": "银川市第一中学教学设备采购项目公开招标公告",
        "body": "项目概况：教学设备采购，采购预算500万元……",
        "lot_codes": [lot_code],
        "docs_from": local(2026, 3, 4, 9),
        "docs_until": local(2026, 3, 11, 17),
        "bid_deadline": local(2026, 3, 24, 9),
    }
    data.update(change)
    return NoticeIn(**data)


def procurement(
    system: Actor,
    network: dict[str, Any],
    name: str,
    lot: LotIn,
    documents: str,
    notice: NoticeIn | None = None,
    procedure: str | None = None,
    suppliers: int = 4,
) -> Tender:
    """A government purchase of one lot (采购人 zb, suppliers tb0…), its notice drafted, documents attached."""
    load_official_calendar(system, 2026)
    load_national_catalogue(system, network["province"].pk)
    principal, principal_key = entity_with_key("principal", "zb")
    bidders = [entity_with_key("bidder", f"tb{i}", region="640121") for i in range(suppliers)]
    project = create_project(
        actor_of("zb"),
        ProjectIn(
            name=name,
            category="procurement",
            procedure=procedure,
            state_budget_amount=lot.estimated_value,
            total_investment=lot.estimated_value,
            lots=[lot],
        ),
    )
    the_lot = project.lots.get()
    form = notice or purchase_notice_form(the_lot.code)
    form.lot_codes = [the_lot.code]
    drafted = create_notice(actor_of("zb"), project.code, form)
    attach_document(
        actor_of("zb"),
        drafted.pk,
        DocumentMeta(title=documents, signature=principal_key.sign(PURCHASE_DOCUMENTS).hex()),
        f"{documents}.pdf",
        PURCHASE_DOCUMENTS,
    )
    return Tender(principal, principal_key, bidders, project, the_lot, drafted)


@pytest.fixture
def purchase(vclock, network, system) -> Tender:  # type: ignore[no-untyped-def]
    """A government procurement open tender (采购人 zb, four suppliers tb0–tb3), documents attached."""
    return procurement(
        system,
        network,
        "银川市第一中学教学设备采购项目",
        LotIn(
            name="多媒体教学设备",
            contract_kind="goods",
            classify_code="B01",
            estimated_value=Decimal("5000000"),
            control_price=Decimal("4900000"),
            bond_amount=Decimal("100000"),
        ),
        "招标文件",
    )


@pytest.fixture
def rfq(vclock, network, system) -> Tender:  # type: ignore[no-untyped-def]
    """A government procurement by 询价 (request for quotations) of goods, budget 1.5 million yuan."""
    return procurement(
        system,
        network,
        "银川市第一中学办公用品询价采购",
        LotIn(
            name="办公用品",
            contract_kind="goods",
            classify_code="B01",
            estimated_value=Decimal("1500000"),
            bond_amount=Decimal("30000"),
        ),
        "询价通知书",
        purchase_notice_form(
            "",
            title="办公用品询价公告",
            docs_until=local(2026, 3, 23, 17),
            bid_deadline=local(2026, 3, 24, 9),
        ),
        procedure="procurement_rfq",
    )


def _negotiated(system: Actor, network: dict[str, Any], procedure: str, documents: str) -> Tender:
    """A government purchase by 竞争性谈判 or 竞争性磋商 of services, budget 1.2 million yuan."""
    return procurement(
        system,
        network,
        "银川市第一中学校园物业管理服务采购",
        LotIn(
            name="校园物业管理服务",
            contract_kind="services",
            classify_code="C21",
            estimated_value=Decimal("1200000"),
            bond_amount=Decimal("24000"),
        ),
        documents,
        purchase_notice_form(
            "",
            title=f"校园物业管理服务{documents[:-2]}公告",
            docs_until=local(2026, 3, 11, 17),
            bid_deadline=local(2026, 3, 24, 9),
        ),
        procedure=procedure,
    )


@pytest.fixture
def negotiation(vclock, network, system) -> Tender:  # type: ignore[no-untyped-def]
    return _negotiated(system, network, "procurement_negotiation", "谈判文件")


@pytest.fixture
def consultation(vclock, network, system) -> Tender:  # type: ignore[no-untyped-def]
    return _negotiated(system, network, "procurement_consultation", "磋商文件")


@pytest.fixture
def framework(vclock, network, system) -> Tender:  # type: ignore[no-untyped-def]
    """The call of a closed framework agreement (框架协议采购) for computers: budget 3 million yuan, a unit
    price ceiling (最高限制单价) of 6 000 yuan, the call run as an open tender."""
    return procurement(
        system,
        network,
        "宁夏回族自治区本级台式计算机框架协议采购",
        LotIn(
            name="台式计算机",
            contract_kind="goods",
            classify_code="B01",
            estimated_value=Decimal("3000000"),
            control_price=Decimal("6000"),
            bond_amount=Decimal("0"),
        ),
        "征集文件",
        purchase_notice_form("", title="台式计算机框架协议采购征集公告"),
        procedure="procurement_framework",
    )
