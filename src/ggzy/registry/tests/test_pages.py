from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.kernel import clock
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
    key = Sm2PrivateKey.generate()
    start = clock.now().strftime("%Y-%m-%dT%H:%M")
    end = (clock.now() + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M")
    body = {
        "certificate": "1",
        "issuer": "CFCA",
        "serial": "SN1",
        "public_key": key.public_key.to_pem(),
        "valid_from": start,
        "valid_until": end,
    }
    response = admin_client.post("/account/", body)
    assert response.status_code == 302
    assert Certificate.objects.get().key_id == key.public_key.key_id
    page = admin_client.get("/account/").content.decode()
    assert "CFCA" in page


def test_unrecognised_ca_is_refused_with_the_rule(admin_client: Client, vclock: object) -> None:
    from ggzy.kernel.errors import InvalidInput
    from ggzy.registry.actions import register_certificate
    from ggzy.registry.schemas import CertificateIn
    from ggzy.testing import actor_of

    key = Sm2PrivateKey.generate()
    form = CertificateIn(
        issuer="某地方CA",
        serial="SN9",
        public_key=key.public_key.hex(),
        valid_from=clock.now(),
        valid_until=clock.now() + timedelta(days=30),
    )
    with pytest.raises(InvalidInput) as err:
        register_certificate(actor_of("alpha"), Entity.objects.get().uscc, form)
    assert err.value.code == "ca_not_recognised"
    assert err.value.rule is not None and "第44条" in err.value.rule.citation
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
