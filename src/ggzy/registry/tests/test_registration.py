"""Registering once per USCC (R3.1), with clear errors that change nothing."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.kernel.audit import verify_chain
from ggzy.kernel.models import AuditEvent, Notification
from ggzy.registry.models import Account, Entity, EntityVersion
from ggzy.testing import PASSWORD, new_uscc

pytestmark = pytest.mark.django_db


def registration(
    uscc: str | None = None, *, username: str = "boss", region: str = "640104", **entity: Any
) -> dict:
    body = {
        "entity": {
            "uscc": uscc or new_uscc(region),
            "name": "宁夏黄河建设工程有限公司",
            "kinds": ["bidder"],
            "legal_representative": "马建国",
            "address": "银川市兴庆区解放东街1号",
            "region_code": region,
            "contacts": [{"name": "杨海燕", "mobile": "13995123456", "email": "yang@example.cn"}],
            "qualifications": [
                {
                    "name": "建筑工程施工总承包",
                    "level": "二级",
                    "certificate_no": "D264012345",
                    "valid_until": "2028-06-30",
                }
            ],
        },
        "account": {"username": username, "password": PASSWORD, "name": "马建国", "mobile": "13995123457"},
    }
    body["entity"].update(entity)
    return body


def post(client: Client, body: dict, **headers: str) -> Any:
    return client.post("/api/registry/entities", body, content_type="application/json", headers=headers)


def counts() -> tuple[int, int, int, int]:
    return (
        Entity.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
        EntityVersion.objects.count(),
    )


def test_self_registration(client: Client, network: dict, vclock: Any) -> None:
    body = registration()
    response = post(client, body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["uscc"] == body["entity"]["uscc"]
    assert data["region_name"] == "宁夏回族自治区银川市兴庆区"
    assert data["node"] == "银川市公共资源交易中心"  # 640104 has no branch: its city platform
    assert data["version"] == 1
    assert data["contacts"][0]["is_primary"] is True
    entity = Entity.objects.get()
    account = Account.objects.get(user__username="boss")
    assert (account.entity, account.is_entity_admin, account.node) == (entity, True, entity.node)
    event = AuditEvent.objects.get(action="registry.register_entity")
    assert (event.actor, event.ip, event.object_id) == ("anonymous", "127.0.0.1", str(entity.pk))
    assert Notification.objects.filter(recipient=account.user).count() == 1
    assert verify_chain().intact


def test_county_entity_belongs_to_its_branch(client: Client, network: dict) -> None:
    response = post(client, registration(region="640121"))
    assert response.json()["node"] == "永宁县分中心"


def test_same_uscc_anywhere_in_the_province_is_refused(client: Client, network: dict) -> None:
    body = registration()
    assert post(client, body).status_code == 201
    before = counts()
    again = registration(body["entity"]["uscc"], username="other", region="640323", name="另一个名字")
    response = post(client, again)
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "entity_already_registered"
    assert error["details"]["existing"]["url"] == f"/entities/{body['entity']['uscc']}/"
    assert error["details"]["existing"]["name"] == "宁夏黄河建设工程有限公司"
    assert error["rule"]["citation"].startswith("国办发〔2015〕63号")
    assert counts() == before


def test_lower_case_duplicate_is_the_same_code(client: Client, network: dict) -> None:
    body = registration("91350100M000100Y43")
    assert post(client, body).status_code == 201
    response = post(client, registration("91350100m000100y43", username="other"))
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("uscc", "code"),
    [
        ("9164010400000001", "uscc_length"),
        ("91640104000000O19X", "uscc_charset"),
        ("X1640104000000019X", "uscc_prefix"),
        ("91310115MA1H8R7C6D", "uscc_check"),
    ],
)
def test_invalid_uscc_is_422_and_writes_nothing(client: Client, network: dict, uscc: str, code: str) -> None:
    before = counts()
    response = post(client, registration(uscc))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert body["message"]["zh"]
    assert body["message"]["en"]
    assert "GB 32100-2015" in body["rule"]["citation"]
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"region_code": "649999"}, 422, "region_unknown"),
        ({"region_code": "64A"}, 422, "region_code_format"),
        ({"kinds": []}, 422, "entity_kinds"),
        ({"kinds": ["bidder", "wizard"]}, 422, "entity_kinds"),
        ({"contacts": [{"name": "杨", "mobile": "12345"}]}, 422, "mobile_format"),
        ({"contacts": []}, 422, "contacts_required"),
        ({"name": "  "}, 422, "name_required"),
        ({"contacts": "not a list"}, 422, "invalid_input"),
    ],
)
def test_bad_form_fields(client: Client, network: dict, change: dict, status: int, code: str) -> None:
    before = counts()
    response = post(client, registration(**change))
    assert response.status_code == status
    assert response.json()["code"] == code
    assert counts() == before


def test_failure_after_partial_work_rolls_everything_back(client: Client, network: dict) -> None:
    """The username check comes after the entity row is written: the whole registration must vanish."""
    assert post(client, registration(username="taken")).status_code == 201
    before = counts()
    response = post(client, registration(username="taken"))
    assert response.status_code == 409
    assert response.json()["code"] == "username_taken"
    assert counts() == before


def test_weak_password_is_refused(client: Client, network: dict) -> None:
    body = registration()
    body["account"]["password"] = "12345678"
    response = post(client, body)
    assert response.status_code == 422
    assert response.json()["code"] == "password_weak"


def test_entity_from_another_province_is_welcome(client: Client, network: dict) -> None:
    """R3.3: no local barriers. Only Shaanxi's province code is loaded, so a district code is kept at
    province level instead of being refused."""
    response = post(client, registration(new_uscc("610113"), region="610113"))
    assert response.status_code == 201, response.json()
    assert response.json()["region_code"] == "610000"
    assert response.json()["node"] == "宁夏回族自治区公共资源交易中心"


def test_public_view_hides_contacts(client: Client, network: dict) -> None:
    body = registration()
    post(client, body)
    uscc = body["entity"]["uscc"]
    public = client.get(f"/api/registry/entities/{uscc}").json()
    assert "contacts" not in public
    assert "13995123456" not in str(public)
    assert client.get(f"/api/registry/entities/{uscc}/private").status_code == 401
    listing = client.get("/api/registry/entities").json()
    assert listing["count"] == 1
    assert "13995123456" not in str(listing)


def test_uscc_checker(client: Client, network: dict) -> None:
    assert client.get("/api/registry/uscc/91110000101623741K").json() == {
        "valid": True,
        "uscc": "91110000101623741K",
        "registered": False,
    }
    assert client.get("/api/registry/uscc/91310115MA1H8R7C6D").json()["code"] == "uscc_check"
