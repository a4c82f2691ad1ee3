"""The negotiation in the browser's terms (Django's client): the panel's part of the room — rounds,
every supplier's channel, the changes — and the supplier's page with its own channel only; refusals come
back on the page with their rule, nothing changed."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.evaluation.models import NegotiationMessage, RequirementChange
from ggzy.evaluation.tests.conftest import Opened, opened_negotiation
from ggzy.evaluation.tests.test_negotiation import panel
from ggzy.trading.models import Lot

__all__ = ["opened_negotiation"]
pytestmark = pytest.mark.django_db


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_panel_and_a_supplier_negotiate_on_their_pages(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    chair = login(members[0])
    room = f"/evaluation/lots/{o.lot_code}/"
    page = chair.get(room).content.decode()
    assert "谈判过程" in page and "第31、32、34条" in page and "本阶段尚未谈判的供应商" in page
    suppliers = [entity for entity, _ in o.tender.bidders]
    # Asking for revised responses before meeting everyone is refused on the page.
    refused = chair.post(room + "negotiation/rounds/", {"round-minutes": "60", "round-requirements": ""})
    assert refused.status_code == 422 and "平等的谈判机会" in refused.content.decode()
    for s in suppliers:
        sent = chair.post(
            room + "negotiation/messages/",
            {"message-supplier": s.uscc, "message-text": f"请{s.name}说明报价构成"},
        )
        assert sent.status_code == 302
    # The supplier reads its own channel only and answers.
    tb0 = login("tb0")
    mine = f"/evaluation/negotiations/{o.lot_code}/"
    own = tb0.get(mine).content.decode()
    assert f"请{suppliers[0].name}说明报价构成" in own and suppliers[1].name not in own
    assert tb0.post(mine + "reply/", {"text": "人工费占70%"}).status_code == 302
    assert NegotiationMessage.objects.filter(supplier=suppliers[0], from_panel=False).count() == 1
    assert login("zb").get(mine).status_code == 403  # the purchaser is no supplier here
    # A change: the chair proposes, an expert cannot confirm, the representative does.
    assert chair.post(room + "negotiation/changes/", {"change-text": "驻场人员增至24人"}).status_code == 302
    change = RequirementChange.objects.get()
    expert = login(members[1])
    denied = expert.post(room + f"negotiation/changes/{change.pk}/confirm/")
    assert denied.status_code == 403
    assert "确认并通知全部供应商" not in expert.get(room).content.decode()
    assert "确认并通知全部供应商" in login("zbdb").get(room).content.decode()
    assert login("zbdb").post(room + f"negotiation/changes/{change.pk}/confirm/").status_code == 302
    assert "驻场人员增至24人" in tb0.get(mine).content.decode()  # in writing, in its channel
    opened = chair.post(
        room + "negotiation/rounds/", {"round-minutes": "60", "round-requirements": "请按变动后的需求报价"}
    )
    assert opened.status_code == 302
    page = tb0.get(mine).content.decode()
    assert "请提交第1轮响应文件" in page and "ggzy-bid seal" in page and "驻场人员增至24人" in page
    assert Lot.objects.get(code=o.lot_code).rounds.count() == 1
    # The supplier's workspace links to its negotiation.
    assert mine in tb0.get("/bidding/").content.decode()
