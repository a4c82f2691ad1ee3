"""The credit pages, driven with the Django test client: the desk for regulators and operators only, each
form through `record_entry` / `revoke_entry` (model and audit checked), refusals with their Chinese message
and rule citation (nothing changed), and public black and red lists that never show personal data."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.credit.actions import id_digest
from ggzy.credit.models import CreditRecord
from ggzy.kernel.models import AuditEvent
from ggzy.trading.tests.conftest import Tender

pytestmark = pytest.mark.django_db

ID_NUMBER = "64010419800101123X"


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def html(response: Any) -> str:
    return str(response.content.decode())


def ban_post(uscc: str, until: str, **change: str) -> dict[str, str]:
    data = {
        "subject": "entity",
        "uscc": uscc,
        "kind": "collusion",
        "severity": "serious",
        "decision_no": "宁建罚〔2026〕8号",
        "facts": "与其他投标人相互串通投标，情节严重。",
        "valid_from": "2026-03-02",
        "valid_until": until,
        "is_public": "on",
    }
    data.update(change)
    return data


def test_desk_is_for_regulators_and_operators(tender: Tender, regulator: Any, operator: Any) -> None:
    assert Client().get("/credit/")["Location"].startswith("/login/")
    assert login("tb0").get("/credit/").status_code == 403
    page = html(login("reg").get("/credit/"))
    assert "住房和城乡建设厅" in page and "中华人民共和国招标投标法 第53条" in page and "1至2年" in page
    assert 'name="source"' not in page  # a regulator records its own decisions
    assert 'name="source"' in html(login("op").get("/credit/"))
    for url in ("/credit/blacklist/", "/credit/redlist/"):
        assert Client().get(url).status_code == 200


def test_record_and_revoke_through_the_desk(tender: Tender, regulator: Any, finance: Any) -> None:
    uscc = tender.bidders[0][0].uscc
    refused = login("reg").post("/credit/", ban_post(uscc, "2028-03-02"))  # one day past 2 years
    page = html(refused)
    assert refused.status_code == 422 and "禁入期限应为1年至2年" in page
    assert "中华人民共和国招标投标法 第53条" in page and not CreditRecord.objects.exists()
    assert login("reg").post("/credit/", ban_post(uscc, "2028-03-01"))["Location"] == "/credit/"
    record = CreditRecord.objects.get()
    assert record.ban and record.department_id == regulator.department_id and record.uscc == uscc
    assert AuditEvent.objects.filter(action="credit.record_entry", object_id=str(record.pk)).exists()
    public = html(Client().get("/credit/blacklist/"))
    assert uscc in public and "宁建罚〔2026〕8号" in public
    revoke = f"/credit/records/{record.pk}/revoke/"
    no_reason = login("reg").post(revoke, {"reason": ""})
    assert no_reason.status_code == 422 and "请说明撤销理由" in html(no_reason)
    assert login("czt").post(revoke, {"reason": "x"}).status_code == 403  # not the recording department
    assert CreditRecord.objects.get().status == "active"
    assert login("reg").post(revoke, {"reason": "复议撤销原处理决定"})["Location"] == "/credit/"
    record.refresh_from_db()
    assert record.status == "revoked" and record.revoke_reason == "复议撤销原处理决定"
    assert AuditEvent.objects.filter(action="credit.revoke_entry").count() == 1
    assert uscc not in html(Client().get("/credit/blacklist/"))


def test_operator_cannot_ban(tender: Tender, operator: Any) -> None:
    refused = login("op").post(
        "/credit/", ban_post(tender.bidders[0][0].uscc, "2027-03-01", source="platform")
    )
    assert refused.status_code == 403 and "不得作出市场禁入" in html(refused)
    assert not CreditRecord.objects.exists()


def test_public_lists_show_no_personal_data(tender: Tender, regulator: Any) -> None:
    practitioner = {
        "subject": "practitioner",
        "uscc": tender.bidders[0][0].uscc,
        "practitioner_name": "王建军",
        "id_number": ID_NUMBER,
        "role": "project_manager",
        "kind": "collusion",
        "severity": "serious",
        "decision_no": "宁建罚〔2026〕9号",
        "facts": "作为项目经理参与串通投标。",
        "valid_from": "2026-03-02",
        "valid_until": "2027-03-01",
        "is_public": "on",
    }
    wrong = login("reg").post("/credit/", {**practitioner, "valid_until": "2030-01-01"})
    assert wrong.status_code == 422 and "禁入期限应为1年至2年" in html(wrong)
    assert ID_NUMBER not in html(wrong)  # a refusal never echoes the number back
    assert login("reg").post("/credit/", practitioner).status_code == 302
    planted = CreditRecord.objects.get(subject="practitioner")
    assert planted.id_digest == id_digest(ID_NUMBER) and ID_NUMBER not in str(planted.__dict__)
    honour = {
        "subject": "entity",
        "uscc": tender.bidders[1][0].uscc,
        "kind": "honour",
        "severity": "general",
        "facts": "信用评价优良。",
        "valid_from": "2026-03-02",
        "is_public": "on",
    }
    assert login("reg").post("/credit/", honour).status_code == 302
    hidden = ban_post(tender.bidders[2][0].uscc, "2027-03-01")
    del hidden["is_public"]
    assert login("reg").post("/credit/", hidden).status_code == 302
    black = html(Client().get("/credit/blacklist/"))
    red = html(Client().get("/credit/redlist/"))
    assert tender.bidders[1][0].uscc in red and tender.bidders[1][0].name in red
    assert tender.bidders[2][0].uscc not in black  # not public
    for page in (black, red):
        assert ID_NUMBER not in page and planted.id_digest not in page and "王建军" not in page
        assert "作为项目经理参与串通投标" not in page
    desk = html(login("reg").get("/credit/"))
    assert "王建军" in desk and ID_NUMBER not in desk and planted.id_digest not in desk
