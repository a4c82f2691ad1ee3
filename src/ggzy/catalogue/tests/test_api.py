"""The catalogue over HTTP: the public must-enter question, the catalogue in force, comments from anyone, and
the operators' management endpoints (refused for everyone else, with nothing written)."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.catalogue import actions
from ggzy.catalogue.models import CatalogueItem, CatalogueVersion, Comment
from ggzy.exchange.models import Node
from ggzy.kernel import clock
from ggzy.kernel.models import AuditEvent
from ggzy.kernel.roles import Actor
from ggzy.testing import PASSWORD

pytestmark = pytest.mark.django_db

BASE = "/api/catalogue"


def token_for(client: Client, username: str) -> dict[str, str]:
    response = client.post(
        "/api/auth/token", {"username": username, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    return {"Authorization": f"Bearer {response.json()['token']}"}


def post(client: Client, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return client.post(f"{BASE}{path}", body, content_type="application/json", headers=headers or {})


def works_facts(amount: str, **extra: Any) -> dict[str, Any]:
    return {
        "category": "engineering",
        "subject": "A08",
        "state_budget_amount": "2000000",
        "total_investment": "20000000",
        "contracts": [{"kind": "works", "amount": amount}],
        **extra,
    }


@pytest.fixture
def national(vclock: object, network: dict[str, Node], operator: Actor) -> CatalogueVersion:
    return actions.load_national_catalogue(operator, network["province"].pk)


LAND_ITEM = {
    "category": "land",
    "subject": "E",
    "name": "集体经营性建设用地使用权出让",
    "funding_scope": "all",
    "basis": "catalogue",
    "scope": "一律进场",
    "citation": "土地管理法 第63条",
}


def counts() -> tuple[int, int, int, int]:
    return (
        CatalogueVersion.objects.count(),
        CatalogueItem.objects.count(),
        Comment.objects.count(),
        AuditEvent.objects.count(),
    )


def test_must_enter_is_public(client: Client, national: CatalogueVersion, network: dict) -> None:
    response = post(client, "/must-enter", works_facts("4000000.00"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["must_enter"], body["must_tender"], body["may_choose"]) == (True, True, False)
    assert body["catalogue_version"] == "GJ-16"
    assert body["node_id"] == network["province"].pk
    works = next(r for r in body["reasons"] if r["test"] == "law.threshold.works")
    assert works["zh"] == "施工合同估算价 4,000,000.00 元 ≥ 4,000,000 元"
    assert works["en"] == "Works contract estimate 4,000,000.00 yuan ≥ 4,000,000 yuan"
    assert "第5条第1款第1项" in works["citation"]

    below = post(client, "/must-enter", works_facts("3999999.99")).json()
    assert (below["must_enter"], below["must_tender"], below["may_choose"]) == (False, False, True)

    private = {
        "category": "engineering",
        "private_only": True,
        "contracts": [{"kind": "works", "amount": "90000000"}],
    }
    body = post(client, "/must-enter", private).json()
    assert (body["must_enter"], body["may_choose"]) == (False, True)


def test_must_enter_for_a_branch_on_a_date(client: Client, national: CatalogueVersion, network: dict) -> None:
    path = f"/must-enter?node_id={network['yongning'].pk}&on=2026-03-02"
    body = post(client, path, {"category": "land", "subject": "E"}).json()
    assert body["must_enter"] is True
    assert body["catalogue_version_id"] == national.pk
    response = post(
        client, f"/must-enter?node_id={network['yongning'].pk}&on=2026-03-01", {"category": "land"}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "catalogue_missing"


def test_must_enter_refuses_bad_facts_clearly(client: Client, national: CatalogueVersion) -> None:
    response = post(client, "/must-enter", works_facts("1", private_only=True))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "facts_private_inconsistent"
    assert body["message"]["zh"] and body["message"]["en"]
    response = post(client, "/must-enter", works_facts("4000000.001"))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    response = post(
        client, "/must-enter", {**works_facts("1"), "contracts": [{"kind": "rent", "amount": "1"}]}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "facts_contract_kind"
    assert response.json()["rule"]["citation"].startswith("必须招标的工程项目规定")


def test_effective_version_and_reference(client: Client, national: CatalogueVersion, network: dict) -> None:
    body = client.get(f"{BASE}/effective?node_id={network['yinchuan'].pk}").json()
    assert body["code"] == "GJ-16"
    assert len(body["items"]) == 15
    land = next(i for i in body["items"] if i["category"] == "land")
    assert land["threshold"] is None and land["scope"].startswith("【无法定金额限额】")
    works = body["items"][0]
    assert (works["subject"], works["subject_label"], works["contract_kind"]) == (
        "A08",
        "A08 工程·施工",
        "works",
    )
    ref = client.get(f"{BASE}/reference").json()
    assert [t["amount"] for t in ref["must_tender_thresholds"]] == ["4000000", "2000000", "1000000"]
    assert len(ref["engineering_classes"]["rows"]) == 10
    assert ref["comment_days"] == {
        "days": 30,
        "rule": ref["comment_days"]["rule"],
        "unconfirmed": True,
    }


def test_operator_lifecycle_over_http(client: Client, national: CatalogueVersion, network: dict) -> None:
    op = token_for(client, "op")
    response = post(
        client,
        "/versions",
        {"node_id": network["yinchuan"].pk, "code": "YC-2026", "title": "银川市交易目录"},
        op,
    )
    assert response.status_code == 201, response.json()
    draft = response.json()
    assert (draft["status"], draft["parent_id"], len(draft["items"])) == ("draft", national.pk, 15)
    vid = draft["id"]

    # Drafts are the operators' working papers.
    assert client.get(f"{BASE}/versions/{vid}").status_code == 404
    assert [v["code"] for v in client.get(f"{BASE}/versions").json()] == ["GJ-16"]
    assert {v["code"] for v in client.get(f"{BASE}/versions", headers=op).json()} == {"GJ-16", "YC-2026"}

    item = {
        "category": "engineering",
        "subject": "A08",
        "name": "国有资金参股的施工",
        "threshold": "1000000",
        "funding_scope": "non_private",
        "basis": "catalogue",
        "scope": "使用国有资金的施工100万元以上进场",
        "citation": "银川市公共资源交易目录 第3条",
    }
    response = post(client, f"/versions/{vid}/items", item, op)
    assert response.status_code == 201, response.json()
    item_id = response.json()["id"]
    response = client.patch(
        f"{BASE}/items/{item_id}", {"threshold": "800000"}, content_type="application/json", headers=op
    )
    assert response.status_code == 200
    assert response.json()["threshold"] == "800000.00"
    assert client.delete(f"{BASE}/items/{response.json()['id'] - 1}", headers=op).status_code == 204

    response = post(client, f"/versions/{vid}/adopt", {"effective_from": "2026-03-02"}, op)
    assert response.status_code == 409
    assert response.json()["code"] == "consultation_required"
    assert "征求意见" in response.json()["rule"]["text"]

    response = post(client, f"/versions/{vid}/consultation", {}, op)
    assert response.status_code == 200
    assert response.json()["comment_until"] == "2026-04-01"

    # Anyone comments, without signing in; only operators read who said what.
    response = post(client, f"/versions/{vid}/comments", {"text": "建议将限额定为100万元"})
    assert response.status_code == 201
    assert client.get(f"{BASE}/versions/{vid}").json()["comment_count"] == 1
    assert client.get(f"{BASE}/versions/{vid}/comments").status_code == 401
    reg = token_for(client, "reg")
    assert client.get(f"{BASE}/versions/{vid}/comments", headers=reg).status_code == 403
    comments = client.get(f"{BASE}/versions/{vid}/comments", headers=op).json()
    assert [(c["text"], c["user"]) for c in comments] == [("建议将限额定为100万元", None)]

    response = post(
        client,
        f"/versions/{vid}/adopt",
        {"effective_from": "2026-04-10", "citation": "银政办发〔2026〕5号"},
        op,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "consultation_open"

    clock.advance(timedelta(days=31))
    op = token_for(client, "op")  # tokens last 30 days
    assert post(client, f"/versions/{vid}/comments", {"text": "迟到"}).status_code == 409
    response = post(
        client,
        f"/versions/{vid}/adopt",
        {"effective_from": "2026-04-10", "citation": "银政办发〔2026〕5号"},
        op,
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["effective_from"]) == ("adopted", "2026-04-10")

    facts = works_facts("900000", state_budget_amount="0", total_investment=None, state_owned_controlled=True)
    before = post(client, f"/must-enter?node_id={network['yongning'].pk}&on=2026-04-09", facts).json()
    after = post(client, f"/must-enter?node_id={network['yongning'].pk}&on=2026-04-10", facts).json()
    assert (before["must_enter"], before["catalogue_version"]) == (False, "GJ-16")
    assert (after["must_enter"], after["must_tender"], after["catalogue_version"]) == (True, False, "YC-2026")


@pytest.mark.parametrize("who", ["reg", None])
def test_management_is_for_operators_only(
    client: Client, national: CatalogueVersion, network: dict, who: str | None
) -> None:
    headers = token_for(client, who) if who else {}
    before = counts()
    item_id = national.items.first().pk  # type: ignore[union-attr]
    responses = [
        post(client, "/versions", {"node_id": network["province"].pk, "code": "X", "title": "x"}, headers),
        post(client, f"/versions/{national.pk}/items", LAND_ITEM, headers),
        client.patch(
            f"{BASE}/items/{item_id}", {"name": "x"}, content_type="application/json", headers=headers
        ),
        client.delete(f"{BASE}/items/{item_id}", headers=headers),
        post(client, f"/versions/{national.pk}/consultation", {}, headers),
        post(client, f"/versions/{national.pk}/adopt", {"effective_from": "2026-03-02"}, headers),
        post(client, "/national", {"node_id": network["province"].pk}, headers),
    ]
    expected = 403 if who else 401
    assert [r.status_code for r in responses] == [expected] * len(responses)
    assert {r.json()["code"] for r in responses} == {"role_required" if who else "not_authenticated"}
    assert counts() == before


def test_admin_shows_the_catalogue_read_only(client: Client, national: CatalogueVersion) -> None:
    client.force_login(User.objects.get(username="op"))
    listing = client.get("/admin/catalogue/catalogueversion/")
    assert listing.status_code == 200
    assert "GJ-16" in listing.content.decode()
    page = client.get(f"/admin/catalogue/catalogueversion/{national.pk}/change/")
    assert page.status_code == 200
    assert "工程施工" in page.content.decode()
    assert client.get("/admin/catalogue/catalogueitem/add/").status_code == 403
    assert client.post(f"/admin/catalogue/catalogueversion/{national.pk}/delete/").status_code == 403
