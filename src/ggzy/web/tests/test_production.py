"""Safe production defaults (issue 11 §4): production unless told otherwise, a clean `check --deploy`,
Chinese error pages, a CSP, short staff sessions, sign-in throttling and failed sign-ins in the audit trail,
token clients free of CSRF, every refusal in the documented error format."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.kernel.models import AuditEvent
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import register_entity
from ggzy.registry.models import ApiToken
from ggzy.testing import PASSWORD, account_form, entity_form

pytestmark = pytest.mark.django_db


def ggzy(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "ggzy", *args], env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_is_the_default_and_needs_a_secret_key() -> None:
    result = ggzy("serve", "--port", "1")  # no GGZY_DEBUG: production
    assert result.returncode == 2
    assert "GGZY_SECRET_KEY" in result.stderr and "make run" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_deploy_is_clean_in_production_settings(tmp_path: object) -> None:
    result = ggzy(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        GGZY_DEBUG="0",
        GGZY_SECRET_KEY=secrets.token_urlsafe(50),
        GGZY_ALLOWED_HOSTS="ggzy.example.cn",
        GGZY_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_unknown_pages_are_chinese_and_list_no_url_patterns(client: Client) -> None:
    page = client.get("/no/such/page/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "页面不存在" in html and "urlpatterns" not in html.lower() and "admin/" not in html
    api = client.get("/api/no/such/thing")
    assert api.status_code == 404 and api.json()["code"] == "not_found"


def test_a_server_error_is_a_chinese_page_or_the_api_format() -> None:
    from django.test import RequestFactory

    from ggzy import urls
    from ggzy.web import views

    assert urls.handler500 == "ggzy.web.views.server_error"
    page = views.server_error(RequestFactory().get("/portal/notices/"))
    assert page.status_code == 500 and "服务暂时不可用" in page.content.decode()
    api = views.server_error(RequestFactory().get("/api/trading/notices"))
    assert api.status_code == 500 and b'"code": "server_error"' in api.content


def test_pages_carry_a_content_security_policy(client: Client, network: dict) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_staff_sessions_are_short(network: dict) -> None:
    operator, bidder_like = Client(), Client()
    operator.post("/login/", {"username": "op", "password": PASSWORD})
    assert operator.session.get_expiry_age() == 1800
    operator.get("/workspace/")
    assert operator.session.get_expiry_age() == 1800  # renewed by use, never longer
    register_entity(Actor.anonymous(), entity_form(), account_form("boss"))
    bidder_like.post("/login/", {"username": "boss", "password": PASSWORD})
    assert bidder_like.session.get("_auth_user_id")
    assert bidder_like.session.get_expiry_age() == 8 * 3600  # a market entity: a working day


def test_thirty_wrong_passwords_lock_the_account_and_are_audited(network: dict) -> None:
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(30):
        client.post(
            "/api/auth/token", {"username": "op", "password": "guess"}, content_type="application/json"
        )
    right = client.post(
        "/api/auth/token", {"username": "op", "password": PASSWORD}, content_type="application/json"
    )
    assert right.status_code == 429
    assert right.json()["code"] == "login_locked" and "锁定" in right.json()["message"]["zh"]
    assert not ApiToken.objects.exists()
    failures = AuditEvent.objects.filter(action="registry.sign_in_failed")
    assert failures.count() >= 5
    assert failures.first() is not None and failures.first().payload["username"] == "op"
    # the web form is locked too, with a Chinese page
    page = Client(REMOTE_ADDR="198.51.100.7").post("/login/", {"username": "op", "password": PASSWORD})
    assert page.status_code == 429 and "锁定" in page.content.decode()
    # another address is not locked out of the account
    other = Client(REMOTE_ADDR="198.51.100.8")
    assert (
        other.post(
            "/api/auth/token", {"username": "op", "password": PASSWORD}, content_type="application/json"
        ).status_code
        == 201
    )


def test_a_password_like_the_username_is_refused(network: dict) -> None:
    answer = Client().post(
        "/api/registry/public-accounts",
        {"username": "zhangsan2026", "password": "zhangsan2026", "name": "张三", "mobile": "13900000000"},
        content_type="application/json",
    )
    assert answer.status_code in (400, 422), answer.content
    assert "code" in answer.json() and "message" in answer.json()


def test_token_clients_and_the_public_never_need_a_csrf_cookie(network: dict) -> None:
    plain = Client(enforce_csrf_checks=True)
    anonymous_post = plain.post("/api/registry/public-accounts", {}, content_type="application/json")
    assert anonymous_post.status_code == 422  # the body is checked, not a CSRF cookie
    token = (
        Client()
        .post("/api/auth/token", {"username": "op", "password": PASSWORD}, content_type="application/json")
        .json()["token"]
    )
    ApiToken.objects.update(expires_at=ApiToken.objects.first().expires_at - timedelta(days=365))  # type: ignore[union-attr]
    expired = plain.post(
        "/api/registry/accounts", {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert expired.status_code == 401 and expired.json()["code"] == "not_authenticated"
    # a signed-in browser session is still CSRF-checked, and says so in the error format
    session = Client(enforce_csrf_checks=True)
    session.force_login(User.objects.get(username="op"))
    refused = session.post("/api/registry/accounts", {}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
