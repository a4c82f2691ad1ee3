"""The expert's page (我的专家信息), the application, the operator's draws (专家抽取) and library (专家库):
access by role, every form through its action, refusals with their rule, and names sealed until the
evaluation starts."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.experts import actions
from ggzy.experts.models import ConflictDeclaration, DrawnExpert, DrawRequest, Expert, Unavailability
from ggzy.experts.tests.conftest import (
    EVALUATION_AT,
    Opened,
    expert_actor,
    expert_form,
    id_number,
    make_expert,
    run_draw,
    start_evaluation,
)
from ggzy.kernel import clock
from ggzy.kernel.models import AuditEvent
from ggzy.registry.actions import create_staff_account
from ggzy.registry.schemas import StaffAccountIn
from ggzy.testing import PASSWORD, new_uscc

pytestmark = pytest.mark.django_db


def login(client: Client, username: str) -> Client:
    client.force_login(User.objects.get(username=username))
    return client


def html(response: Any) -> str:
    return str(response.content.decode())


def drawn(opened: Opened, n: int = 5) -> tuple[DrawRequest, list[Expert]]:
    """A draw for the opened lot whose experts all accepted (the lot is still OPENING)."""
    for _ in range(n):
        make_expert()
    draw = run_draw(opened.lot.code, rows=[("A08", n)])
    experts = []
    for call in draw.calls.select_related("expert"):
        actions.respond(expert_actor(call.expert), call.pk, accept=True)
        experts.append(call.expert)
    return draw, experts


def secrets_of(experts: list[Expert]) -> list[str]:
    return [e.name for e in experts] + [e.code for e in experts] + [e.user.username for e in experts]


# ---- secrecy ------------------------------------------------------------------------------------------


def test_no_drawn_expert_is_named_before_the_evaluation_starts(opened: Opened) -> None:
    draw, experts = drawn(opened)
    assert opened.lot.state == "opening"
    op = login(Client(), "op")
    pages = {
        "draws": op.get("/experts/draws/"),
        "draw": op.get(f"/experts/draws/{draw.pk}/"),
        "workspace": op.get("/workspace/"),
        "room": op.get(f"/evaluation/lots/{opened.lot.code}/"),
        "regulator draws": login(Client(), "reg").get(f"/experts/draws/{draw.pk}/"),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        for secret in secrets_of(experts):
            assert secret not in html(response), (where, secret)
    assert "评标开始前，专家姓名密封保存" in html(pages["draw"])
    assert "确认参加" in html(pages["draw"])  # the sealed sequence: statuses, no names
    # Printing is refused with the rule, and nothing is recorded as printed.
    refused = op.post(f"/experts/draws/{draw.pk}/sealed-list/")
    assert refused.status_code == 403
    assert "评标开始前，抽取结果中的专家姓名密封保存" in html(refused)
    assert "第8条" in html(refused)
    assert not AuditEvent.objects.filter(action="experts.print_sealed_list").exists()
    for secret in secrets_of(experts):
        assert secret not in html(refused)


def test_sealed_list_is_printed_and_verified_once_the_evaluation_starts(opened: Opened) -> None:
    draw, experts = drawn(opened)
    start_evaluation()
    op = login(Client(), "op")
    page = html(op.get(f"/experts/draws/{draw.pk}/"))
    assert "复算结果与抽取记录一致" in page
    assert DrawRequest.objects.get(pk=draw.pk).seed in page
    printed = op.post(f"/experts/draws/{draw.pk}/sealed-list/")
    assert printed.status_code == 200
    assert printed["Cache-Control"] == "no-store"
    for expert in experts:
        assert expert.name in html(printed)
        assert expert.mobile not in html(printed)  # masked
        assert expert.mobile_masked in html(printed)
    assert AuditEvent.objects.get(action="experts.print_sealed_list").actor == "op"
    assert login(Client(), "reg").post(f"/experts/draws/{draw.pk}/sealed-list/").status_code == 403


# ---- draws --------------------------------------------------------------------------------------------


def draw_post(lot_code: str, count: int, representatives: int = 0) -> dict[str, Any]:
    return {
        "lot_code": lot_code,
        "procedure": "construction_tender",
        "representatives": representatives,
        "evaluation_at": EVALUATION_AT.strftime("%Y-%m-%dT%H:%M"),
        "venue": "评标区3号室",
        "channel": "voice",
        "allowed_regions": "",
        "rows-TOTAL_FORMS": "3",
        "rows-INITIAL_FORMS": "0",
        "rows-0-specialty": "A08",
        "rows-0-count": str(count),
        "rows-1-specialty": "",
        "rows-1-count": "",
        "rows-2-specialty": "",
        "rows-2-count": "",
    }


def test_draws_pages_are_for_the_operator_and_regulators(client: Client, opened: Opened) -> None:
    assert client.get("/experts/draws/")["Location"].startswith("/login/")
    assert "发起专家抽取" in html(login(Client(), "op").get("/experts/draws/"))
    regulator = html(login(Client(), "reg").get("/experts/draws/"))
    assert "发起专家抽取" not in regulator
    for who in ("zb", "tb0", "dl"):
        assert login(Client(), who).get("/experts/draws/").status_code == 403, who
    assert login(Client(), "reg").post("/experts/draws/", draw_post(opened.lot.code, 5)).status_code == 403
    assert login(Client(), "op").get("/experts/draws/999/").status_code == 404


def test_operator_creates_commits_and_executes_a_draw(client: Client, opened: Opened) -> None:
    for _ in range(5):
        make_expert()
    op = login(client, "op")
    # Refused by the committee rules (招标投标法 第37条): nothing is created.
    small = op.post("/experts/draws/", draw_post(opened.lot.code, 4))
    assert small.status_code == 422
    assert "评标委员会成员4人，少于5人" in html(small)
    assert "招标投标法 第37条" in html(small)
    assert not DrawRequest.objects.exists()
    created = op.post("/experts/draws/", draw_post(opened.lot.code, 5))
    assert created.status_code == 302
    draw = DrawRequest.objects.get()
    assert created["Location"] == f"/experts/draws/{draw.pk}/"
    assert draw.evaluation_at == EVALUATION_AT and draw.venue == "评标区3号室"
    assert op.post(f"/experts/draws/{draw.pk}/commit/").status_code == 302
    assert DrawRequest.objects.get().status == DrawRequest.Status.COMMITTED
    assert DrawRequest.objects.get().seed_commitment in html(op.get(f"/experts/draws/{draw.pk}/"))
    again = op.post(f"/experts/draws/{draw.pk}/commit/")  # refused: already committed, nothing changes
    assert again.status_code == 422
    assert "该抽取已承诺种子或已抽取" in html(again)
    assert op.post(f"/experts/draws/{draw.pk}/execute/").status_code == 302
    assert DrawRequest.objects.get().status == DrawRequest.Status.DRAWN
    assert DrawnExpert.objects.filter(draw=draw).count() == 5
    assert "5 / 5 / 0" in html(op.get("/experts/draws/"))


# ---- the expert's own page -----------------------------------------------------------------------------


def test_my_page_is_for_experts(client: Client, opened: Opened) -> None:
    expert = make_expert()
    assert client.get("/experts/me/")["Location"].startswith("/login/")
    page = html(login(client, expert.user.username).get("/experts/me/"))
    assert expert.name in page and expert.code in page
    assert expert.mobile_masked in page and expert.mobile not in page
    assert expert.id_masked in page
    for who in ("op", "zb", "tb0"):
        assert login(Client(), who).get("/experts/me/").status_code == 403, who


def test_expert_answers_calls_through_the_page(client: Client, opened: Opened) -> None:
    for _ in range(6):
        make_expert()
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    first, second, third = list(draw.calls.select_related("expert__user").order_by("seq"))[:3]
    page = html(login(client, first.expert.user.username).get("/experts/me/"))
    assert draw.number in page and opened.lot.code in page and "确认参加" in page
    assert client.post(f"/experts/calls/{first.pk}/respond/", {"decision": "accept"}).status_code == 302
    assert DrawnExpert.objects.get(pk=first.pk).status == DrawnExpert.Status.ACCEPTED
    # Somebody else's call is refused.
    stolen = client.post(f"/experts/calls/{second.pk}/respond/", {"decision": "accept"})
    assert stolen.status_code == 403
    assert DrawnExpert.objects.get(pk=second.pk).status == DrawnExpert.Status.NOTIFIED
    declined = login(Client(), second.expert.user.username).post(
        f"/experts/calls/{second.pk}/respond/", {"decision": "decline", "reason": "与投标人有利害关系"}
    )
    assert declined.status_code == 302
    call = DrawnExpert.objects.get(pk=second.pk)
    assert call.status == DrawnExpert.Status.DECLINED and call.decline_reason == "与投标人有利害关系"
    assert DrawnExpert.objects.filter(draw=draw, replaces=call).exists()  # the next one is called
    # Too late: refused with the rule, and the call stays as it was.
    clock.advance(timedelta(days=1))
    late = login(Client(), third.expert.user.username).post(
        f"/experts/calls/{third.pk}/respond/", {"decision": "accept"}
    )
    assert late.status_code == 422
    assert "已超过确认时限" in html(late) and "依据：" in html(late)
    assert DrawnExpert.objects.get(pk=third.pk).status == DrawnExpert.Status.NOTIFIED


def test_expert_declares_unavailability_and_conflicts(client: Client, opened: Opened) -> None:
    expert = make_expert()
    login(client, expert.user.username)
    reversed_period = client.post(
        "/experts/me/unavailability/", {"starts_on": "2026-04-10", "ends_on": "2026-04-01", "reason": "出差"}
    )
    assert reversed_period.status_code == 422 and "结束日期早于开始日期" in html(reversed_period)
    assert not Unavailability.objects.exists()
    ok = client.post(
        "/experts/me/unavailability/", {"starts_on": "2026-04-01", "ends_on": "2026-04-10", "reason": "出差"}
    )
    assert ok.status_code == 302
    assert Unavailability.objects.get(expert=expert).ends_on == date(2026, 4, 10)
    bad = client.post("/experts/me/conflicts/", {"entity_uscc": "123", "reason": "亲属任职"})
    assert bad.status_code == 422 and "统一社会信用代码应为18位" in html(bad) and "依据：" in html(bad)
    assert not ConflictDeclaration.objects.exists()
    uscc = opened.bidder(0).uscc
    assert (
        client.post("/experts/me/conflicts/", {"entity_uscc": uscc, "reason": "亲属任职"}).status_code == 302
    )
    assert ConflictDeclaration.objects.get(expert=expert).entity == opened.bidder(0)
    page = html(client.get("/experts/me/"))
    assert "2026-04-10" in page and opened.bidder(0).name in page


# ---- the application -------------------------------------------------------------------------------------


def application(i: int, **change: Any) -> dict[str, Any]:
    form = expert_form(i)
    data: dict[str, Any] = {
        "name": form.name,
        "id_number": form.id_number,
        "mobile": form.mobile,
        "employer_name": form.employer_name,
        "employer_uscc": new_uscc("640104"),
        "region_code": "640104",
        "title": "高级工程师",
        "title_level": "deputy_senior",
        "practice_since": "2010-01-01",
        "specialties": ["A0801"],
    }
    data.update(change)
    return data


def test_apply_signed_out_opens_an_expert_account(client: Client, operator: Any) -> None:
    page = html(client.get("/experts/apply/"))
    assert "登录用户名" in page and "评标专家入库申请" in page
    bad = client.post(
        "/experts/apply/",
        application(901, id_number="640104199001011234", username="zj901", password=PASSWORD),
    )
    assert bad.status_code == 422
    assert "居民身份证号码格式或校验位不正确" in html(bad) and "GB 11643" in html(bad)
    assert not Expert.objects.exists() and not User.objects.filter(username="zj901").exists()
    done = client.post("/experts/apply/", application(901, username="zj901", password=PASSWORD))
    assert done.status_code == 302 and done["Location"] == "/experts/apply/done/"
    expert = Expert.objects.get()
    assert expert.status == Expert.Status.PENDING and expert.user.username == "zj901"
    assert expert.id_last4 == id_number(901)[-4:]
    assert "入库申请已提交" in html(client.get("/experts/apply/done/"))
    assert login(Client(), "zj901").get("/experts/apply/")["Location"] == "/experts/me/"


def test_apply_with_an_expert_account(client: Client, operator: Any) -> None:
    create_staff_account(
        operator,
        StaffAccountIn(
            username="zjnew",
            password=PASSWORD,
            name="孙专家",
            mobile="13900000009",
            kind="expert",
            node_id=User.objects.get(username="op").account.node_id,
        ),
    )
    login(client, "zjnew")
    assert client.get("/experts/me/")["Location"] == "/experts/apply/"
    assert "登录用户名" not in html(client.get("/experts/apply/"))
    assert client.post("/experts/apply/", application(902)).status_code == 302
    assert Expert.objects.get().user.username == "zjnew"
    assert login(Client(), "op").get("/experts/apply/").status_code == 403  # other signed-in users


# ---- the library -------------------------------------------------------------------------------------------


def test_operator_reviews_applications(client: Client, opened: Opened) -> None:
    good = make_expert(approve=False)
    junior = make_expert(approve=False, practice_since=date(2022, 1, 1))
    other = make_expert(approve=False)
    op = login(client, "op")
    page = html(op.get("/experts/library/?status=pending"))
    assert good.name in page and good.mobile_masked in page and good.mobile not in page
    refused = op.post(f"/experts/library/{junior.code}/approve/")
    assert refused.status_code == 422
    assert "不满8年" in html(refused) and "第11条" in html(refused)
    assert Expert.objects.get(pk=junior.pk).status == Expert.Status.PENDING
    assert op.post(f"/experts/library/{good.code}/approve/").status_code == 302
    assert Expert.objects.get(pk=good.pk).status == Expert.Status.ACTIVE
    no_reason = op.post(f"/experts/library/{other.code}/reject/", {"reason": ""})
    assert no_reason.status_code == 422 and "请填写不予通过的理由" in html(no_reason)
    assert op.post(f"/experts/library/{other.code}/reject/", {"reason": "材料不全"}).status_code == 302
    assert Expert.objects.get(pk=other.pk).status_reason == "材料不全"
    assert "审核通过" not in html(login(Client(), "reg").get("/experts/library/?status=pending"))
    assert login(Client(), "reg").post(f"/experts/library/{junior.code}/approve/").status_code == 403
    for who in ("zb", "tb0", good.user.username):
        assert login(Client(), who).get("/experts/library/").status_code == 403, who


@pytest.mark.parametrize(
    ("username", "links"),
    [("op", ["/experts/draws/", "/experts/library/"]), ("expert", ["/experts/me/"])],
)
def test_workspaces_link_to_the_expert_pages(
    client: Client, operator: Any, username: str, links: list[str]
) -> None:
    if username == "expert":
        username = make_expert().user.username
    page = html(login(client, username).get("/workspace/"))
    for link in links:
        assert f'href="{link}"' in page
