"""A lot from the closed opening to the archive: committee, scores, report, publicity, award, contract."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ggzy.bidding.actions import refund_bond
from ggzy.bidding.models import Bond
from ggzy.evaluation import actions, award
from ggzy.evaluation.models import Award, Evaluation
from ggzy.evaluation.schemas import CommitteeIn
from ggzy.evaluation.tests.conftest import Opened, opened
from ggzy.kernel import clock
from ggzy.kernel.audit import verify_chain
from ggzy.kernel.errors import GgzyError, InvalidInput, PermissionDenied
from ggzy.services.archive import archive_lot
from ggzy.testing import actor_of, local
from ggzy.trading.models import Lot

__all__ = ["opened"]
pytestmark = pytest.mark.django_db

POINTS = [
    {"T1": Decimal(18), "T2": Decimal(8), "B1": Decimal(9)},
    {"T1": Decimal(15), "T2": Decimal(7), "B1": Decimal(8)},
    {"T1": Decimal(19), "T2": Decimal(9), "B1": Decimal(9)},
    {"T1": Decimal(12), "T2": Decimal(6), "B1": Decimal(7)},
]


def committee(o: Opened) -> list[str]:
    members = [*o.experts[:4], "zbdb"]
    actions.start_evaluation(
        actor_of("op"),
        o.lot_code,
        CommitteeIn(experts=o.experts[:4], representatives=["zbdb"], chair=o.experts[0]),
    )
    for username in members:
        actions.sign_in(actor_of(username), o.lot_code, o.keys[username].public_key.to_pem(), True)
    return members


def score_all(o: Opened, members: list[str]) -> None:
    for username in members:
        actions.submit_scores(actor_of(username), o.lot_code, {o.receipts[i]: POINTS[i] for i in range(4)})


def reported(o: Opened) -> Evaluation:
    members = committee(o)
    score_all(o, members)
    evaluation = actions.finish_scoring(actor_of(o.experts[0]), o.lot_code)
    with evaluation.report_pdf.open("rb") as pdf:
        data = pdf.read()
    for username in members:
        evaluation = actions.sign_report(actor_of(username), o.lot_code, o.keys[username].sign(data).hex())
    return evaluation


def test_committee_report_and_candidates(opened: Opened) -> None:
    evaluation = reported(opened)
    assert evaluation.status == Evaluation.Status.REPORTED
    ranks = [(c.rank, c.bid.receipt_no, c.score) for c in evaluation.candidates.select_related("bid")]
    assert ranks == [
        (1, opened.receipts[2], Decimal("95.65")),
        (2, opened.receipts[0], Decimal("93.29")),
        (3, opened.receipts[1], Decimal("89.01")),
    ]
    with evaluation.report_pdf.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert "评标报告" in evaluation.report_html
    assert len(evaluation.report_sm3) == 64


def test_scores_beyond_the_maximum_are_refused(opened: Opened) -> None:
    committee(opened)
    with pytest.raises(InvalidInput) as err:
        actions.submit_scores(
            actor_of(opened.experts[1]), opened.lot_code, {opened.receipts[0]: {"T1": Decimal("20.01")}}
        )
    assert err.value.code == "score_out_of_range"


def test_report_needs_every_score_and_the_chair(opened: Opened) -> None:
    members = committee(opened)
    actions.submit_scores(
        actor_of(members[0]), opened.lot_code, {opened.receipts[i]: POINTS[i] for i in range(4)}
    )
    with pytest.raises(PermissionDenied):
        actions.finish_scoring(actor_of(members[1]), opened.lot_code)
    with pytest.raises(InvalidInput) as err:
        actions.finish_scoring(actor_of(members[0]), opened.lot_code)
    assert err.value.code == "scores_incomplete"


def test_rejected_bid_is_not_ranked(opened: Opened) -> None:
    members = committee(opened)
    with pytest.raises(InvalidInput) as bad:
        actions.reject_bid(actor_of(members[0]), opened.lot_code, opened.receipts[2], "whim", "x")
    assert bad.value.rule is not None and "第51条" in bad.value.rule.citation
    actions.reject_bid(
        actor_of(members[0]), opened.lot_code, opened.receipts[2], "not_responsive", "工期不满足招标文件要求"
    )
    for username in members:
        actions.submit_scores(
            actor_of(username), opened.lot_code, {opened.receipts[i]: POINTS[i] for i in (0, 1, 3)}
        )
    evaluation = actions.finish_scoring(actor_of(members[0]), opened.lot_code)
    assert [c.bid.receipt_no for c in evaluation.candidates.all()] == [
        opened.receipts[0],
        opened.receipts[1],
        opened.receipts[3],
    ]


# T9 条例 第48条: more than a third of the members asking extends the time.
def test_t9_extension_needs_more_than_a_third(opened: Opened) -> None:
    members = committee(opened)
    planned = Evaluation.objects.get().planned_end
    actions.ask_extension(actor_of(members[0]), opened.lot_code)
    assert Evaluation.objects.get().planned_end == planned  # 1 of 5 is not more than 1/3
    evaluation = actions.ask_extension(actor_of(members[1]), opened.lot_code)
    assert evaluation.planned_end > planned  # 2 of 5 is


def publicity(o: Opened, start_day: int = 24, end_day: int = 27) -> Award:
    return award.publish_candidates(
        o.tender.manager, o.lot_code, local(2026, 3, start_day, 10), local(2026, 3, end_day, 10)
    )


# T11 条例 第54条: publicity within 3 days of the report, lasting at least 3 days.
def test_t11_publicity_periods(opened: Opened) -> None:
    reported(opened)  # reported on Tue 24 March
    with pytest.raises(InvalidInput) as short:
        publicity(opened, 24, 26)
    assert short.value.code == "publicity_too_short"
    with pytest.raises(InvalidInput) as late:
        award.publish_candidates(
            opened.tender.manager, opened.lot_code, local(2026, 3, 28, 10), local(2026, 3, 31, 10)
        )
    assert late.value.code == "publicity_start"
    assert publicity(opened, 24, 27).lot.state == Lot.State.PUBLICITY


def test_award_waits_for_publicity_and_objections(opened: Opened) -> None:
    reported(opened)
    publicity(opened)
    clock.freeze(local(2026, 3, 25, 10))
    objection = award.object_to_result(opened.tender.bidder_actor(1), opened.lot_code, "评分有误")
    with pytest.raises(InvalidInput) as early:
        award.award_lot(opened.tender.manager, opened.lot_code, opened.receipts[2])
    assert early.value.code == "publicity_running"
    clock.freeze(local(2026, 3, 27, 10))
    with pytest.raises(InvalidInput) as pending:
        award.award_lot(opened.tender.manager, opened.lot_code, opened.receipts[2])
    assert pending.value.code == "objection_pending"
    from ggzy.trading.actions import answer_objection

    answer_objection(opened.tender.manager, objection.pk, "经复核评分无误")
    # T12 条例 第55条: a state-funded project awards the first-ranked candidate.
    with pytest.raises(InvalidInput) as second:
        award.award_lot(opened.tender.manager, opened.lot_code, opened.receipts[0])
    assert second.value.code == "first_ranked_required"
    done = award.award_lot(opened.tender.manager, opened.lot_code, opened.receipts[2])
    # 30 days: Sun 26 April rolls to Mon 27 April; due through its end.
    assert done.contract_due == local(2026, 4, 28, 0)
    # 15 days: Sat 11 April rolls to Mon 13 April; due through its end.
    assert done.report_due == local(2026, 4, 14, 0)


def awarded(o: Opened) -> Award:
    reported(o)
    publicity(o)
    clock.freeze(local(2026, 3, 27, 10))
    return award.award_lot(o.tender.manager, o.lot_code, o.receipts[2])


# T16 条例 第58条: performance bond ≤ 10%; T13 contract within 30 days; T15 bonds back within 5 days.
def test_contract_and_bond_refunds(opened: Opened) -> None:
    awarded(opened)
    with pytest.raises(InvalidInput) as high:
        award.sign_contract(
            opened.tender.manager, opened.lot_code, Decimal("24450000"), Decimal("2445000.01"), "a" * 64
        )
    assert high.value.code == "performance_bond_too_high"
    signed = award.sign_contract(
        opened.tender.manager, opened.lot_code, Decimal("24450000"), Decimal("2445000.00"), "a" * 64
    )
    assert signed.contract_late is False
    bonds = Bond.objects.filter(lot__code=opened.lot_code)
    assert {b.refund_due for b in bonds} == {local(2026, 4, 2, 0)}  # 5 days from Fri 27 March: Wed 1 April
    clock.freeze(local(2026, 4, 1, 16))
    refunded = refund_bond(actor_of("op"), bonds[0].pk)
    assert refunded.refunded_late is False
    assert refunded.interest > 0  # 银行同期存款利息


def test_late_contract_and_report_are_flagged(opened: Opened) -> None:
    from ggzy.kernel import chronograph

    awarded(opened)
    clock.freeze(local(2026, 4, 13, 23, 59))
    chronograph.sweep()
    assert Award.objects.get().report_late is False
    clock.freeze(local(2026, 4, 14, 0, 1))
    chronograph.sweep()
    assert Award.objects.get().report_late is True
    clock.freeze(local(2026, 4, 28, 0, 1))
    chronograph.sweep()
    assert Award.objects.get().contract_late is True
    late = award.sign_contract(
        opened.tender.manager, opened.lot_code, Decimal("24450000"), Decimal(0), "b" * 64
    )
    assert late.contract_late is True


def test_archive_is_sealed_and_verifiable(opened: Opened, capsys: pytest.CaptureFixture[str]) -> None:
    awarded(opened)
    award.report_to_supervisor(opened.tender.manager, opened.lot_code)
    award.sign_contract(opened.tender.manager, opened.lot_code, Decimal("24450000"), Decimal(0), "c" * 64)
    with pytest.raises(GgzyError):
        archive_lot(opened.tender.manager, opened.lot_code)  # operators archive
    package = archive_lot(actor_of("op"), opened.lot_code)
    assert package.file_count >= 10
    assert Lot.objects.get(code=opened.lot_code).state == Lot.State.ARCHIVED
    call_command("verify_archive", opened.lot_code)
    assert "archive intact" in capsys.readouterr().out
    import io
    import zipfile

    with package.file.open("rb") as handle:
        data = handle.read()
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "opening_record.json":
                content = content.replace(b"24450000.00", b"24450000.01")
            dst.writestr(item, content)
    with open(package.file.path, "wb") as handle:
        handle.write(tampered.getvalue())
    with pytest.raises(CommandError) as err:
        call_command("verify_archive", opened.lot_code)
    assert "opening_record.json" in str(err.value)
    assert verify_chain().intact


def test_experts_cannot_be_designated(opened: Opened) -> None:
    from ggzy.experts.tests.conftest import make_expert

    outsider = make_expert().user.username
    chosen = [*opened.experts[:3], outsider]
    with pytest.raises(InvalidInput) as err:
        actions.start_evaluation(
            actor_of("op"),
            opened.lot_code,
            CommitteeIn(experts=chosen, representatives=["zbdb"], chair=outsider),
        )
    assert err.value.code == "committee_not_drawn"
    assert err.value.rule is not None and "第46条" in err.value.rule.citation
    assert not Evaluation.objects.exists()


def test_members_read_decrypted_bids_and_each_read_is_recorded(opened: Opened) -> None:
    from ggzy.kernel.models import AuditEvent

    committee(opened)
    data = actions.read_bid_file(
        actor_of(opened.experts[1]), opened.lot_code, opened.receipts[0], "bid-form.json"
    )
    assert b"24600000.00" in data
    assert AuditEvent.objects.filter(action="evaluation.read_bid_file").count() == 1
    with pytest.raises(PermissionDenied):
        actions.read_bid_file(
            opened.tender.bidder_actor(0), opened.lot_code, opened.receipts[1], "bid-form.json"
        )


# T18 12号令 第40条: award at least 30 working days before bid validity ends.
def test_t18_award_too_close_to_the_end_of_validity(opened: Opened) -> None:
    from ggzy.trading.models import Notice

    reported(opened)
    publicity(opened)
    clock.freeze(local(2026, 3, 27, 10))
    # Validity ends 24 March + 45 days = 8 May; from 27 March that leaves 26 working days (Qingming, May Day).
    Notice.objects.filter(pk=opened.tender.notice.pk).update(validity_days=45)
    with pytest.raises(InvalidInput) as err:
        award.award_lot(opened.tender.manager, opened.lot_code, opened.receipts[2])
    assert err.value.code == "validity_too_close"
    assert err.value.rule is not None and "第40条" in err.value.rule.citation
    Notice.objects.filter(pk=opened.tender.notice.pk).update(validity_days=90)
    assert award.award_lot(opened.tender.manager, opened.lot_code, opened.receipts[2]).winner is not None
