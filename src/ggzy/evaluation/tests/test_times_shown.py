"""Issue 11 §6: every time a person reads — notification or refusal — is Beijing time, written one way.

The finding: the opening notice said "请于2026-12-22 03:01前在线解密" when the hall showed 11:01, and a
late bid was refused with "截止时间2027-04-22 02:00:00" for a 10:00 deadline. Here a tender runs from
publication to publicity, complaint and acceptance; every Notification body and every error message it
produces is checked: each time in it is the local wall-clock time of an instant the tender really has,
written as kernel.timefmt writes it, and never the UTC hour of any of those instants.
"""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from ggzy.bidding.actions import start_upload
from ggzy.evaluation import award
from ggzy.evaluation.models import Award
from ggzy.evaluation.tests.conftest import Opened, opened
from ggzy.evaluation.tests.test_flow import reported
from ggzy.experts.models import DrawnExpert, DrawRequest
from ggzy.kernel import clock
from ggzy.kernel.errors import GgzyError
from ggzy.kernel.models import Notification
from ggzy.kernel.timefmt import local_text, local_text_en
from ggzy.supervision.cases import accept_case, file_complaint
from ggzy.supervision.models import Case
from ggzy.supervision.schemas import ComplaintIn
from ggzy.testing import actor_of
from ggzy.testing import local as beijing
from ggzy.trading.actions import check_periods, clarify, download_document, publish_notice
from ggzy.trading.models import Lot, Notice, Objection
from ggzy.trading.procedure import rules_for
from ggzy.trading.schemas import DocumentMeta
from ggzy.trading.tests.conftest import Tender, notice_form, tender
from ggzy_guomi import sm3_hex

__all__ = ["opened", "tender"]


def local(*args: int) -> datetime:
    """A Beijing wall-clock time given as the UTC instant it is (as the database hands times back)."""
    return beijing(*args).astimezone(UTC)


pytestmark = pytest.mark.django_db

ZH = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日(?: (\d{2}):(\d{2}))?")
EN = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::\d{2})?(?: \(UTC\+08:00\))?)?")


def instants_of_the_tender() -> list[datetime]:
    """Every instant a message of this tender could name."""
    found: list[datetime] = []
    for model in (Notice, Lot, Award, Objection, Case, DrawRequest, DrawnExpert):
        for row in model.objects.all():
            for field in row._meta.concrete_fields:
                value = getattr(row, field.attname, None)
                if isinstance(value, datetime):
                    found.append(value)
    return found


def check_zh(text: str, instants: list[datetime], days: set[date]) -> int:
    """Every time in `text` is a local time of a known instant; returns how many times it names."""
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), f"ISO or UTC-style date shown to a person: {text}"
    local_minutes = {timezone.localtime(t).replace(second=0, microsecond=0) for t in instants}
    local_days = {timezone.localtime(t).date() for t in instants} | days
    named = 0
    for match in ZH.finditer(text):
        y, m, d, hh, mm = match.groups()
        if hh is None:
            assert date(int(y), int(m), int(d)) in local_days, f"{match.group()} is no local day: {text}"
        else:
            shown = timezone.make_aware(datetime(int(y), int(m), int(d), int(hh), int(mm)))
            assert shown in local_minutes, f"{match.group()} is not a Beijing time of the tender: {text}"
            assert match.group() == local_text(shown)
        named += 1
    for t in instants:
        utc, here = f"{t.astimezone(UTC):%H:%M}", f"{timezone.localtime(t):%H:%M}"
        if utc != here and utc not in {f"{timezone.localtime(o):%H:%M}" for o in instants}:
            assert utc not in text, f"the UTC hour {utc} of {here} is shown: {text}"
    return named


def check_en(text: str, instants: list[datetime], days: set[date]) -> None:
    local_minutes = {timezone.localtime(t).replace(second=0, microsecond=0) for t in instants}
    local_days = {timezone.localtime(t).date() for t in instants} | days
    for match in EN.finditer(text):
        y, m, d, hh, mm = match.groups()
        if hh is None:
            assert date(int(y), int(m), int(d)) in local_days, text
        else:
            shown = timezone.make_aware(datetime(int(y), int(m), int(d), int(hh), int(mm)))
            assert shown in local_minutes and match.group() == local_text_en(shown), text


class Refusals:
    """Runs an action that must be refused and keeps its message."""

    def __init__(self) -> None:
        self.errors: list[GgzyError] = []

    def __call__(self, code: str, fn: Callable[..., Any], *args: Any) -> GgzyError:
        with pytest.raises(GgzyError) as refused:
            fn(*args)
        assert refused.value.code == code
        self.errors.append(refused.value)
        return refused.value


def check_everything(
    refusals: Refusals, days: set[date], must_name: list[datetime], asked: tuple[datetime, ...] = ()
) -> None:
    """`asked`: instants typed into a refused form (an offered time keeps the time of day asked for)."""
    instants = [*instants_of_the_tender(), *asked]
    bodies = list(Notification.objects.values_list("body", flat=True))
    assert bodies
    for body in bodies:
        check_zh(body, instants, days)
    for error in refusals.errors:
        check_zh(error.zh, instants, days)
        check_en(error.en, instants, days)
    everything = "\n".join([*bodies, *(e.zh for e in refusals.errors)])
    for moment in must_name:
        assert local_text(moment) in everything, f"{local_text(moment)} is named nowhere"


def test_a_tender_tells_people_beijing_times(opened: Opened) -> None:
    """Opening (decryption window), late bid, expert draw, publicity, complaint, acceptance."""
    refusals = Refusals()
    lot = Lot.objects.get(code=opened.lot_code)
    notice = Notice.objects.get(pk=lot.notice_id)
    # The opening notice names the end of the decryption window as the hall shows it.
    assert lot.decrypt_closes_at is not None
    opening = Notification.objects.get(subject="开标解密通知", recipient__username="tb0")
    assert local_text(lot.decrypt_closes_at) in opening.body
    assert f"{lot.decrypt_closes_at.astimezone(UTC):%H:%M}" not in opening.body
    # A late bid is refused with the deadline in Beijing time (09:00, not 01:00).
    late = refusals(
        "bidding_closed", start_upload, opened.tender.bidder_actor(0), lot.code, 10, sm3_hex(b"x")
    )
    assert local_text(notice.bid_deadline) in late.zh and "01:00" not in late.zh
    # The experts were called with the evaluation time and the time to answer by.
    draw = DrawRequest.objects.get(lot=lot)
    call = draw.calls.first()
    assert call is not None and draw.evaluation_at is not None
    # Publicity until 27 March 10:00, refused first when too short (a date, not a time).
    reported(opened)
    refusals(
        "publicity_too_short",
        award.publish_candidates,
        opened.tender.manager,
        lot.code,
        local(2026, 3, 24, 10),
        local(2026, 3, 26, 10),
    )
    until = local(2026, 3, 27, 10)
    award.publish_candidates(opened.tender.manager, lot.code, local(2026, 3, 24, 10), until)
    # A complaint about the result is refused while the objection is answered (answer_due in local time).
    clock.freeze(local(2026, 3, 25, 10))
    objection = award.object_to_result(opened.tender.bidder_actor(1), lot.code, "评分有误")
    form = ComplaintIn(
        lot_code=lot.code,
        matter="result",
        request="责令重新评标",
        text="评分有误……",
        known_on=date(2026, 3, 24),
        objection_id=objection.pk,
    )
    pending = refusals("objection_pending", file_complaint, opened.tender.bidder_actor(1), form)
    assert local_text(objection.answer_due) in pending.zh
    from ggzy.trading.actions import answer_objection

    answer_objection(opened.tender.manager, objection.pk, "经复核评分无误")
    case = file_complaint(opened.tender.bidder_actor(1), form)
    clock.advance(timedelta(hours=2))
    case = accept_case(actor_of("reg"), case.pk)
    assert case.decision_due is not None
    # Too late: 10 days from knowing have passed (dates only).
    clock.freeze(local(2026, 4, 20, 10))
    refusals(
        "complaint_too_late",
        file_complaint,
        opened.tender.bidder_actor(2),
        ComplaintIn(lot_code=lot.code, matter="other", request="r", text="t", known_on=date(2026, 3, 24)),
    )
    days = {date(2026, 3, 24), date(2026, 3, 26), date(2026, 3, 27), date(2026, 4, 3), date(2026, 4, 7)}
    check_everything(
        refusals,
        days,
        [
            lot.decrypt_closes_at,
            notice.bid_deadline,
            draw.evaluation_at,
            call.respond_by,
            until,
            case.accept_due,
        ],
    )


def test_notices_and_period_refusals_tell_beijing_times(tender: Tender) -> None:
    """Clarification notice, invitation, the T1/T3/T2 refusals — at a UTC instant of another UTC day."""
    refusals = Refusals()
    # Documents from 4 March 01:30 Beijing (3 March 17:30 UTC): T1 and T3 refuse with local days.
    early = local(2026, 3, 4, 1, 30)
    refusals(
        "doc_sale_period",
        check_periods,
        notice_form(tender.lot.code, docs_from=early, docs_until=local(2026, 3, 5, 17)),
        clock.today(),
        rules_for(tender.lot),
    )
    refusals(
        "bid_period_too_short",
        check_periods,
        notice_form(tender.lot.code, docs_from=early, bid_deadline=local(2026, 3, 20, 1, 30)),
        clock.today(),
        rules_for(tender.lot),
    )
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 5, 10))
    document = tender.notice.documents.get()
    download_document(tender.bidder_actor(0), document.pk)
    clock.freeze(local(2026, 3, 16, 10))
    data = "澄清：第三章评标办法".encode()
    meta = DocumentMeta(kind="clarification", title="澄清一", signature=tender.principal_key.sign(data).hex())
    too_late = refusals(
        "clarification_too_late", clarify, tender.manager, tender.notice.pk, meta, "c.pdf", data
    )
    assert local_text(local(2026, 3, 31, 9)) in too_late.zh
    moved = local(2026, 3, 31, 9)
    meta = DocumentMeta(
        kind="clarification",
        title="澄清一",
        signature=tender.principal_key.sign(data).hex(),
        new_bid_deadline=moved,
    )
    clarify(tender.manager, tender.notice.pk, meta, "c.pdf", data)
    told = Notification.objects.get(subject__startswith="招标文件", recipient__username="tb0")
    assert local_text(moved) in told.body
    days = {date(2026, 3, 9), date(2026, 3, 24), date(2026, 3, 4)}
    asked = (early, local(2026, 3, 20, 1, 30), local(2026, 3, 24, 1, 30))
    check_everything(refusals, days, [moved, local(2026, 3, 24, 1, 30)], asked)
