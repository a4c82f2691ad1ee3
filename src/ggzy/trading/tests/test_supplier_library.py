"""The provincial supplier library (74号令 第12条) and drawing invited suppliers from it: suppliers apply by
category, the province's centre admits or refuses, either side ends an admission; a library draw takes the
whole admitted pool of the lot's category, less suppliers under a procurement credit ban, verifiably."""

from datetime import date
from decimal import Decimal

import pytest

from ggzy.credit.actions import record_entry
from ggzy.credit.schemas import CreditRecordIn
from ggzy.kernel.errors import GgzyError
from ggzy.kernel.roles import Actor
from ggzy.registry import suppliers
from ggzy.registry.actions import create_staff_account
from ggzy.registry.models import SupplierEntry
from ggzy.registry.schemas import StaffAccountIn
from ggzy.supervision.tests.conftest import finance
from ggzy.testing import PASSWORD, actor_of, entity_with_key
from ggzy.trading import invitations
from ggzy.trading.actions import create_notice, create_project, publish_notice
from ggzy.trading.schemas import InviteeDrawIn, LotIn, ProjectIn
from ggzy.trading.tests.conftest import Tender, purchase_notice_form, rfq

__all__ = ["finance", "rfq"]
pytestmark = pytest.mark.django_db


def admitted(rfq: Tender, count: int) -> list[str]:
    """`count` suppliers admitted in B (goods): the fixture's four, then new ones."""
    entities = [e for e, _ in rfq.bidders] + [
        entity_with_key("bidder", f"gys{i}", region="640121")[0] for i in range(max(0, count - 4))
    ]
    for i, entity in enumerate(entities[:count]):
        username = f"tb{i}" if i < 4 else f"gys{i - 4}"
        (entry,) = suppliers.apply_to_library(actor_of(username), entity.uscc, ["B"])
        suppliers.decide_library_entry(actor_of("op"), entry.pk, True)
    return [e.uscc for e in entities[:count]]


def test_apply_admit_refuse_exit(rfq: Tender, network) -> None:  # type: ignore[no-untyped-def]
    supplier = rfq.bidders[0][0]
    with pytest.raises(GgzyError) as not_own:
        suppliers.apply_to_library(actor_of("op"), supplier.uscc, ["B01"])  # staff never act for an entity
    assert not_own.value.code == "entity_manager_required"
    with pytest.raises(GgzyError) as bad:
        suppliers.apply_to_library(actor_of("tb0"), supplier.uscc, ["X9"])
    assert bad.value.code == "library_category"
    goods, services = suppliers.apply_to_library(actor_of("tb0"), supplier.uscc, ["B01", "C"])
    create_staff_account(
        Actor.system("test"),
        StaffAccountIn(
            username="ycop",
            password=PASSWORD,
            name="银川运营",
            mobile="13900000009",
            kind="operator",
            node_id=network["yinchuan"].pk,
        ),
    )
    with pytest.raises(GgzyError) as city:
        suppliers.decide_library_entry(actor_of("ycop"), goods.pk, True)  # the library is provincial
    assert city.value.code == "operator_province"
    with pytest.raises(GgzyError) as no_reason:
        suppliers.decide_library_entry(actor_of("op"), services.pk, False)
    assert no_reason.value.code == "reason_required"
    suppliers.decide_library_entry(actor_of("op"), goods.pk, True)
    suppliers.decide_library_entry(actor_of("op"), services.pk, False, "业绩证明不足")
    assert suppliers.library_pool("B0101") == [supplier.uscc]  # B01 covers B0101
    assert suppliers.library_pool("B02") == [] and suppliers.library_pool("C01") == []
    suppliers.exit_library(actor_of("tb0"), goods.pk, "")
    assert SupplierEntry.objects.get(pk=goods.pk).status == SupplierEntry.Status.EXITED
    assert suppliers.library_pool("B01") == []


def test_a_library_draw_takes_the_admitted_pool_less_the_banned(rfq: Tender, finance: Actor) -> None:
    pool = admitted(rfq, 6)
    banned = pool[5]
    record_entry(
        finance,
        CreditRecordIn(
            uscc=banned,
            kind="procurement_violation",
            decision_no="宁财罚〔2026〕3号",
            facts="提供虚假材料谋取成交。",
            valid_from=date(2026, 3, 2),
            valid_until=date(2027, 3, 1),
        ),
    )
    project = create_project(
        actor_of("zb"),
        ProjectIn(
            name="打印机询价",
            category="procurement",
            procedure="procurement_rfq",
            state_budget_amount=Decimal("800000"),
            total_investment=Decimal("800000"),
            lots=[
                LotIn(
                    name="打印机",
                    contract_kind="goods",
                    classify_code="B01",
                    estimated_value=Decimal("800000"),
                )
            ],
        ),
    )
    from ggzy.testing import local
    from ggzy.trading.actions import attach_document
    from ggzy.trading.schemas import DocumentMeta
    from ggzy.trading.tests.conftest import PURCHASE_DOCUMENTS

    notice = create_notice(
        actor_of("zb"),
        project.code,
        purchase_notice_form(project.lots.get().code, method="invited", docs_until=local(2026, 3, 23, 17)),
    )
    attach_document(
        actor_of("zb"),
        notice.pk,
        DocumentMeta(title="询价通知书", signature=rfq.principal_key.sign(PURCHASE_DOCUMENTS).hex()),
        "询价通知书.pdf",
        PURCHASE_DOCUMENTS,
    )
    with pytest.raises(GgzyError) as too_many:
        invitations.commit_invitee_draw(actor_of("zb"), notice.pk, InviteeDrawIn(from_library=True, count=6))
    assert (
        too_many.value.code == "pool_too_small" and too_many.value.details["pool"] == 5
    )  # the banned one out
    draw = invitations.commit_invitee_draw(
        actor_of("zb"), notice.pk, InviteeDrawIn(from_library=True, count=3)
    )
    assert draw.pool == sorted(pool[:5]) and draw.library_category == "B01"
    draw = invitations.execute_invitee_draw(actor_of("zb"), notice.pk)
    assert len(draw.drawn) == 3 and banned not in draw.drawn and invitations.verify(draw)
    publish_notice(actor_of("zb"), notice.pk)


def test_the_library_in_the_browser(rfq: Tender, client) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import User

    supplier = rfq.bidders[1][0]
    client.force_login(User.objects.get(username="tb1"))
    page = client.get("/account/").content.decode()
    assert "政府采购供应商库" in page and "申请入库" in page
    assert client.post("/account/", {"library_apply": "1", "categories": "B01 C"}).status_code == 302
    assert set(SupplierEntry.objects.filter(entity=supplier).values_list("category", flat=True)) == {
        "B01",
        "C",
    }
    assert "待审核的入库申请" not in client.get("/account/library/").content.decode()  # not the keeper
    client.force_login(User.objects.get(username="op"))
    page = client.get("/account/library/").content.decode()
    assert "待审核的入库申请" in page and supplier.name in page and "第12条" in page
    goods = SupplierEntry.objects.get(entity=supplier, category="B01")
    services = SupplierEntry.objects.get(entity=supplier, category="C")
    refused = client.post("/account/library/", {"entry": services.pk, "do": "refuse", "reason": ""})
    assert refused.status_code == 422 and "不予入库应当说明理由" in refused.content.decode()
    assert client.post("/account/library/", {"entry": goods.pk, "do": "admit"}).status_code == 302
    assert SupplierEntry.objects.get(pk=goods.pk).status == SupplierEntry.Status.ADMITTED
    client.logout()
    client.force_login(User.objects.get(username="tb2"))
    assert supplier.name in client.get("/account/library/").content.decode()  # the admitted list is open
