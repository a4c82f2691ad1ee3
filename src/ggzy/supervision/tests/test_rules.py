"""Each alert rule fires on a crafted case (with its evidence and legal basis) and stays quiet on a clean
one; raising is idempotent; the nightly sweep finds the same findings. S14 is in credit's tests, S15 in
test_cases, S16 in test_collusion_lot, S19 in test_instructions."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command

from ggzy.bidding.models import Bid, Bond, Upload
from ggzy.kernel import clock, events
from ggzy.supervision import checks, sweep
from ggzy.supervision.alerts import raise_findings
from ggzy.supervision.checks import bids, bonds, evaluation, objections, periods, splitting
from ggzy.supervision.models import Alert
from ggzy.supervision.tests.conftest import DEADLINE, fake_bid, new_lot
from ggzy.testing import actor_of, local
from ggzy.trading.actions import create_project, publish_notice
from ggzy.trading.models import Document, Lot, Notice, Objection
from ggzy.trading.schemas import LotIn, ProjectIn
from ggzy.trading.tests.conftest import Tender

pytestmark = pytest.mark.django_db

needs_evaluation = pytest.mark.skipif(
    not apps.is_installed("ggzy.evaluation"), reason="evaluation not installed"
)
needs_experts = pytest.mark.skipif(
    not apps.is_installed("ggzy.experts"), reason="the experts package is not installed"
)


def rule_ids(findings: list[Any]) -> list[str]:
    return sorted(f.rule.id for f in findings)


@pytest.fixture
def published(tender: Tender) -> Tender:
    publish_notice(tender.manager, tender.notice.pk)
    return tender


# ---- S01 S02 S03 periods ------------------------------------------------------------------------------


def test_s01_s02_periods_shorter_than_the_law(published: Tender) -> None:
    notices = Notice.objects.filter(pk=published.notice.pk)
    assert periods.notice_findings(notices) == []  # the fixture's notice: 20 days, 5 days
    Notice.objects.filter(pk=published.notice.pk).update(
        bid_deadline=local(2026, 3, 20, 9), docs_until=local(2026, 3, 6, 17)
    )
    events.on_notice_published(published.notice)
    s01 = Alert.objects.get(rule_id="S01")
    assert s01.evidence["days"] == 16 and s01.evidence["legal_days"] == 20
    assert s01.evidence["earliest_legal_deadline"] == "2026-03-24"
    assert s01.basis_citation == "中华人民共和国招标投标法 第24条"
    s02 = Alert.objects.get(rule_id="S02")
    assert s02.evidence["days"] == 2 and "第16条" in s02.basis_citation
    assert s01.department is not None and s01.department.name == "住房和城乡建设厅"


def test_s01_boundary_19_days_fires_20_days_quiet(published: Tender) -> None:
    # docs from 3/4: day 20 is 3/24 (a Tuesday)
    Notice.objects.filter(pk=published.notice.pk).update(bid_deadline=local(2026, 3, 23, 17))
    assert rule_ids(periods.notice_findings(Notice.objects.all())) == ["S01"]
    Notice.objects.filter(pk=published.notice.pk).update(bid_deadline=local(2026, 3, 24, 9))
    assert periods.notice_findings(Notice.objects.all()) == []


def document(tender: Tender, published_at: Any) -> Document:
    return Document.objects.create(
        notice=tender.notice,
        kind=Document.Kind.CLARIFICATION,
        title="澄清1",
        file="notices/x.bin",
        filename="澄清1.pdf",
        size=1,
        sm3="a" * 64,
        signature="00",
        signer=tender.principal,
        signer_key_id="k",
        published_at=published_at,
    )


def test_s03_late_clarification(published: Tender) -> None:
    document(published, local(2026, 3, 9, 10))  # 15 days before 3/24: fine
    notices = Notice.objects.all()
    assert periods.clarification_findings(notices) == []
    late = document(published, local(2026, 3, 12, 10))  # 12 days before
    found = periods.clarification_findings(notices)
    assert rule_ids(found) == ["S03"] and found[0].key == f"document:{late.pk}"
    assert found[0].evidence["days_left"] == 12


# ---- S04 splitting ---------------------------------------------------------------------------------------


def works_project(name: str, amount: str, classify: str = "A08", kind: str = "works") -> Any:
    return create_project(
        actor_of("zb"),
        ProjectIn(
            name=name,
            state_budget_amount=Decimal(amount),
            total_investment=Decimal(amount),
            lots=[
                LotIn(
                    name="施工", contract_kind=kind, classify_code=classify, estimated_value=Decimal(amount)
                )
            ],
        ),
    )


def test_s04_splitting_below_the_threshold(tender: Tender) -> None:
    first = works_project("教学楼维修一期", "1500000")
    clock.advance(timedelta(days=60))
    works_project("教学楼维修二期", "1500000")
    events.on_project_created(first)
    assert not Alert.objects.filter(rule_id="S04").exists()  # 300万 < 400万: no split yet
    clock.advance(timedelta(days=60))
    third = works_project("教学楼维修三期", "1500000")
    events.on_project_created(third)
    alert = Alert.objects.get(rule_id="S04")
    assert Decimal(alert.evidence["total"]) == Decimal("4500000")
    assert [p["name"] for p in alert.evidence["projects"]] == [
        "教学楼维修一期",
        "教学楼维修二期",
        "教学楼维修三期",
    ]
    assert alert.evidence["threshold_basis"].endswith("第5条第1款第1项")
    assert "第4条" in alert.basis_citation
    # the fixture's own project (2,500万) reached the threshold alone: not part of the split
    assert tender.project.code not in {p["code"] for p in alert.evidence["projects"]}


def test_s04_quiet_for_other_subjects_and_outside_the_window(tender: Tender) -> None:
    works_project("监理", "900000", classify="A05", kind="services")
    clock.advance(timedelta(days=400))
    works_project("施工一", "1500000")
    works_project("施工二", "1500000")
    assert splitting.findings() == []  # 300万 of works; 90万 of services apart; the rest out of the window


# ---- S06 S07 S08 the opening ----------------------------------------------------------------------------


def test_s06_bid_after_the_deadline_and_unfinished_upload(tender: Tender) -> None:
    lot = new_lot(tender, Lot.State.EVALUATION)
    bidder = tender.bidders[0][0]
    fake_bid(lot, bidder, "100.00", submitted_at=DEADLINE - timedelta(minutes=1))
    assert bids.late_bid_findings(Lot.objects.filter(pk=lot.pk)) == []
    late = fake_bid(lot, tender.bidders[1][0], "100.00", submitted_at=DEADLINE + timedelta(seconds=1))
    Upload.objects.create(
        public_id="stuck0000",
        lot=lot,
        bidder=tender.bidders[2][0],
        size=10,
        sm3="0" * 64,
        received=10,
        created_at=DEADLINE - timedelta(minutes=5),
        updated_at=DEADLINE - timedelta(minutes=1),
    )
    events.on_lot_advanced(lot)
    found = {a.key: a for a in Alert.objects.filter(rule_id="S06")}
    assert found[f"bid:{late.pk}"].severity == "critical"
    assert found[f"bid:{late.pk}"].evidence["signal"] == "bid_after_deadline"
    assert found[f"upload:{Upload.objects.get(public_id='stuck0000').pk}"].severity == "low"


def test_s07_clustered_decryption_failures(tender: Tender) -> None:
    lot = new_lot(tender, Lot.State.EVALUATION, decrypt_closes_at=DEADLINE + timedelta(minutes=30))
    fake_bid(lot, tender.bidders[0][0], "100.00")
    fake_bid(lot, tender.bidders[1][0], None, status=Bid.Status.DEEMED_REVOKED, fault=Bid.Fault.BIDDER)
    assert bids.decryption_findings(Lot.objects.filter(pk=lot.pk)) == []
    fake_bid(lot, tender.bidders[2][0], None, status=Bid.Status.DEEMED_WITHDRAWN, fault=Bid.Fault.PLATFORM)
    other = new_lot(tender, Lot.State.EVALUATION, decrypt_closes_at=DEADLINE + timedelta(minutes=40))
    fake_bid(other, tender.bidders[3][0], None, status=Bid.Status.DEEMED_WITHDRAWN, fault=Bid.Fault.PLATFORM)
    found = bids.decryption_findings(Lot.objects.filter(pk__in=[lot.pk, other.pk]))
    keys = sorted(f.key for f in found)
    assert keys == sorted(
        [f"lot:{lot.pk}", f"platform:2026-03-24:{lot.pk}", f"platform:2026-03-24:{other.pk}"]
    )
    cluster = next(f for f in found if f.key == f"lot:{lot.pk}")
    assert {row["status"] for row in cluster.evidence["failed"]} == {"deemed_revoked", "deemed_withdrawn"}


def test_s08_single_bidder(tender: Tender) -> None:
    failed = new_lot(tender, Lot.State.FAILED, outcome_reason="投标人少于3个")
    fake_bid(failed, tender.bidders[0][0], None, status=Bid.Status.SUBMITTED)
    crowded = new_lot(tender, Lot.State.EVALUATION)
    for i in range(3):
        fake_bid(crowded, tender.bidders[i][0], f"{100 + i}.00")
    found = bids.single_bidder_findings(Lot.objects.filter(pk__in=[failed.pk, crowded.pk]))
    assert [(f.key, f.evidence["signal"]) for f in found] == [(f"lot:{failed.pk}", "single_bid")]
    one_price = new_lot(tender, Lot.State.EVALUATION)
    fake_bid(one_price, tender.bidders[0][0], "100.00")
    fake_bid(one_price, tender.bidders[1][0], None, status=Bid.Status.DEEMED_REVOKED)
    assert (
        bids.single_bidder_findings(Lot.objects.filter(pk=one_price.pk))[0].evidence["signal"]
        == "single_decrypted_bid"
    )


# ---- S09 S10 S05 S11 S18 evaluation and award --------------------------------------------------------------


def reported(lot: Lot, prices: list[str], tender: Tender) -> tuple[Any, list[Bid]]:
    from django.contrib.auth.models import User

    from ggzy.evaluation.models import CommitteeMember, Evaluation

    evaluation_ = Evaluation.objects.create(
        lot=lot,
        status=Evaluation.Status.REPORTED,
        started_at=clock.now(),
        planned_end=clock.now(),
        reported_at=clock.now(),
    )
    user = User.objects.create(username=f"zj-{lot.pk}")
    member = CommitteeMember.objects.create(evaluation=evaluation_, user=user, kind="expert")
    rows = [fake_bid(lot, tender.bidders[i][0], price) for i, price in enumerate(prices)]
    evaluation_.member = member  # type: ignore[attr-defined]
    return evaluation_, rows


def reject(evaluation_: Any, bid: Bid) -> None:
    from ggzy.evaluation.models import Rejection

    Rejection.objects.create(
        evaluation=evaluation_,
        bid=bid,
        ground="51.3",
        reason="不符合实质性要求",
        decided_by=evaluation_.member,
        decided_at=clock.now(),
    )


@needs_evaluation
def test_s09_s10_rejections(tender: Tender) -> None:
    lot = new_lot(tender, Lot.State.EVALUATION)
    ev, rows = reported(lot, ["100.00", "103.00", "105.00"], tender)
    reject(ev, rows[2])  # the highest: an ordinary rejection
    assert evaluation.rejection_findings([lot.pk]) == []
    lot2 = new_lot(tender, Lot.State.EVALUATION)
    ev2, rows2 = reported(lot2, ["100.00", "103.00", "105.00"], tender)
    reject(ev2, rows2[0])  # the lowest
    reject(ev2, rows2[1])
    events.on_evaluation_reported(lot2)
    s09 = Alert.objects.get(rule_id="S09")
    assert s09.entity_id == rows2[2].bidder_id
    assert [b["rejected"] for b in s09.evidence["bids"]] == [True, True, False]
    s10 = Alert.objects.get(rule_id="S10")
    assert s10.severity == "high" and s10.evidence["clarification_asked"] is False
    assert "第21条" in s10.basis_citation


@needs_evaluation
def test_s05_same_winner_more_than_three_times(tender: Tender) -> None:
    from ggzy.evaluation.models import Award

    winner_entity = tender.bidders[0][0]

    def award(days_ago: int) -> Lot:
        lot = new_lot(tender, Lot.State.AWARDED)
        bid = fake_bid(lot, winner_entity, "100.00")
        Award.objects.create(
            lot=lot,
            publicity_from=clock.now(),
            publicity_until=clock.now(),
            winner=bid,
            awarded_at=clock.now() - timedelta(days=days_ago),
        )
        return lot

    lots = [award(d) for d in (500, 300, 200, 100)]  # the first is outside the 12 months
    assert evaluation.repeat_winner_findings([lots[-1].pk]) == []
    latest = award(1)
    events.on_awarded(latest)
    alert = Alert.objects.get(rule_id="S05")
    assert alert.evidence["count"] == 4 and alert.evidence["max"] == 3
    assert alert.entity_id == winner_entity.pk


@needs_evaluation
def test_s11_s18_contract_and_report_late(tender: Tender) -> None:
    from ggzy.evaluation.models import Award

    lot = new_lot(tender, Lot.State.AWARDED)
    bid = fake_bid(lot, tender.bidders[0][0], "100.00")
    award = Award.objects.create(
        lot=lot,
        publicity_from=clock.now(),
        publicity_until=clock.now(),
        winner=bid,
        awarded_at=clock.now(),
        contract_due=clock.now() + timedelta(days=30),
        report_due=clock.now() + timedelta(days=15),
    )
    assert evaluation.lateness_findings([lot.pk]) == []
    Award.objects.filter(pk=award.pk).update(contract_late=True, report_late=True)
    events.on_award_changed(lot)
    assert Alert.objects.get(rule_id="S11").basis_citation == "中华人民共和国招标投标法 第46条"
    assert Alert.objects.get(rule_id="S18").basis_citation == "中华人民共和国招标投标法 第47条"


# ---- S12 bonds, S17 objections, S13 experts ----------------------------------------------------------------


def test_s12_bond_not_refunded_in_time(tender: Tender) -> None:
    lot = new_lot(tender, Lot.State.CONTRACTED)
    due = clock.now() + timedelta(days=5)
    on_time = Bond.objects.create(
        lot=lot,
        bidder=tender.bidders[0][0],
        kind=Bond.Kind.DEPOSIT,
        amount=Decimal("1000"),
        status=Bond.Status.REFUNDED,
        paid_at=clock.now(),
        refund_due=due,
        refunded_at=due - timedelta(days=1),
    )
    waiting = Bond.objects.create(
        lot=lot,
        bidder=tender.bidders[1][0],
        kind=Bond.Kind.DEPOSIT,
        amount=Decimal("1000"),
        status=Bond.Status.PAID,
        paid_at=clock.now(),
        refund_due=due,
    )
    assert bonds.findings(Bond.objects.all()) == []  # nothing due yet
    clock.advance(timedelta(days=7))
    events.on_bond_changed(waiting)
    events.on_bond_changed(on_time)
    alert = Alert.objects.get(rule_id="S12")
    assert alert.evidence["status"] == "paid" and alert.evidence["days_late"] == 2


def test_s17_objection_not_answered(published: Tender) -> None:
    objection = Objection.objects.create(
        notice=published.notice,
        stage=Objection.Stage.DOCUMENTS,
        raised_by=published.bidders[0][0],
        text="评分标准不合理",
        raised_at=clock.now(),
        answer_due=clock.now() + timedelta(days=3),
    )
    assert objections.findings(Objection.objects.all()) == []
    Objection.objects.filter(pk=objection.pk).update(overdue=True)
    events.on_objection_overdue(objection)
    assert Alert.objects.get(rule_id="S17").evidence["stage"] == "documents"


@needs_experts
def test_s13_same_expert_for_the_same_principal(tender: Tender, network: Any) -> None:
    from django.contrib.auth.models import User

    from ggzy.experts.models import DrawnExpert, DrawRequest, DrawRow, Expert, Specialty

    user = User.objects.create(username="zj-repeat")
    expert = Expert.objects.create(
        code="ZJ0001",
        user=user,
        name="钱专家",
        id_digest="d" * 64,
        id_last4="1234",
        mobile="13900001111",
        employer_name="某设计院",
        employer_uscc="",
        region_id="640104",
        title="高级工程师",
        title_level="senior",
        practice_since=date(2000, 1, 1),
        status=Expert.Status.ACTIVE,
        applied_at=clock.now(),
    )
    specialty = Specialty.objects.first()
    assert specialty is not None

    def drawn(n: int, days_ago: int) -> DrawRequest:
        lot = new_lot(tender, Lot.State.EVALUATION)
        draw = DrawRequest.objects.create(
            number=f"CQ{n:06d}",
            lot=lot,
            procedure="construction_tender",
            evaluation_at=clock.now() - timedelta(days=days_ago),
            respond_minutes=30,
            status=DrawRequest.Status.DRAWN,
            algorithm="test",
            created_by="op",
            created_at=clock.now(),
        )
        row = DrawRow.objects.create(draw=draw, index=1, specialty=specialty, count=1)
        DrawnExpert.objects.create(
            draw=draw,
            row=row,
            expert=expert,
            seq=1,
            position=1,
            status=DrawnExpert.Status.ACCEPTED,
            called_at=clock.now(),
            respond_by=clock.now(),
        )
        return draw

    drawn(1, 30)
    second = drawn(2, 20)
    events.on_experts_drawn(second)
    assert not Alert.objects.filter(rule_id="S13").exists()
    third = drawn(3, 10)
    events.on_experts_drawn(third)
    alert = Alert.objects.get(rule_id="S13")
    assert alert.evidence["count"] == 3 and alert.evidence["expert"] == "ZJ0001"


# ---- idempotence and the sweep ----------------------------------------------------------------------------


def test_raising_is_idempotent_and_the_sweep_finds_the_same(published: Tender) -> None:
    Notice.objects.filter(pk=published.notice.pk).update(bid_deadline=local(2026, 3, 20, 9))
    findings = periods.notice_findings(Notice.objects.all())
    assert len(raise_findings(findings)) == 1
    assert raise_findings(findings) == []
    failed = new_lot(published, Lot.State.FAILED)
    fake_bid(failed, published.bidders[0][0], None, status=Bid.Status.SUBMITTED)
    assert "S08" in rule_ids(checks.sweep_findings())
    result = sweep.run()
    assert result["by_rule"] == {"S08": 1}  # S01 was raised already
    assert sweep.run()["new_alerts"] == 0
    call_command("supervise", "--sweep")
    assert Alert.objects.count() == 2


def test_the_nightly_schedule_runs_under_the_chronograph(published: Tender) -> None:
    from ggzy.kernel import chronograph
    from ggzy.supervision.models import Schedule

    schedule = Schedule.objects.get(name="nightly")
    Schedule.objects.filter(pk=schedule.pk).update(next_check=clock.now())
    Notice.objects.filter(pk=published.notice.pk).update(bid_deadline=local(2026, 3, 20, 9))
    chronograph.sweep()
    schedule.refresh_from_db()
    assert schedule.last_result["by_rule"] == {"S01": 1}
    assert schedule.next_check is not None and schedule.next_check > clock.now()
    assert schedule.next_check.astimezone(local(2026, 1, 1).tzinfo).hour == 2
