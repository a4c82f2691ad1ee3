"""The scenarios: a whole construction tender and a whole government procurement through the real bidder
tool and HTTP API, on the virtual clock."""

import pytest
from django.core.management import call_command

from ggzy.bidding.models import Bid
from ggzy.demo.simulate import TenderSimulation
from ggzy.kernel import clock
from ggzy.kernel.audit import verify_chain
from ggzy.trading.models import Lot

pytestmark = pytest.mark.django_db


def test_tender_from_notice_to_archive(network) -> None:  # type: ignore[no-untyped-def]
    lines: list[str] = []
    outcome = TenderSimulation(5, lines.append, skip_decrypt=1).execute()
    assert outcome.state == Lot.State.ARCHIVED
    statuses = sorted(r["status"] for r in outcome.opening_rows)
    assert statuses == ["decrypted"] * 4 + ["deemed_revoked"]
    assert all(r["bond"] == "paid" for r in outcome.opening_rows)
    prices = [r["price"] for r in outcome.opening_rows if r["status"] == "decrypted"]
    assert all(p is not None and p.startswith("24") for p in prices)
    assert len(set(outcome.receipts)) == 5
    assert Bid.objects.filter(status=Bid.Status.DECRYPTED).count() == 4
    assert verify_chain().intact
    assert not clock.is_frozen()
    assert any("开标记录" in line for line in lines)
    assert any("归档 archived" in line and "intact" in line for line in lines)
    from ggzy.services.models import ArchivePackage

    package = ArchivePackage.objects.get()
    call_command("verify_archive", package.lot.code)


def test_too_few_bidders_fail(network) -> None:  # type: ignore[no-untyped-def]
    outcome = TenderSimulation(2, lambda _: None).execute()
    assert outcome.state == Lot.State.FAILED
    assert outcome.opening_rows == []


def test_command_prints_the_steps(network, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    call_command("simulate", "tender", "--bidders", "3")
    out = capsys.readouterr().out
    assert "回执 receipt" in out
    assert "审计链 audit chain: 完整 intact" in out


@pytest.mark.parametrize("method", ["open", "invited"])
def test_procurement_from_notice_to_archive(network, method: str) -> None:  # type: ignore[no-untyped-def]
    from ggzy.evaluation.models import Award
    from ggzy.services.models import ArchivePackage
    from ggzy.trading.specs import PROCUREMENT_TENDER_SPEC

    lines: list[str] = []
    outcome = TenderSimulation(4, lines.append, kind="procurement", method=method).execute()
    lot = Lot.objects.get(code=outcome.lot_code)
    assert lot.procedure == PROCUREMENT_TENDER_SPEC.key and lot.project.category == "procurement"
    assert outcome.state == Lot.State.ARCHIVED
    assert all(set(r) >= {"price", "delivery_days", "brand"} and "sme" not in r for r in outcome.opening_rows)
    award = Award.objects.get(lot=lot)
    assert not award.deemed and award.reported_at is not None  # the purchaser decided; the contract filed
    assert any("采购人确定中标供应商" in line for line in lines)
    assert any("5个工作日" in line for line in lines)  # the documents' period in working days
    if method == "invited":  # four drawn at random from a pool of eight
        assert any("随机抽取被邀请供应商 drew 4 of 8" in line and "verifiable" in line for line in lines)
        assert lot.notice is not None and lot.notice.invitees.count() == 4
    assert verify_chain().intact
    call_command("verify_archive", ArchivePackage.objects.get().lot.code)


def test_rfq_from_notice_to_archive(network) -> None:  # type: ignore[no-untyped-def]
    from ggzy.evaluation.models import Award
    from ggzy.trading.specs import PROCUREMENT_RFQ_SPEC

    lines: list[str] = []
    outcome = TenderSimulation(3, lines.append, kind="procurement", method="rfq").execute()
    lot = Lot.objects.get(code=outcome.lot_code)
    assert lot.procedure == PROCUREMENT_RFQ_SPEC.key and outcome.state == Lot.State.ARCHIVED
    candidates = list(lot.evaluation.candidates.order_by("rank"))
    assert [c.price for c in candidates] == sorted(c.price for c in candidates)  # the lowest quote first
    award = Award.objects.get(lot=lot)
    assert award.winner == candidates[0].bid and award.publicity_until == award.publicity_from
    assert any("3个工作日" in line and "询价通知书" in line for line in lines)
    assert verify_chain().intact


def test_single_source_from_publicity_to_archive(network) -> None:  # type: ignore[no-untyped-def]
    from ggzy.evaluation.models import Award
    from ggzy.trading.specs import PROCUREMENT_SINGLE_SOURCE_SPEC

    lines: list[str] = []
    outcome = TenderSimulation(5, lines.append, kind="procurement", method="single_source").execute()
    lot = Lot.objects.get(code=outcome.lot_code)
    assert lot.procedure == PROCUREMENT_SINGLE_SOURCE_SPEC.key and outcome.state == Lot.State.ARCHIVED
    assert len(outcome.receipts) == 1 and Award.objects.get(lot=lot).winner is not None
    assert any("单一来源采购公示" in line and "5个工作日" in line for line in lines)
    from ggzy.disclosure import ocds

    (tender,) = [r["tender"] for r in ocds.release_package(lot.project)["releases"] if r["tag"] == ["tender"]]
    assert (
        tender["procurementMethod"] == "limited"
        and tender["procurementMethodDetails"] == "政府采购单一来源采购"
    )
    assert verify_chain().intact
