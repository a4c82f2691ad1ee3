"""The collusion screen of a real lot at the close of its opening: fingerprints from the envelopes, IPs,
certificates, bond accounts, project managers and plaintext digests; the score and the S16 alert; who may
see the screen."""

import pytest
from django.apps import apps
from django.test import Client

from ggzy.kernel import events
from ggzy.kernel.errors import PermissionDenied
from ggzy.supervision import queries
from ggzy.supervision.collusion.lot import screen_window
from ggzy.supervision.models import Alert, LotScreen
from ggzy.supervision.tests.conftest import BidSpec, bidder_actor, fingerprint, open_lot
from ggzy.testing import PASSWORD
from ggzy.trading.models import Lot
from ggzy.trading.tests.conftest import Tender

pytestmark = pytest.mark.django_db

DISPERSED = ["24100000.00", "22900000.00", "23750000.00", "21800000.00"]


def test_shared_machine_and_manager_raise_a_critical_alert_with_the_evidence(tender: Tender) -> None:
    same = fingerprint(0, missing=["cpu"], cpu_sm3="")  # one machine; its CPU listed as missing
    opened = open_lot(
        tender,
        [
            BidSpec(0, "23000000.00", manager="王建国", fingerprint=same),
            BidSpec(
                1,
                "23100000.00",
                manager="王建国",
                fingerprint=fingerprint(1, mac_sm3=same["mac_sm3"], disk_sm3=same["disk_sm3"]),
            ),
            BidSpec(2, "23200000.00", technical="施工组织设计（投标人0）".encode()),
            BidSpec(3, "21800000.00", payer="6222000000000003", ip="10.9.9.9"),
        ],
    )
    assert opened.lot.state == Lot.State.EVALUATION
    events.on_lot_advanced(opened.lot)  # the hook trading.procedure._advance_lot calls after commit
    screen = LotScreen.objects.get(lot=opened.lot)
    pairs = {(p["a"], p["b"]): p for p in screen.pairs}
    u = [tender.bidders[i][0].uscc for i in range(4)]
    key01 = tuple(sorted((u[0], u[1])))
    assert set(pairs[key01]["signals"]) >= {"same_machine", "same_manager"}
    assert pairs[key01]["presumption"] == ["same_machine", "same_manager"]
    key02 = tuple(sorted((u[0], u[2])))
    assert "same_document" in pairs[key02]["signals"]  # identical technical file after decryption
    alert = Alert.objects.get(rule_id="S16", lot=opened.lot)
    assert alert.severity == "critical"
    assert "第40条(一)" in alert.basis_citation and "第40条(三)" in alert.basis_citation
    assert alert.evidence["pairs"][0]["presumption"]
    assert alert.evidence["screens"]["cv"] is not None
    assert alert.department is not None and alert.department.name == "住房和城乡建设厅"
    # a second hook or the sweep does not raise it again
    events.on_lot_advanced(opened.lot)
    assert Alert.objects.filter(rule_id="S16", lot=opened.lot).count() == 1
    # the nightly re-screen reuses the plaintext digests kept with the screen (no file read)
    assert screen.documents[opened.bids[2].receipt_no]
    screen_window()
    rescreened = {(p["a"], p["b"]): p for p in LotScreen.objects.get(lot=opened.lot).pairs}
    assert "same_document" in rescreened[key02]["signals"]
    assert Alert.objects.filter(rule_id="S16", lot=opened.lot).count() == 1


def test_a_clean_lot_is_screened_and_stays_quiet(tender: Tender) -> None:
    opened = open_lot(tender, [BidSpec(i, price) for i, price in enumerate(DISPERSED)])
    events.on_lot_advanced(opened.lot)
    screen = LotScreen.objects.get(lot=opened.lot)
    assert screen.bidders == 4 and screen.priced == 4
    assert all(not p["signals"] for p in screen.pairs)
    assert screen.score < 60
    assert screen.reference == "simulated-competitive[U]"
    assert not Alert.objects.filter(rule_id="S16").exists()


def test_same_ip_and_bond_account_are_signals(tender: Tender) -> None:
    opened = open_lot(
        tender,
        [
            BidSpec(i, price, ip="10.5.5.5" if i < 2 else None, payer="6222888800001111" if i >= 2 else None)
            for i, price in enumerate(DISPERSED)
        ],
    )
    events.on_lot_advanced(opened.lot)
    signals = {s for p in LotScreen.objects.get(lot=opened.lot).pairs for s in p["signals"]}
    assert {"same_upload_ip", "same_decrypt_ip", "same_bond_account"} <= signals
    assert Alert.objects.get(rule_id="S16").severity == "critical"  # 条例 第40条(六)


def test_who_sees_the_screen(tender: Tender, regulator, finance, network) -> None:  # type: ignore[no-untyped-def]
    opened = open_lot(tender, [BidSpec(i, price) for i, price in enumerate(DISPERSED)])
    events.on_lot_advanced(opened.lot)
    screen, basis = queries.screen_for(regulator, opened.lot.code)
    assert screen.lot_id == opened.lot.pk and "第40条" in basis["citation"]
    with pytest.raises(PermissionDenied):
        queries.screen_for(finance, opened.lot.code)  # not the competent department
    with pytest.raises(PermissionDenied):
        queries.screen_for(bidder_actor(0), opened.lot.code)
    client = Client()
    token = client.post(
        "/api/auth/token", {"username": "reg", "password": PASSWORD}, content_type="application/json"
    )
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    body = client.get(f"/api/supervision/lots/{opened.lot.code}/collusion", headers=headers).json()
    assert body["lot"] == opened.lot.code and len(body["bidder_signals"]) == 4


@pytest.mark.skipif(
    not apps.is_installed("ggzy.evaluation"), reason="the evaluation package is not installed"
)
def test_the_committee_of_the_lot_sees_the_screen(tender: Tender, network) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import User

    from ggzy.evaluation.models import CommitteeMember, Evaluation
    from ggzy.kernel import clock
    from ggzy.registry.actions import create_staff_account
    from ggzy.registry.schemas import StaffAccountIn
    from ggzy.testing import account_form, actor_of

    opened = open_lot(tender, [BidSpec(i, price) for i, price in enumerate(DISPERSED)])
    events.on_lot_advanced(opened.lot)
    for name in ("zj0", "zj9"):
        create_staff_account(
            actor_of("op"),
            StaffAccountIn(**account_form(name).dict(), kind="expert", node_id=network["province"].pk),
        )
    evaluation = Evaluation.objects.create(lot=opened.lot, started_at=clock.now(), planned_end=clock.now())
    CommitteeMember.objects.create(
        evaluation=evaluation, user=User.objects.get(username="zj0"), kind="expert"
    )
    screen, _ = queries.screen_for(actor_of("zj0"), opened.lot.code)
    assert screen.lot_id == opened.lot.pk
    with pytest.raises(PermissionDenied):
        queries.screen_for(actor_of("zj9"), opened.lot.code)  # an expert of another committee
