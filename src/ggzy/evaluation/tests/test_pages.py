"""The evaluation room (评标室), the bidder's clarifications and objections, and the award (定标与合同),
driven with the Django test client: access by role, every form through its action, refusals with their
message and rule (nothing changed), and a whole committee from seating to the signed report."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.bidding.models import Bond
from ggzy.evaluation import actions
from ggzy.evaluation.models import (
    Award,
    Clarification,
    CommitteeMember,
    Evaluation,
    Rejection,
    Score,
)
from ggzy.evaluation.schemas import CommitteeIn
from ggzy.evaluation.tests.conftest import Opened, opened
from ggzy.experts.models import Expert
from ggzy.kernel import clock
from ggzy.kernel.models import AuditEvent
from ggzy.services.models import ArchivePackage
from ggzy.testing import actor_of, local
from ggzy.trading.models import Lot, Objection

__all__ = ["opened"]
pytestmark = pytest.mark.django_db

POINTS = [
    {"T1": "18", "T2": "8", "B1": "9"},
    {"T1": "15", "T2": "7", "B1": "8"},
    {"T1": "19", "T2": "9", "B1": "9"},
    {"T1": "12", "T2": "6", "B1": "7"},
]


def login(client: Client, username: str) -> Client:
    client.force_login(User.objects.get(username=username))
    return client


def html(response: Any) -> str:
    return str(response.content.decode())


def room(o: Opened) -> str:
    return f"/evaluation/lots/{o.lot_code}/"


def names(o: Opened) -> list[str]:
    return list(Expert.objects.filter(user__username__in=o.experts).values_list("name", flat=True))


def members(o: Opened) -> list[str]:
    return [*o.experts, "zbdb"]


def seat(o: Opened) -> None:
    actions.start_evaluation(
        actor_of("op"),
        o.lot_code,
        CommitteeIn(experts=o.experts, representatives=["zbdb"], chair=o.experts[0]),
    )


def signed_in(o: Opened) -> None:
    seat(o)
    for username in members(o):
        actions.sign_in(actor_of(username), o.lot_code, o.keys[username].public_key.to_pem(), True)


def score_post(o: Opened, rows: range | tuple[int, ...] = range(4)) -> dict[str, str]:
    return {f"score__{o.receipts[i]}__{code}": p for i in rows for code, p in POINTS[i].items()}


def reported(o: Opened) -> Evaluation:
    signed_in(o)
    for username in members(o):
        actions.submit_scores(
            actor_of(username),
            o.lot_code,
            {o.receipts[i]: {k: Decimal(v) for k, v in POINTS[i].items()} for i in range(4)},
        )
    evaluation = actions.finish_scoring(actor_of(o.experts[0]), o.lot_code)
    with evaluation.report_pdf.open("rb") as pdf:
        data = pdf.read()
    for username in members(o):
        evaluation = actions.sign_report(actor_of(username), o.lot_code, o.keys[username].sign(data).hex())
    return evaluation


# ---- access -----------------------------------------------------------------------------------------


def test_room_is_not_public(client: Client, opened: Opened) -> None:
    assert client.get(room(opened))["Location"].startswith("/login/")
    for who, status in (("op", 200), ("reg", 200), ("zb", 200), ("tb0", 403), (opened.experts[0], 403)):
        assert login(Client(), who).get(room(opened)).status_code == status, who
    assert login(Client(), "op").get("/evaluation/lots/NOPE/").status_code == 404
    assert "密封打印名单并组建评标委员会" in html(login(Client(), "op").get(room(opened)))
    seat(opened)
    assert login(Client(), opened.experts[0]).get(room(opened)).status_code == 200  # now a member
    assert login(Client(), "tb0").get(f"{room(opened)}report.pdf").status_code == 403


def test_principal_reads_progress_without_names_or_bids(client: Client, opened: Opened) -> None:
    signed_in(opened)
    page = html(login(client, "zb").get(room(opened)))
    assert "评标中" in page and "只读" in page
    for name in names(opened):
        assert name not in page
    assert "已解密的投标文件" not in page and "保存评分" not in page
    overseer = html(login(Client(), "reg").get(room(opened)))
    assert "已解密的投标文件" in overseer and "24600000.00" in overseer
    assert all(name in overseer for name in names(opened))
    assert "保存评分" not in overseer


# ---- the operator seats the committee --------------------------------------------------------------------


def test_operator_prints_the_sealed_list_and_seats_the_committee(client: Client, opened: Opened) -> None:
    op = login(client, "op")
    printed = op.post(f"{room(opened)}committee/")
    assert printed.status_code == 200 and printed["Cache-Control"] == "no-store"
    assert all(name in html(printed) for name in names(opened))
    assert AuditEvent.objects.filter(action="experts.print_sealed_list").count() == 1
    # Designating experts is refused (条例 第46条): three of the four drawn only.
    seating = {"representatives": ["zbdb"], "chair": opened.experts[0], "hours": "8"}
    refused = op.post(f"{room(opened)}start/", {**seating, "experts": opened.experts[:3]})
    assert refused.status_code == 422
    assert "评标委员会的专家须为本标段随机抽取并确认参加的专家" in html(refused)
    assert "第46条" in html(refused)
    assert not Evaluation.objects.exists()
    done = op.post(f"{room(opened)}start/", {**seating, "experts": opened.experts})
    assert done.status_code == 302 and done["Location"] == room(opened)
    evaluation = Evaluation.objects.get()
    assert evaluation.members.count() == 5
    assert evaluation.members.get(is_chair=True).user.username == opened.experts[0]
    assert "评标委员会已组建" in html(op.get(room(opened)))


# ---- the committee at work ----------------------------------------------------------------------------


def test_a_committee_evaluates_through_the_room(opened: Opened) -> None:
    """Sign in, read a bid, score, finish, sign the report with each member's own key."""
    seat(opened)
    clients = {u: login(Client(), u) for u in members(opened)}
    chair = clients[opened.experts[0]]
    for username, c in clients.items():
        page = html(c.get(room(opened)))
        assert "签到并声明无利害关系" in page and "平台从不接触私钥" in page
        response = c.post(
            f"{room(opened)}sign-in/",
            {"public_key": opened.keys[username].public_key.to_pem(), "no_conflict": "on"},
        )
        assert response.status_code == 302, html(response)
    assert not CommitteeMember.objects.filter(signed_in_at__isnull=True).exists()
    page = html(chair.get(room(opened)))
    link = f"{room(opened)}bids/{opened.receipts[0]}/files/bid-form.json"
    assert link in page and "24600000.00" in page
    read = chair.get(link)
    assert read.status_code == 200 and b"24600000.00" in read.content
    assert "attachment" in read["Content-Disposition"]
    assert AuditEvent.objects.filter(action="evaluation.read_bid_file").count() == 1
    for c in clients.values():
        assert c.post(f"{room(opened)}scores/", score_post(opened)).status_code == 302
    assert Score.objects.count() == 5 * 4 * 3
    assert 'value="18.00"' in html(chair.get(room(opened)))  # my scores are shown back
    assert chair.post(f"{room(opened)}finish/").status_code == 302
    evaluation = Evaluation.objects.get()
    assert evaluation.status == Evaluation.Status.SIGNING
    page = html(chair.get(room(opened)))
    assert "评标报告" in page and evaluation.report_sm3 in page and "下载评标报告PDF" in page
    assert "对PDF文件原文作SM2签名" in page
    for username, c in clients.items():
        pdf = c.get(f"{room(opened)}report.pdf")
        assert pdf["X-Content-SM3"] == evaluation.report_sm3
        data = b"".join(pdf.streaming_content)  # type: ignore[attr-defined]
        signature = opened.keys[username].sign(data).hex()
        assert c.post(f"{room(opened)}signatures/", {"signature": signature}).status_code == 302
    evaluation = Evaluation.objects.get()
    assert evaluation.status == Evaluation.Status.REPORTED
    assert "5 / 5 人已签名" in html(login(Client(), "zb").get(room(opened)))


def test_room_refusals_show_the_reason_and_change_nothing(opened: Opened) -> None:
    seat(opened)
    expert = login(Client(), opened.experts[1])
    no_promise = expert.post(
        f"{room(opened)}sign-in/", {"public_key": opened.keys[opened.experts[1]].public_key.to_pem()}
    )
    assert no_promise.status_code == 422
    assert "与投标人有利害关系的应当主动回避" in html(no_promise)
    assert CommitteeMember.objects.get(user__username=opened.experts[1]).signed_in_at is None
    for username in members(opened):
        actions.sign_in(actor_of(username), opened.lot_code, opened.keys[username].public_key.to_pem(), True)
    too_high = expert.post(f"{room(opened)}scores/", {f"score__{opened.receipts[0]}__T1": "20.5"})
    assert too_high.status_code == 422 and "评分因素T1的分值应在0至20" in html(too_high)
    assert not Score.objects.exists()
    chair = login(Client(), opened.experts[0])
    no_reason = chair.post(
        f"{room(opened)}rejections/",
        {"receipt_no": opened.receipts[3], "ground": "not_responsive", "reason": ""},
    )
    assert no_reason.status_code == 422
    assert "否决投标须选择法定情形并说明理由" in html(no_reason) and "第51条" in html(no_reason)
    assert not Rejection.objects.exists()
    not_chair = expert.post(f"{room(opened)}finish/")
    assert not_chair.status_code == 403 and "由评标委员会组长结束评分" in html(not_chair)
    incomplete = chair.post(f"{room(opened)}finish/")
    assert incomplete.status_code == 422 and "尚未完成对" in html(incomplete)
    assert Evaluation.objects.get().status == Evaluation.Status.IN_PROGRESS
    outsider = login(Client(), "tb0").post(f"{room(opened)}scores/", score_post(opened))
    assert outsider.status_code == 403


def test_chair_rejects_members_ask_and_the_bidder_answers(opened: Opened) -> None:
    signed_in(opened)
    chair = login(Client(), opened.experts[0])
    rejected = chair.post(
        f"{room(opened)}rejections/",
        {"receipt_no": opened.receipts[3], "ground": "not_responsive", "reason": "工期不满足招标文件要求"},
    )
    assert rejected.status_code == 302
    assert Rejection.objects.get().bid.receipt_no == opened.receipts[3]
    assert "工期不满足招标文件要求" in html(chair.get(room(opened)))
    member = login(Client(), opened.experts[1])
    asked = member.post(
        f"{room(opened)}questions/", {"receipt_no": opened.receipts[1], "question": "请说明报价构成"}
    )
    assert asked.status_code == 302
    question = Clarification.objects.get()
    assert member.post(f"{room(opened)}extension/").status_code == 302
    assert CommitteeMember.objects.get(user__username=opened.experts[1]).asked_extension_at is not None
    # The bidder answers on its own page; another bidder cannot.
    bidder = login(Client(), "tb1")
    page = html(bidder.get("/evaluation/mine/"))
    assert "请说明报价构成" in page and f"/evaluation/questions/{question.pk}/answer/" in page
    empty = bidder.post(f"/evaluation/questions/{question.pk}/answer/", {"answer": ""})
    assert empty.status_code == 422 and "请填写澄清内容" in html(empty)
    other = login(Client(), "tb0").post(f"/evaluation/questions/{question.pk}/answer/", {"answer": "x"})
    assert other.status_code == 404 and "未找到澄清要求" in html(other)
    assert (
        bidder.post(f"/evaluation/questions/{question.pk}/answer/", {"answer": "含税综合单价"}).status_code
        == 302
    )
    assert Clarification.objects.get().answer == "含税综合单价"
    assert "含税综合单价" in html(chair.get(room(opened)))


def test_bidder_page_is_for_bidders(client: Client, opened: Opened) -> None:
    assert client.get("/evaluation/mine/")["Location"].startswith("/login/")
    assert login(client, "tb0").get("/evaluation/mine/").status_code == 200
    for who in ("zb", "op", opened.experts[0]):
        assert login(Client(), who).get("/evaluation/mine/").status_code == 403, who


# ---- after the report: publicity, objections, award, contract, archive -------------------------------


def test_award_desk_from_publicity_to_the_archive(opened: Opened) -> None:
    reported(opened)
    desk = f"/evaluation/lots/{opened.lot_code}/award/"
    for who, status in (("zb", 200), ("op", 200), ("reg", 200), ("tb0", 403), (opened.experts[0], 403)):
        assert login(Client(), who).get(desk).status_code == status, who
    zb = login(Client(), "zb")
    page = html(zb.get(desk))
    assert "公示中标候选人" in page and "最迟于" in page and "第54条" in page
    assert opened.tender.bidders[2][0].name in page  # the first-ranked candidate
    assert "公示中标候选人</button>" not in html(login(Client(), "op").get(desk))  # overseers read only
    short = zb.post(
        desk + "publicity/", {"publicity_from": "2026-03-24T10:00", "publicity_until": "2026-03-26T10:00"}
    )
    assert short.status_code == 422
    assert "公示期不得少于3日" in html(short) and "第54条" in html(short)
    assert not Award.objects.exists()
    published = zb.post(
        desk + "publicity/", {"publicity_from": "2026-03-24T10:00", "publicity_until": "2026-03-27T10:00"}
    )
    assert published.status_code == 302
    assert Lot.objects.get(code=opened.lot_code).state == Lot.State.PUBLICITY
    assert Award.objects.get().publicity_until == local(2026, 3, 27, 10)
    # A bidder objects during the publicity.
    clock.freeze(local(2026, 3, 25, 10))
    bidder = login(Client(), "tb1")
    assert opened.tender.bidders[2][0].name in html(bidder.get("/evaluation/mine/"))
    empty = bidder.post(f"/evaluation/lots/{opened.lot_code}/objections/", {"text": ""})
    assert empty.status_code == 422 and "请填写异议内容" in html(empty)
    assert (
        bidder.post(f"/evaluation/lots/{opened.lot_code}/objections/", {"text": "评分有误"}).status_code
        == 302
    )
    objection = Objection.objects.get(stage=Objection.Stage.RESULT)
    page = html(zb.get(desk))
    assert "评分有误" in page and f"/trading/objections/{objection.pk}/answer/" in page
    clock.freeze(local(2026, 3, 27, 10))
    paused = zb.post(desk + "winner/", {"receipt_no": opened.receipts[2]})
    assert paused.status_code == 422 and "对评标结果的异议答复前" in html(paused)
    assert (
        zb.post(f"/trading/objections/{objection.pk}/answer/", {"answer": "经复核评分无误"}).status_code
        == 302
    )
    second = zb.post(desk + "winner/", {"receipt_no": opened.receipts[0]})
    assert second.status_code == 422 and "第55条" in html(second)
    assert Award.objects.get().winner is None
    assert zb.post(desk + "winner/", {"receipt_no": opened.receipts[2]}).status_code == 302
    done = Award.objects.get()
    assert done.winner is not None and done.winner.receipt_no == opened.receipts[2]
    page = html(zb.get(desk))
    assert "2026-04-28 00:00" in page and "2026-04-14 00:00" in page  # contract and report deadlines
    assert zb.post(desk + "report/").status_code == 302
    assert Award.objects.get().reported_at is not None
    high = zb.post(
        desk + "contract/", {"amount": "24450000", "performance_bond": "2445000.01", "contract_sm3": "a" * 64}
    )
    assert high.status_code == 422 and "履约保证金不得超过中标合同金额的10%" in html(high)
    assert Award.objects.get().contract_signed_at is None
    signed = zb.post(
        desk + "contract/", {"amount": "24450000", "performance_bond": "0", "contract_sm3": "a" * 64}
    )
    assert signed.status_code == 302
    assert Lot.objects.get(code=opened.lot_code).state == Lot.State.CONTRACTED
    # The operator refunds the deposits and archives the lot.
    op = login(Client(), "op")
    page = html(op.get(room(opened)))
    assert "投标保证金退还" in page and "2026-04-02 00:00" in page and "归档</button>" in page
    bond = Bond.objects.filter(lot__code=opened.lot_code).order_by("pk").first()
    assert bond is not None
    clock.freeze(local(2026, 4, 3, 10))  # a day late
    assert op.post(f"/evaluation/bonds/{bond.pk}/refund/").status_code == 302
    bond = Bond.objects.get(pk=bond.pk)
    assert bond.status == Bond.Status.REFUNDED and bond.refunded_late and bond.interest > 0
    again = op.post(f"/evaluation/bonds/{bond.pk}/refund/")
    assert again.status_code == 422 and "只有已缴纳的现金保证金可以退还" in html(again)
    assert login(Client(), "zb").post(f"{room(opened)}archive/").status_code == 403
    assert op.post(f"{room(opened)}archive/").status_code == 302
    package = ArchivePackage.objects.get()
    page = html(op.get(room(opened)))
    assert package.merkle_root in page and "逾期" in page and str(bond.interest) in page
    assert Lot.objects.get(code=opened.lot_code).state == Lot.State.ARCHIVED


def test_lists_and_links(opened: Opened) -> None:
    seat(opened)
    for who in ("zb", "op", "reg"):
        assert room(opened) in html(login(Client(), who).get("/evaluation/lots/")), who
    for who in ("tb0", opened.experts[0]):
        assert login(Client(), who).get("/evaluation/lots/").status_code == 403, who
    project = html(login(Client(), "zb").get(f"/trading/projects/{opened.tender.project.code}/"))
    assert room(opened) in project and f"{room(opened)}award/" in project
    assert 'href="/evaluation/lots/"' in html(login(Client(), "zb").get("/workspace/"))
    assert 'href="/evaluation/mine/"' in html(login(Client(), "tb0").get("/workspace/"))
    assert 'href="/evaluation/lots/"' in html(login(Client(), "op").get("/workspace/"))
    mine = html(login(Client(), opened.experts[0]).get("/experts/me/"))
    assert room(opened) in mine  # my evaluations
    assert login(Client(), opened.experts[0]).get("/workspace/").status_code == 200


def test_scoring_closes_with_the_report(opened: Opened) -> None:
    reported(opened)
    late = login(Client(), opened.experts[1]).post(f"{room(opened)}scores/", score_post(opened))
    assert late.status_code == 422 and "评分已结束" in html(late)
    clock.advance(timedelta(minutes=1))
    assert Score.objects.filter(scored_at__gt=clock.now() - timedelta(seconds=30)).count() == 0
