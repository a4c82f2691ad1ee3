"""框架协议采购 (财政部令第110号), closed agreements: the call runs as an open tender; the report ranks by
price; the organiser admits all but the last 20% and at least one (第27条); the agreement is signed for at
most 1 year (goods); purchases under it are call-offs at the agreement price, by direct selection with its
reasons or by rotation, each member once per cycle (第32–36条)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ggzy.bidding.models import Bond
from ggzy.evaluation import actions, award, framework
from ggzy.evaluation.models import CallOff, FrameworkAgreement
from ggzy.evaluation.schemas import CommitteeIn
from ggzy.evaluation.tests.conftest import Opened, opened_framework
from ggzy.kernel import clock
from ggzy.kernel.errors import GgzyError, InvalidInput
from ggzy.testing import actor_of, local
from ggzy.trading.models import Lot
from ggzy.trading.specs import PROCUREMENT_FRAMEWORK_SPEC

__all__ = ["opened_framework"]
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("qualified", "admitted"), [(2, 1), (4, 3), (5, 4), (6, 4), (10, 8), (11, 8), (15, 12), (16, 12)]
)
def test_at_least_a_fifth_and_at_least_one_are_left_out(qualified: int, admitted: int) -> None:
    assert framework.admitted_number(qualified) == admitted


def reported(o: Opened) -> list[str]:
    members = [*o.experts, "zbdb"]
    actions.start_evaluation(
        actor_of("op"),
        o.lot_code,
        CommitteeIn(experts=o.experts, representatives=["zbdb"], chair=o.experts[0]),
    )
    for username in members:
        actions.sign_in(actor_of(username), o.lot_code, o.keys[username].public_key.to_pem(), True)
    evaluation = actions.finish_scoring(actor_of(members[0]), o.lot_code)
    with evaluation.report_pdf.open("rb") as pdf:
        data = pdf.read()
    for username in members:
        actions.sign_report(actor_of(username), o.lot_code, o.keys[username].sign(data).hex())
    return members


def test_the_call_admits_suppliers_who_then_serve_call_offs(opened_framework: Opened, tmp_path: Path) -> None:
    o = opened_framework
    lot = Lot.objects.get(code=o.lot_code)
    assert lot.procedure == PROCUREMENT_FRAMEWORK_SPEC.key
    reported(o)
    ranked = [(c.rank, c.price) for c in lot.evaluation.candidates.order_by("rank")]
    assert [p for _, p in ranked] == [
        Decimal("4980.00"),
        Decimal("5100.00"),
        Decimal("5200.00"),
        Decimal("5650.00"),
    ]
    with pytest.raises(GgzyError):  # no single winner to confirm
        award.confirm_result(actor_of("zb"), o.lot_code, lot.evaluation.candidates.get(rank=1).bid.receipt_no)
    agreement = framework.admit_suppliers(actor_of("zb"), o.lot_code)
    members = list(agreement.members.order_by("order"))
    assert [m.price for m in members] == [Decimal("4980.00"), Decimal("5100.00"), Decimal("5200.00")]
    assert Lot.objects.get(pk=lot.pk).state == Lot.State.AWARDED
    left_out = lot.evaluation.candidates.get(rank=4).bid.bidder
    assert Bond.objects.get(lot=lot, bidder=left_out).refund_due is not None
    with pytest.raises(GgzyError):
        framework.admit_suppliers(actor_of("zb"), o.lot_code)  # once
    # Goods: at most 1 year from the signing (Tuesday 24 March 2026 → 24 March 2027).
    with pytest.raises(InvalidInput) as long:
        framework.sign_agreement(actor_of("zb"), o.lot_code, date(2027, 3, 25), "ab" * 32)
    assert long.value.code == "framework_term" and "第15条" in long.value.rule.citation  # type: ignore[union-attr]
    signed = framework.sign_agreement(actor_of("zb"), o.lot_code, date(2027, 3, 24), "ab" * 32)
    assert signed.status == FrameworkAgreement.Status.ACTIVE
    assert Lot.objects.get(pk=lot.pk).state == Lot.State.CONTRACTED
    # Call-offs by a purchaser: direct selection needs its reasons, at the agreement price.
    buyer = actor_of("zb")
    with pytest.raises(InvalidInput) as bare:
        framework.call_off(buyer, o.lot_code, "direct", Decimal(10), members[1].supplier.uscc)
    assert bare.value.code == "call_off_reason"
    direct = framework.call_off(
        buyer, o.lot_code, "direct", Decimal(10), members[1].supplier.uscc, "售后网点近"
    )
    assert direct.amount == Decimal("51000.00") and direct.result_due is None
    with pytest.raises(GgzyError) as outsider:
        framework.call_off(buyer, o.lot_code, "direct", Decimal(1), left_out.uscc, "更便宜")
    assert outsider.value.code == "not_a_member"
    # Rotation: each member once per cycle, in the agreement's order, then a new cycle.
    turns = [framework.call_off(buyer, o.lot_code, "rotation", Decimal(2)) for _ in range(4)]
    assert [(t.member.order, t.cycle) for t in turns] == [(1, 0), (2, 0), (3, 0), (1, 1)]
    assert all(t.result_due is not None for t in turns)  # each published within 2 working days
    assert CallOff.objects.filter(agreement=agreement).count() == 5
    # The portal and OCDS: the admitted suppliers at their prices, the agreement and the purchases.
    from django.test import Client

    from ggzy.disclosure.tests.test_ocds import cove

    page = Client().get(f"/portal/projects/{lot.project.code}/").content.decode()
    assert "入围结果" in page and "4980.00" in page and "顺序轮候" in page and "框架协议采购" in page
    assert left_out.name not in page.split("入围结果")[1].split("框架协议项下的采购")[0]
    package = Client().get(f"/api/disclosure/ocds/{lot.project.code}/releases").json()
    assert cove(package, tmp_path, record=False)["validation_errors"] == []
    (admission,) = [r for r in package["releases"] if r["id"].endswith(f"framework-{lot.code}")]
    assert len(admission["awards"][0]["suppliers"]) == 3
    (agreement_release,) = [r for r in package["releases"] if "framework-contract" in r["id"]]
    assert agreement_release["contracts"][0]["value"]["amount"] == 51000 + 2 * (4980 + 5100 + 5200 + 4980)
    from ggzy.disclosure import gcjs

    sets = gcjs.datasets(lot.project)
    assert {row["PURCHASER_MODE"] for row in sets["ZFCG_PURCHASE_PROJECT"]} == {"7"}
    from ggzy.services.archive import archive_lot, verify_package

    with pytest.raises(InvalidInput) as in_force:  # a trade until its term ends
        archive_lot(actor_of("op"), o.lot_code)
    assert in_force.value.code == "framework_in_force"
    # After the term nothing more is bought under it, and the whole of it goes to the archive.
    clock.freeze(local(2027, 3, 25, 9))
    package = archive_lot(actor_of("op"), o.lot_code)
    import io
    import zipfile

    data = package.file.read()
    assert verify_package(data, package.merkle_root).ok
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "framework/agreement.json" in names and "framework/call_offs.json" in names
    with pytest.raises(InvalidInput) as expired:
        framework.call_off(buyer, o.lot_code, "rotation", Decimal(1))
    assert expired.value.code == "framework_not_in_force"


def test_the_desk_admits_and_a_purchaser_buys_on_the_pages(opened_framework: Opened) -> None:
    from django.contrib.auth.models import User
    from django.test import Client

    o = opened_framework
    reported(o)
    zb = Client()
    zb.force_login(User.objects.get(username="zb"))
    desk = f"/evaluation/lots/{o.lot_code}/award/"
    assert "确定入围供应商" in zb.get(desk).content.decode()
    assert zb.post(desk + "admission/").status_code == 302
    page = zb.get(desk).content.decode()
    assert "框架协议签订期限" in page and "登记签订的框架协议" in page
    signed = zb.post(
        desk + "agreement/", {"agreement-term_until": "2027-03-24", "agreement-agreement_sm3": "ab" * 32}
    )
    assert signed.status_code == 302
    buy = f"/evaluation/frameworks/{o.lot_code}/"
    assert "确定成交供应商" in zb.get(buy).content.decode()
    refused = zb.post(
        buy + "call-offs/", {"calloff-method": "direct", "calloff-supplier_uscc": "", "calloff-quantity": "2"}
    )
    assert refused.status_code in {404, 422}
    assert (
        zb.post(buy + "call-offs/", {"calloff-method": "rotation", "calloff-quantity": "2"}).status_code
        == 302
    )
    assert CallOff.objects.count() == 1
