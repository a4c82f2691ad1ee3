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


@pytest.mark.parametrize("method", ["negotiation", "consultation"])
def test_negotiation_from_first_responses_to_archive(network, method: str) -> None:  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from ggzy.bidding.models import Bond, Round
    from ggzy.evaluation.actions import plan_of
    from ggzy.evaluation.models import Award, NegotiationMessage, RequirementChange, Score
    from ggzy.evaluation.rules import evaluation_rules_for
    from ggzy.services.models import ArchivePackage
    from ggzy.trading.specs import SPECS

    lines: list[str] = []
    outcome = TenderSimulation(4, lines.append, kind="procurement", method=method).execute()
    lot = Lot.objects.get(code=outcome.lot_code)
    spec = SPECS[lot.procedure]
    assert spec.id == f"procurement_{method}" and spec.rules.negotiation is not None
    assert outcome.state == Lot.State.ARCHIVED
    # The first responses, sealed and opened like bids; then one round of revised responses and the
    # final offers, one supplier having left in between.
    assert [r["status"] for r in outcome.opening_rows] == ["decrypted"] * 4
    assert [(r["number"], r["final"]) for r in outcome.rounds] == [(1, False), (2, True)]
    assert Round.objects.filter(lot=lot, status=Round.Status.CLOSED).count() == 2
    first = {r["bidder"]: Decimal(str(r["price"])) for r in outcome.opening_rows}
    revised = {r["bidder"]: Decimal(str(r["price"])) for r in outcome.rounds[0]["rows"]}  # type: ignore[attr-defined]
    assert len(revised) == 4 and all(revised[b] < first[b] for b in revised)
    (left,) = outcome.left
    assert set(outcome.final_offers) == set(revised) - {left}
    assert all(outcome.final_offers[b] < revised[b] for b in outcome.final_offers)
    leaver = Bid.objects.filter(lot=lot, bidder__name=left)
    # Its first response was superseded by its revised one, which it withdrew on leaving.
    assert {b.status for b in leaver} == {Bid.Status.SUPERSEDED, Bid.Status.WITHDRAWN}
    assert leaver.get(status=Bid.Status.WITHDRAWN).round_id is not None
    assert Bond.objects.get(lot=lot, bidder__name=left).status == Bond.Status.REFUNDED
    # The panel met every supplier before each round; the change went to all four, confirmed.
    change = RequirementChange.objects.get(evaluation__lot=lot)
    assert change.confirmed_at is not None
    written = NegotiationMessage.objects.filter(evaluation__lot=lot, text__startswith="【采购需求实质性变动")
    assert written.count() == 4
    assert NegotiationMessage.objects.filter(evaluation__lot=lot, from_panel=False).count() == 4 + 3
    # The candidates are the final offers, at the prices of the last round.
    candidates = list(lot.evaluation.candidates.select_related("bid__bidder", "bid__round").order_by("rank"))
    assert {c.bid.bidder.name: c.price for c in candidates} == outcome.final_offers
    assert all(c.bid.round is not None and c.bid.round.final for c in candidates)
    assert Award.objects.get(lot=lot).winner == candidates[0].bid
    if method == "negotiation":  # ranked by the lowest final price, nothing scored
        assert [c.price for c in candidates] == sorted(outcome.final_offers.values())
        assert not Score.objects.filter(bid__lot=lot).exists()
    else:  # comprehensive scoring of the final offers, the plan within the band for goods
        plan = plan_of(lot)
        rules = evaluation_rules_for(lot)
        band = rules.min_price_points["goods"].value, rules.max_price_points["goods"].value
        assert plan.method == "comprehensive" and band[0] <= plan.price_points <= band[1]
        assert plan.price_points + sum(c.max_points for c in plan.criteria) == 100
        scored = Score.objects.filter(bid__lot=lot)
        assert {s.bid.round.final for s in scored.select_related("bid__round")} == {True}  # type: ignore[union-attr]
        assert scored.values("member").distinct().count() == 5
        assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)
    assert any("最后报价解密完毕" in line for line in lines)
    assert any(f"{spec.wording.winner}" in line and "6b" in line for line in lines)
    assert verify_chain().intact
    call_command("verify_archive", ArchivePackage.objects.get().lot.code)


def test_command_takes_suppliers(network, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from ggzy.demo.management.commands.simulate import Command

    parser = Command().create_parser("ggzy", "simulate")
    for name in ("--suppliers", "--bidders"):  # --bidders stays as an alias
        assert parser.parse_args(["procurement", "--method", "negotiation", name, "4"]).bidders == 4
    assert (
        parser.parse_args(["procurement", "--method", "framework", "--suppliers", "6"]).method == "framework"
    )
    # With the fewest suppliers the final offers need (3), nobody leaves the negotiation.
    call_command("simulate", "procurement", "--method", "consultation", "--suppliers", "3")
    out = capsys.readouterr().out
    assert "磋商小组已分别与3家供应商磋商" in out and "退出磋商" not in out
    assert "最后报价解密完毕" in out and "归档 archived" in out and "审计链 audit chain: 完整 intact" in out


@pytest.mark.parametrize("suppliers", [5, 2])
def test_framework_admits_signs_and_serves_call_offs(network, suppliers: int) -> None:  # type: ignore[no-untyped-def]
    from decimal import Decimal
    from math import ceil

    from ggzy.bidding.models import Bond
    from ggzy.evaluation.models import Award, CallOff, FrameworkAgreement
    from ggzy.services.models import ArchivePackage
    from ggzy.trading.specs import PROCUREMENT_FRAMEWORK_SPEC

    lines: list[str] = []
    outcome = TenderSimulation(suppliers, lines.append, kind="procurement", method="framework").execute()
    lot = Lot.objects.get(code=outcome.lot_code)
    assert lot.procedure == PROCUREMENT_FRAMEWORK_SPEC.key and lot.control_price == Decimal("6000")
    # Unit prices under the 最高限制单价, all opened; no single winner, so no award.
    prices = [Decimal(str(r["price"])) for r in outcome.opening_rows]
    assert len(prices) == suppliers and all(p < lot.control_price for p in prices)
    assert not Award.objects.filter(lot=lot).exists()
    # All but the last 20% and at least one admitted, in price order, at their own response prices.
    agreement = FrameworkAgreement.objects.get(lot=lot)
    admitted = suppliers - max(1, ceil(0.2 * suppliers))
    offered = {str(r["bidder"]): Decimal(str(r["price"])) for r in outcome.opening_rows}
    assert [a["order"] for a in outcome.admitted] == list(range(1, admitted + 1))
    assert [a["price"] for a in outcome.admitted] == sorted(prices)[:admitted]
    assert all(a["price"] == offered[str(a["supplier"])] for a in outcome.admitted)
    left_out = set(offered) - {str(a["supplier"]) for a in outcome.admitted}
    assert len(left_out) == suppliers - admitted
    assert all(offered[name] >= outcome.admitted[-1]["price"] for name in left_out)  # type: ignore[operator]
    members = agreement.members.select_related("supplier").order_by("order")
    assert [(m.supplier.name, m.price) for m in members] == [
        (a["supplier"], a["price"]) for a in outcome.admitted
    ]
    assert agreement.status == FrameworkAgreement.Status.ACTIVE and agreement.term_until is not None
    assert agreement.term_from is not None  # goods: one year to the day before (第15条: at most a year)
    assert (agreement.term_until - agreement.term_from).days in (364, 365)
    # Every deposit back: the left-out after the admission, the admitted after the signing.
    assert set(Bond.objects.filter(lot=lot).values_list("status", flat=True)) == {Bond.Status.REFUNDED}
    # The call-offs: one direct with its reasons, then rotation round every member and into cycle 2,
    # each at the member's agreement price.
    price_of = {a["supplier"]: a["price"] for a in outcome.admitted}
    assert [c["method"] for c in outcome.call_offs] == ["direct"] + ["rotation"] * (admitted + 1)
    assert all(c["unit_price"] == price_of[c["supplier"]] for c in outcome.call_offs)
    assert all(c["amount"] == c["unit_price"] * c["quantity"] for c in outcome.call_offs)  # type: ignore[operator]
    rotation = [(c["order"], c["cycle"]) for c in outcome.call_offs[1:]]
    assert rotation == [(i, 0) for i in range(1, admitted + 1)] + [(1, 1)]
    made = CallOff.objects.filter(agreement=agreement).select_related("member")
    assert made.count() == admitted + 2 and all(c.unit_price == c.member.price for c in made)
    direct = CallOff.objects.get(agreement=agreement, method="direct")
    assert direct.reason and direct.result_due is None
    assert CallOff.objects.filter(agreement=agreement, result_due__isnull=False).count() == admitted + 1
    assert any("确定入围供应商" in line and "第27条" in line for line in lines)
    assert any("签订框架协议" in line and "第15条" in line for line in lines)
    # The archive takes the lot once the agreement is signed; the audit chain stays whole.
    assert outcome.state == Lot.State.ARCHIVED
    call_command("verify_archive", ArchivePackage.objects.get().lot.code)
    assert verify_chain().intact
