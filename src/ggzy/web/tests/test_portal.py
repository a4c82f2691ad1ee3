"""The Chinese portal, the login, the one-form registration page and each role's workspace."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.kernel.models import AuditEvent
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import register_entity
from ggzy.registry.models import Entity
from ggzy.testing import PASSWORD, account_form, entity_form, new_uscc

pytestmark = pytest.mark.django_db


def test_home_is_chinese_and_offers_login(client: Client, network: dict) -> None:
    html = client.get("/").content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "宁夏回族自治区公共资源交易中心" in html
    assert 'href="/login/"' in html
    assert "永宁县分中心" in html  # the node network is shown


def test_login_records_the_sign_in(client: Client, network: dict) -> None:
    page = client.get("/login/")
    assert "登录" in page.content.decode()
    response = client.post("/login/", {"username": "op", "password": PASSWORD}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    assert response["Location"] == "/workspace/"
    event = AuditEvent.objects.get(action="registry.sign_in")
    assert (event.actor, event.ip, event.payload) == ("op", "203.0.113.9", {"channel": "web"})


def test_bad_login_stays_on_the_page(client: Client, network: dict) -> None:
    response = client.post("/login/", {"username": "op", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert not AuditEvent.objects.filter(action="registry.sign_in").exists()


@pytest.mark.parametrize(
    ("username", "marker"),
    [("op", "审计链完整"), ("reg", "住房和城乡建设厅"), ("alpha", "主体工作台")],
)
def test_each_role_has_its_workspace(client: Client, network: dict, username: str, marker: str) -> None:
    register_entity(Actor.anonymous(), entity_form(), account_form("alpha"))
    client.force_login(User.objects.get(username=username))
    html = client.get("/workspace/").content.decode()
    assert marker in html


def test_workspace_needs_login(client: Client, network: dict) -> None:
    assert client.get("/workspace/")["Location"].startswith("/login/")


def form_data(uscc: str, username: str = "newboss") -> dict[str, object]:
    return {
        "uscc": uscc,
        "name": "宁夏沙湖信息技术有限公司",
        "kinds": ["bidder", "principal"],
        "legal_representative": "高振华",
        "address": "银川市金凤区创新园1号",
        "region_code": "640106",
        "contact_name": "何春梅",
        "contact_mobile": "13995000011",
        "username": username,
        "password": PASSWORD,
        "account_name": "高振华",
        "account_mobile": "13995000012",
    }


def test_register_page_creates_the_entity(client: Client, network: dict) -> None:
    uscc = new_uscc("640106")
    response = client.post("/register/", form_data(uscc))
    assert response.status_code == 302
    assert response["Location"] == f"/entities/{uscc}/"
    page = client.get(response["Location"]).content.decode()
    assert "宁夏沙湖信息技术有限公司" in page
    assert "13995000011" not in page  # contacts are not public


def test_register_page_shows_the_rule_that_refused(client: Client, network: dict) -> None:
    response = client.post("/register/", form_data("91310115MA1H8R7C6D"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "校验码错误" in html
    assert "GB 32100-2015" in html
    assert not Entity.objects.exists()


def test_entity_pages(client: Client, network: dict) -> None:
    entity = register_entity(Actor.anonymous(), entity_form(), account_form("alpha"))
    assert entity.name in client.get("/entities/").content.decode()
    assert client.get("/entities/91110000101623741K/").status_code == 404


def test_static_htmx_is_served_from_npm_install(client: Client) -> None:
    response = client.get("/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200


def test_api_docs_are_served(client: Client) -> None:
    assert client.get("/api/openapi.json").json()["info"]["title"].startswith("GGZY")
