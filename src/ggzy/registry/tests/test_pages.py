import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.kernel.roles import Actor
from ggzy.registry.actions import register_entity
from ggzy.registry.models import Certificate, Entity
from ggzy.testing import account_form, entity_form
from ggzy_guomi import Sm2PrivateKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, network: dict) -> Client:
    register_entity(Actor.anonymous(), entity_form(), account_form("alpha"))
    client.force_login(User.objects.get(username="alpha"))
    return client


def test_register_a_certificate(admin_client: Client, vclock: object) -> None:
    """The page's two steps: get a challenge, then paste the certificate and the signature of it."""
    from ggzy.registry.certificates import challenge_message
    from ggzy.registry.democa import demo_ca
    from ggzy.registry.models import CertificateChallenge

    entity = Entity.objects.get()
    key = Sm2PrivateKey.generate()
    pem = demo_ca().issue(entity.uscc, entity.name, key.public_key)
    page = admin_client.post("/account/", {"challenge_request": "1"})
    assert page.status_code == 200
    challenge = CertificateChallenge.objects.get()
    assert challenge_message(entity.uscc, challenge.nonce).decode() in page.content.decode()
    signature = key.sign(challenge_message(entity.uscc, challenge.nonce)).hex()
    body = {
        "register_certificate": "1",
        "certificate": pem,
        "challenge": challenge.nonce,
        "signature": signature,
    }
    response = admin_client.post("/account/", body)
    assert response.status_code == 302
    assert Certificate.objects.get().key_id == key.public_key.key_id
    page = admin_client.get("/account/").content.decode()
    assert "GGZY演示CA" in page


def test_a_wrong_signature_is_refused_and_the_challenge_shown_again(
    admin_client: Client, vclock: object
) -> None:
    from ggzy.registry.democa import demo_ca
    from ggzy.registry.models import CertificateChallenge

    entity = Entity.objects.get()
    key = Sm2PrivateKey.generate()
    pem = demo_ca().issue(entity.uscc, entity.name, key.public_key)
    admin_client.post("/account/", {"challenge_request": "1"})
    challenge = CertificateChallenge.objects.get()
    other = Sm2PrivateKey.generate().sign(b"something else").hex()
    response = admin_client.post(
        "/account/",
        {"register_certificate": "1", "certificate": pem, "challenge": challenge.nonce, "signature": other},
    )
    assert response.status_code == 422
    assert "签名不能由该证书的公钥验证" in response.content.decode()
    assert challenge.nonce in response.content.decode()  # still there to sign correctly
    assert not Certificate.objects.exists()


def test_change_the_registration(admin_client: Client) -> None:
    entity = Entity.objects.get()
    body = {
        "change": "1",
        "name": "宁夏新名称建设有限公司",
        "legal_representative": entity.legal_representative,
        "address": entity.address,
        "region_code": entity.region_id,
        "contact_name": "刘海燕",
        "contact_mobile": "13995000001",
        "contact_email": "liu@example.cn",
    }
    assert admin_client.post("/account/", body).status_code == 302
    entity.refresh_from_db()
    assert (entity.name, entity.version) == ("宁夏新名称建设有限公司", 2)


def test_bad_mobile_is_refused_and_nothing_changes(admin_client: Client) -> None:
    entity = Entity.objects.get()
    body = {
        "change": "1",
        "name": entity.name,
        "legal_representative": entity.legal_representative,
        "address": entity.address,
        "region_code": entity.region_id,
        "contact_name": "刘海燕",
        "contact_mobile": "123",
    }
    response = admin_client.post("/account/", body)
    assert response.status_code == 422
    assert "手机号码" in response.content.decode()
    entity.refresh_from_db()
    assert entity.version == 1
