"""Complaints and reports: the 10-day limit, objection first, 3 and 30 working days with the 2026 holidays
(loaded by the `tender` fixture through kernel.calendar_actions.load_official_calendar), anonymous reports,
published decisions, overdue cases raising S15 through the chronograph."""

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ggzy.kernel import chronograph, clock
from ggzy.kernel.errors import GgzyError, PermissionDenied
from ggzy.kernel.roles import Actor
from ggzy.supervision.cases import (
    accept_case,
    decide_case,
    file_complaint,
    file_report,
    pause_case,
    refuse_case,
    resume_case,
)
from ggzy.supervision.models import Alert, Case
from ggzy.supervision.schemas import ComplaintIn, DecisionIn, ReportIn
from ggzy.testing import actor_of, local
from ggzy.trading.actions import answer_objection, publish_notice, raise_objection
from ggzy.trading.tests.conftest import Tender

pytestmark = pytest.mark.django_db


def midnight_after(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def complaint(tender: Tender, known_on: date, **change: Any) -> ComplaintIn:
    data: dict[str, Any] = {
        "lot_code": tender.lot.code,
        "matter": "other",
        "request": "责令招标人改正资格条件",
        "text": "招标公告设置了与项目无关的业绩要求……",
        "known_on": known_on,
    }
    data.update(change)
    return ComplaintIn(**data)


def test_accept_and_decide_count_working_days_over_labour_day(tender: Tender, regulator: Actor) -> None:
    clock.freeze(local(2026, 4, 30, 10))  # Thursday; 5/1–5/5 are holidays, Saturday 5/9 is worked
    case = file_complaint(actor_of("tb0"), complaint(tender, date(2026, 4, 24)))
    # 3 working days after 4/30: 5/6, 5/7, 5/8 (plain weekdays would end on 5/5)
    assert case.accept_due == midnight_after(date(2026, 5, 8))
    assert case.department.name == "住房和城乡建设厅"
    clock.freeze(local(2026, 5, 6, 9))
    case = accept_case(regulator, case.pk)
    # 30 working days after 5/6: 5/7, 5/8, 5/9 (worked Saturday), then 27 weekdays → 6/16
    assert case.decision_due == midnight_after(date(2026, 6, 16))


def test_ten_days_from_knowing_roll_off_the_holiday(tender: Tender) -> None:
    # known on 4/24: day 10 is 5/4, a holiday → the period ends on 5/6 (条例 第60条; 87号令 第85条)
    clock.freeze(local(2026, 5, 7, 9))
    with pytest.raises(GgzyError) as refused:
        file_complaint(actor_of("tb0"), complaint(tender, date(2026, 4, 24)))
    assert refused.value.code == "complaint_too_late"
    assert refused.value.rule is not None and "第60条" in refused.value.rule.citation
    assert refused.value.details["last_day"] == "2026-05-06"
    assert not Case.objects.exists()
    clock.freeze(local(2026, 5, 6, 16))
    assert file_complaint(actor_of("tb0"), complaint(tender, date(2026, 4, 24))).number.startswith("TS2026")


def test_documents_complaint_needs_an_answered_objection_first(tender: Tender) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 5, 10))
    bidder = actor_of("tb0")
    form = complaint(tender, date(2026, 3, 4), matter="documents")
    with pytest.raises(GgzyError) as refused:
        file_complaint(bidder, form)
    assert refused.value.code == "objection_first" and "第60条" in (
        refused.value.rule.citation if refused.value.rule else ""
    )
    objection = raise_objection(bidder, tender.notice.pk, "评分办法中业绩分值过高")
    with pytest.raises(GgzyError) as pending:
        file_complaint(
            bidder, complaint(tender, date(2026, 3, 4), matter="documents", objection_id=objection.pk)
        )
    assert pending.value.code == "objection_pending"
    clock.freeze(local(2026, 3, 6, 15))
    answer_objection(tender.manager, objection.pk, "维持原招标文件")
    # The answer period does not count: 10 days run from the answer (3/6) → until 3/16, not 3/14.
    clock.freeze(local(2026, 3, 16, 16))
    case = file_complaint(
        bidder, complaint(tender, date(2026, 3, 4), matter="documents", objection_id=objection.pk)
    )
    assert case.objection_id == objection.pk and case.matter == "documents"
    other = actor_of("tb1")  # another bidder may not lean on tb0's objection
    with pytest.raises(GgzyError) as not_theirs:
        file_complaint(
            other, complaint(tender, date(2026, 3, 4), matter="documents", objection_id=objection.pk)
        )
    assert not_theirs.value.code == "objection_first"


def test_anonymous_report_is_routed_and_its_decision_published(
    tender: Tender, regulator: Actor, network: Any
) -> None:
    case = file_report(
        Actor.anonymous("1.2.3.4"), ReportIn(lot_code=tender.lot.code, text="有人在开标前打听投标人名单")
    )
    assert case.anonymous and case.complainant is None and case.filed_by_user_id is None
    assert case.department.name == "住房和城乡建设厅" and case.number.startswith("JB")
    unrouted = file_report(
        Actor.anonymous(),
        ReportIn(sector="engineering", node_id=network["yongning"].pk, text="某工地未招标先施工"),
    )
    assert unrouted.department_id == case.department_id  # branch → city → province
    with pytest.raises(GgzyError) as nowhere:
        file_report(Actor.anonymous(), ReportIn(sector="land", node_id=network["yongning"].pk, text="土地"))
    assert nowhere.value.code == "report_route"
    accept_case(regulator, case.pk)
    with pytest.raises(GgzyError):
        decide_case(
            regulator, case.pk, DecisionIn(outcome="upheld", decision="x")
        )  # reports: confirmed / unfounded
    decide_case(
        regulator, case.pk, DecisionIn(outcome="confirmed", decision="经查属实，已责令改正。", public=True)
    )
    refuse_case(regulator, unrouted.pk, "举报事项不属于公共资源交易活动")
    listing = Client().get("/api/supervision/decisions").json()
    assert [d["number"] for d in listing] == [case.number]
    assert listing[0]["decision"] == "经查属实，已责令改正。" and "第79条" in listing[0]["basis"]
    assert "contact" not in listing[0] and "complainant" not in listing[0]


def test_overdue_case_raises_an_alert_through_the_chronograph(tender: Tender, regulator: Actor) -> None:
    clock.freeze(local(2026, 4, 30, 10))
    case = file_complaint(actor_of("tb0"), complaint(tender, date(2026, 4, 24)))
    clock.freeze(local(2026, 5, 8, 23))
    chronograph.sweep()
    assert not Alert.objects.filter(rule_id="S15").exists()
    clock.freeze(local(2026, 5, 9, 0, 1))
    chronograph.sweep()
    case.refresh_from_db()
    assert case.accept_overdue
    alert = Alert.objects.get(rule_id="S15")
    assert alert.department_id == case.department_id and "第61条" in alert.basis_citation
    assert alert.evidence["number"] == case.number


def test_expert_review_time_does_not_count(tender: Tender, regulator: Actor) -> None:
    clock.freeze(local(2026, 6, 1, 9))  # Monday
    case = file_complaint(actor_of("tb0"), complaint(tender, date(2026, 5, 29)))
    case = accept_case(regulator, case.pk)
    due = case.decision_due
    assert due is not None
    pause_case(regulator, case.pk, "委托造价鉴定")
    clock.freeze(local(2026, 6, 8, 9))  # the following Monday: 5 working days paused
    case = resume_case(regulator, case.pk)
    assert case.paused_working_days == 5
    assert case.decision_due is not None and case.decision_due > due


def test_only_the_competent_department_handles_a_case(tender: Tender, finance: Actor) -> None:
    clock.freeze(local(2026, 4, 30, 10))
    case = file_complaint(actor_of("tb0"), complaint(tender, date(2026, 4, 24)))
    with pytest.raises(PermissionDenied):
        accept_case(finance, case.pk)
    with pytest.raises(PermissionDenied):
        accept_case(actor_of("tb1"), case.pk)
