"""Issue 11 §1: platform staff can never become a market entity.

The attack: an operator of any node created an administrator inside a bidder's entity
(`POST /api/registry/entities/{uscc}/users`, 201), then with that user's token saw the bidder's
receipted bid and withdrew it before the deadline; the same operator could register certificates for
any entity. Users of an entity are now created by its own administrators only; operators freeze or
reset an entity's account, with a reason, audited and notified to the entity.
"""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.test import Client

from ggzy.bidding.models import Bid
from ggzy.kernel import clock
from ggzy.kernel.models import AuditEvent, Notification
from ggzy.registry.auth import actor_for_user
from ggzy.registry.models import Account, ApiToken, Certificate
from ggzy.testing import PASSWORD, seal_bid
from ggzy.trading.actions import publish_notice
from ggzy.trading.tests.conftest import Tender, tender  # noqa: F401 - the fixture
from ggzy_guomi import Sm2PrivateKey, sm3_hex

pytestmark = pytest.mark.django_db


def token_for(client: Client, username: str, password: str = PASSWORD) -> str:
    response = client.post(
        "/api/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    return str(response.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post(client: Client, url: str, body: dict[str, Any], token: str) -> Any:
    return client.post(url, body, content_type="application/json", headers=bearer(token))


@pytest.fixture
def receipted(tender: Tender, client: Client) -> Tender:  # noqa: F811
    """Bidding is open and bidder 0 holds a receipt for its sealed bid."""
    from ggzy.bidding.actions import complete_upload, start_upload, write_chunk
    from ggzy.testing import local

    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    entity, key = tender.bidders[0]
    envelope = seal_bid(tender.lot.code, entity, key, "24500000.00")
    actor = tender.bidder_actor(0)
    job, _ = start_upload(actor, tender.lot.code, len(envelope), sm3_hex(envelope))
    write_chunk(actor, job.public_id, 0, len(envelope), envelope)
    complete_upload(actor, job.public_id)
    return tender


def test_an_operator_cannot_plant_an_administrator_in_a_bidder(receipted: Tender, client: Client) -> None:
    bidder = receipted.bidders[0][0]
    op = token_for(client, "op")
    planted = {"username": "plant", "password": PASSWORD, "name": "内鬼", "mobile": "13995000099"}
    response = post(client, f"/api/registry/entities/{bidder.uscc}/users", {**planted, "is_admin": True}, op)
    assert response.status_code == 403, response.json()
    assert response.json()["code"] == "entity_manager_required"
    assert response.json()["message"]["en"].startswith("Only the entity's own administrators")
    assert not User.objects.filter(username="plant").exists()
    # Had it been created, this is what it would have done: the bid is still there, untouched.
    assert Bid.objects.get(bidder=bidder).status == Bid.Status.SUBMITTED
    assert not AuditEvent.objects.filter(action="registry.add_entity_user").exists()


def test_the_bidders_own_administrator_still_adds_its_staff(receipted: Tender, client: Client) -> None:
    bidder = receipted.bidders[0][0]
    body = {"username": "tb0b", "password": PASSWORD, "name": "周文博", "mobile": "13995000009"}
    response = post(client, f"/api/registry/entities/{bidder.uscc}/users", body, token_for(client, "tb0"))
    assert response.status_code == 201
    mine = client.get(f"/api/bids/{receipted.lot.code}/mine", headers=bearer(token_for(client, "tb0b")))
    assert mine.status_code == 200  # the entity's own staff see its bid


@pytest.mark.parametrize("staff", ["op", "reg"])
def test_staff_cannot_register_a_certificate_for_an_entity(
    receipted: Tender, client: Client, staff: str
) -> None:
    """Neither the old self-declared form nor the new challenge flow works for staff."""
    from datetime import timedelta

    bidder = receipted.bidders[0][0]
    token = token_for(client, staff)
    key = Sm2PrivateKey.generate()
    before = Certificate.objects.count()
    old_form = {
        "issuer": "GGZY演示CA",
        "serial": "EVIL-1",
        "public_key": key.public_key.to_pem(),
        "valid_from": clock.now().isoformat(),
        "valid_until": (clock.now() + timedelta(days=365)).isoformat(),
        "certificate": "-",
        "challenge": "0" * 64,
        "signature": "00",
    }
    response = post(client, f"/api/registry/entities/{bidder.uscc}/certificates", old_form, token)
    assert response.status_code == 403, response.json()
    assert response.json()["code"] == "entity_manager_required"
    challenge = post(client, f"/api/registry/entities/{bidder.uscc}/certificates/challenge", {}, token)
    assert challenge.status_code == 403
    assert Certificate.objects.count() == before


def test_a_staff_account_never_carries_an_entity(receipted: Tender) -> None:
    bidder = receipted.bidders[0][0]
    operator = Account.objects.get(user__username="op")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=operator.pk).update(entity=bidder, is_entity_admin=True)
    # And were a row ever written by hand around the constraint, the actor still has no entity.
    operator.entity = bidder
    operator.is_entity_admin = True
    actor = actor_for_user(operator.user)
    assert actor.entity_id is None and not actor.is_entity_admin


def test_operator_registering_at_the_counter_never_knows_the_password(client: Client, network: dict) -> None:
    from ggzy.registry.tests.test_registration import registration

    response = post(
        client, "/api/registry/entities", registration(username="counter"), token_for(client, "op")
    )
    assert response.status_code == 201, response.json()
    response = client.post(
        "/api/auth/token", {"username": "counter", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 401  # the password the operator typed does not open the account
    code = reset_code("counter")
    assert complete(client, "counter", code, "Another-pass-2026").status_code == 204
    assert token_for(client, "counter", "Another-pass-2026")


def reset_code(username: str) -> str:
    message = Notification.objects.filter(recipient__username=username, channel="sms").latest("pk")
    return message.body.split("重置码：")[1].split("（")[0]


def complete(client: Client, username: str, code: str, password: str) -> Any:
    return client.post(
        "/api/auth/password-reset",
        {"username": username, "code": code, "password": password},
        content_type="application/json",
    )


def test_operator_freezes_an_entity_account_with_a_reason(receipted: Tender, client: Client) -> None:
    bidder = receipted.bidders[0][0]
    tb0 = token_for(client, "tb0")
    op = token_for(client, "op")
    response = post(
        client, "/api/registry/entity-accounts/tb0/freeze", {"reason": "涉嫌串通投标，暂停使用"}, op
    )
    assert response.status_code == 200, response.json()
    assert response.json()["frozen"] is True
    assert client.get("/api/auth/me", headers=bearer(tb0)).status_code == 401  # its tokens stop working
    response = client.post(
        "/api/auth/token", {"username": "tb0", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 401
    event = AuditEvent.objects.get(action="registry.freeze_entity_account")
    assert event.role == "operator"
    assert event.payload["reason"] == "涉嫌串通投标，暂停使用"
    assert event.payload["entity"] == bidder.uscc
    told = Notification.objects.filter(recipient__username="tb0", subject__contains="冻结")
    assert "涉嫌串通投标" in told.get().body
    # No reason, no freeze; unfreezing is recorded too.
    assert (
        post(
            client, "/api/registry/entity-accounts/tb0/freeze", {"reason": " ", "frozen": False}, op
        ).status_code
        == 422
    )
    response = post(
        client, "/api/registry/entity-accounts/tb0/freeze", {"reason": "核查完毕", "frozen": False}, op
    )
    assert response.json()["frozen"] is False
    assert token_for(client, "tb0")
    # Freezing is not acting as the entity: the bid was never touched.
    assert Bid.objects.get(bidder=bidder).status == Bid.Status.SUBMITTED


def test_operator_resets_an_entity_account_without_learning_anything(
    receipted: Tender, client: Client
) -> None:
    tb0 = token_for(client, "tb0")
    op = token_for(client, "op")
    response = post(client, "/api/registry/entity-accounts/tb0/reset", {"reason": "本人申请：密码遗失"}, op)
    assert response.status_code == 200
    body = response.json()
    assert body["password_reset_pending"] is True
    assert "code" not in body and "password" not in body
    assert not ApiToken.objects.filter(user__username="tb0", revoked_at__isnull=True).exists()
    assert client.get("/api/auth/me", headers=bearer(tb0)).status_code == 401
    event = AuditEvent.objects.get(action="registry.reset_entity_account")
    code = reset_code("tb0")
    assert code not in str(event.payload)
    assert complete(client, "tb0", "wrong-code", "Another-pass-2026").json()["code"] == "reset_code_invalid"
    assert complete(client, "tb0", code, "Another-pass-2026").status_code == 204
    assert complete(client, "tb0", code, "Third-pass-2026x").status_code == 422  # single use
    assert token_for(client, "tb0", "Another-pass-2026")


def test_only_operators_of_the_entitys_node_or_above_freeze_it(
    receipted: Tender, client: Client, network: dict
) -> None:
    from ggzy.registry.actions import create_staff_account
    from ggzy.registry.schemas import StaffAccountIn
    from ggzy.testing import actor_of

    create_staff_account(
        actor_of("op"),
        StaffAccountIn(
            username="op_wz",
            password=PASSWORD,
            name="吴忠运营",
            mobile="13900000011",
            kind="operator",
            node_id=network["wuzhong"].pk,
        ),
    )
    body = {"reason": "测试"}
    response = post(client, "/api/registry/entity-accounts/tb0/freeze", body, token_for(client, "op_wz"))
    assert response.status_code == 403
    assert response.json()["code"] == "operator_node"
    for staff in ["reg", "tb1"]:  # regulators and other entities do not freeze accounts
        response = post(client, "/api/registry/entity-accounts/tb0/freeze", body, token_for(client, staff))
        assert response.status_code == 403
    # Staff accounts are not entity accounts: this endpoint does not reach them.
    response = post(client, "/api/registry/entity-accounts/reg/freeze", body, token_for(client, "op"))
    assert response.status_code == 404


def test_the_reset_code_goes_to_the_holders_phone_and_is_not_kept(
    receipted: Tender, client: Client, settings: Any
) -> None:
    """Attack first: the code sat in the notification's body, readable to whoever reads the database (or,
    before, the admin's notification pages): an operator could reset an account and take it over."""
    from ggzy.kernel import notify
    from ggzy.kernel.roles import Actor
    from ggzy.testing import CapturingNotifier

    settings.NOTIFIER = "ggzy.testing.CapturingNotifier"
    CapturingNotifier.sent.clear()
    post(client, "/api/registry/entity-accounts/tb0/reset", {"reason": "本人申请"}, token_for(client, "op"))
    code = reset_code("tb0")  # queued, not yet sent
    message = Notification.objects.filter(recipient__username="tb0", channel="sms").latest("created_at")
    notify.deliver(Actor.system("notifier"), message.pk)
    assert any(code in body for _, _, body in CapturingNotifier.sent)  # the gateway got it
    kept = Notification.objects.get(pk=message.pk)
    assert kept.status == Notification.Status.SENT
    assert code not in kept.body and not kept.body_after_send and "平台不保存" in kept.body
    assert complete(client, "tb0", code, "Another-pass-2026").status_code == 204
