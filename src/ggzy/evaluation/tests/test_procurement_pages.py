"""The award desk (定标与合同) of a government procurement in the browser's terms: no candidates' publicity,
the purchaser confirms the winner (a reason to pass over the first), the result's notice period, the
contract and then its filing with the finance department."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.evaluation.models import Award
from ggzy.evaluation.tests.conftest import Opened, opened_purchase
from ggzy.evaluation.tests.test_flow import reported
from ggzy.trading.models import Lot

__all__ = ["opened_purchase"]
pytestmark = pytest.mark.django_db


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_purchaser_confirms_the_winner_and_files_the_contract(opened_purchase: Opened) -> None:
    o = opened_purchase
    evaluation = reported(o)
    first = evaluation.candidates.order_by("rank").select_related("bid").first()
    second = evaluation.candidates.order_by("rank").select_related("bid")[1]
    assert first is not None
    desk = f"/evaluation/lots/{o.lot_code}/award/"
    zb = login("zb")
    page = zb.get(desk).content.decode()
    assert "确定中标供应商并公告结果" in page and "第68条" in page and "2026-03-31" in page
    assert "公示中标候选人" not in page and "投标供应商" in page
    refused = zb.post(desk + "confirm/", {"receipt_no": second.bid.receipt_no, "reason": ""})
    assert refused.status_code == 422 and "按顺序确定中标人" in refused.content.decode()
    assert not Award.objects.exists()
    assert (
        zb.post(
            desk + "publicity/", {"publicity_from": "2026-03-24T10:00", "publicity_until": "2026-03-27T10:00"}
        ).status_code
        == 422
    )
    assert zb.post(desk + "confirm/", {"receipt_no": first.bid.receipt_no, "reason": ""}).status_code == 302
    assert Lot.objects.get(code=o.lot_code).state == Lot.State.AWARDED
    page = zb.get(desk).content.decode()
    assert "中标结果公告" in page
    assert "公告期限为1个工作日" in page
    assert "提交合同备案" not in page  # the filing comes after the contract
    signed = zb.post(
        desk + "contract/", {"amount": "4500000", "performance_bond": "0", "contract_sm3": "a" * 64}
    )
    assert signed.status_code == 302
    page = zb.get(desk).content.decode()
    assert "提交合同备案" in page and "第47条" in page
    assert zb.post(desk + "report/").status_code == 302
    award = Award.objects.get()
    assert award.reported_at is not None and award.contract_amount == Decimal("4500000")


def test_the_room_shows_the_methods_bid_form(opened_purchase: Opened) -> None:
    from ggzy.evaluation.tests.test_flow import committee

    o = opened_purchase
    members = committee(o)
    page = login(members[0]).get(f"/evaluation/lots/{o.lot_code}/").content.decode()
    assert "交货期或服务期限（日）" in page and "核心产品品牌" in page and "品牌0" in page
    assert "项目经理" not in page and "投标供应商" in page
