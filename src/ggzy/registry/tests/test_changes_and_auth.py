"""Versioned changes, who may make them, and signing in to the API by token or session."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.kernel import clock
from ggzy.kernel.models import AuditEvent
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import register_entity
from ggzy.registry.models import Entity, EntityVersion
from ggzy.testing import PASSWORD, account_form, entity_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_entities(network: dict) -> tuple[Entity, Entity]:
    a = register_entity(Actor.anonymous("10.0.0.2"), entity_form(), account_form("alpha"))
    b = register_entity(Actor.anonymous("10.0.0.3"), entity_form(), account_form("beta"))
    return a, b


def token_for(client: Client, username: str) -> str:
    response = client.post(
        "/api/auth/token", {"username": username, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["token"]


def patch(client: Client, uscc: str, body: dict, token: str) -> Any:
    return client.patch(
        f"/api/registry/entities/{uscc}",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_change_makes_a_new_version(client: Client, two_entities: tuple[Entity, Entity]) -> None:
    a, _ = two_entities
    token = token_for(client, "alpha")
    response = patch(
        client, a.uscc, {"name": "宁夏黄河路桥有限公司", "kinds": ["bidder", "principal"]}, token
    )
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    v2 = EntityVersion.objects.get(entity=a, version=2)
    assert v2.changed_fields == ["kinds", "name"]
    assert v2.data["name"] == "宁夏黄河路桥有限公司"
    assert EntityVersion.objects.get(entity=a, version=1).data["name"] == a.name  # the old form is kept
    history = client.get(
        f"/api/registry/entities/{a.uscc}/versions", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert [h["version"] for h in history] == [1, 2]
    event = AuditEvent.objects.filter(action="registry.change_entity").get()
    assert event.payload == {"version": 2, "changed": ["kinds", "name"]}


def test_uscc_cannot_change_and_unknown_fields_are_ignored(client: Client, two_entities: tuple) -> None:
    a, _ = two_entities
    token = token_for(client, "alpha")
    response = patch(client, a.uscc, {"uscc": "91110000101623741K"}, token)
    assert response.status_code == 422
    assert response.json()["code"] == "no_change"
    assert Entity.objects.filter(uscc=a.uscc).exists()


def test_other_entities_may_not_change_it(client: Client, two_entities: tuple[Entity, Entity]) -> None:
    a, _b = two_entities
    before = AuditEvent.objects.count()
    response = patch(client, a.uscc, {"name": "被篡改"}, token_for(client, "beta"))
    assert response.status_code == 403
    assert response.json()["code"] == "entity_manager_required"
    assert Entity.objects.get(pk=a.pk).name == a.name
    assert AuditEvent.objects.count() == before + 1  # only beta's token issue


def test_operator_may_not_change_an_entity(client: Client, two_entities: tuple[Entity, Entity]) -> None:
    """Only the entity's own administrators declare its data (issue 11: no staff acts as an entity)."""
    a, _ = two_entities
    response = patch(client, a.uscc, {"address": "银川市金凤区新地址"}, token_for(client, "op"))
    assert response.status_code == 403
    assert response.json()["code"] == "entity_manager_required"
    assert "第15条" in response.json()["rule"]["citation"]
    assert Entity.objects.get(pk=a.pk).address == a.address
    assert not AuditEvent.objects.filter(action="registry.change_entity").exists()


def test_entity_admin_adds_staff_with_its_roles(client: Client, two_entities: tuple[Entity, Entity]) -> None:
    a, _ = two_entities
    token = token_for(client, "alpha")
    body = {"username": "alpha2", "password": PASSWORD, "name": "周文博", "mobile": "13995000009"}
    response = client.post(
        f"/api/registry/entities/{a.uscc}/users",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token_for(client, 'alpha2')}"}).json()
    assert me["roles"] == ["bidder"]
    # A non-admin staff member cannot change the registration.
    response = patch(client, a.uscc, {"name": "x公司"}, token_for(client, "alpha2"))
    assert response.status_code == 403


def test_token_lifecycle(client: Client, network: dict, vclock: Any) -> None:
    token = token_for(client, "reg")
    auth = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/auth/me", headers=auth).json()
    assert (me["name"], me["roles"]) == ("reg", ["regulator"])
    assert client.get("/api/auth/me", headers={"Authorization": "Bearer ggzy_wrong"}).status_code == 401
    prefix = token[:12]
    assert client.delete(f"/api/auth/token/{prefix}", headers=auth).status_code == 204
    response = client.get("/api/auth/me", headers=auth)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_token_expires(client: Client, network: dict, vclock: Any) -> None:
    from datetime import timedelta

    token = token_for(client, "reg")
    auth = {"Authorization": f"Bearer {token}"}
    clock.advance(timedelta(days=29, hours=23))
    assert client.get("/api/auth/me", headers=auth).status_code == 200
    clock.advance(timedelta(hours=1))
    assert client.get("/api/auth/me", headers=auth).status_code == 401


def test_wrong_password(client: Client, network: dict) -> None:
    response = client.post(
        "/api/auth/token", {"username": "reg", "password": "nope"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "bad_credentials"


def test_session_auth_needs_csrf_for_writes(network: dict) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="op"))
    assert client.get("/api/auth/me").json()["roles"] == ["operator"]
    body = {"name": "部门", "node_id": network["province"].pk}
    response = client.post("/api/registry/departments", body, content_type="application/json")
    assert response.status_code in {401, 403}


def test_operator_creates_staff_and_departments(client: Client, network: dict) -> None:
    auth = {"Authorization": f"Bearer {token_for(client, 'op')}"}
    dept = client.post(
        "/api/registry/departments",
        {"name": "财政厅", "node_id": network["province"].pk, "sectors": ["procurement"]},
        content_type="application/json",
        headers=auth,
    )
    assert dept.status_code == 201
    staff = {
        "username": "finance1",
        "password": PASSWORD,
        "name": "孙丽娟",
        "mobile": "13995000010",
        "kind": "regulator",
        "node_id": network["province"].pk,
        "department_id": dept.json()["id"],
    }
    assert (
        client.post(
            "/api/registry/accounts", staff, content_type="application/json", headers=auth
        ).status_code
        == 201
    )
    regulator_auth = {"Authorization": f"Bearer {token_for(client, 'finance1')}"}
    staff["username"] = "finance2"
    response = client.post(
        "/api/registry/accounts", staff, content_type="application/json", headers=regulator_auth
    )
    assert response.status_code == 403
    assert response.json()["code"] == "role_required"
