"""The public portal without login: Chinese, accessible landmarks and labels, stable URLs; the catalogue's
public consultation and management pages (R2.2); rule clean-up announcements (R5.2); penalties."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.catalogue.models import CatalogueVersion, Comment
from ggzy.disclosure.models import CleanupAnnouncement
from ggzy.disclosure.tests.trade import Finished
from ggzy.kernel import clock

pytestmark = pytest.mark.django_db


def accessible(html: str) -> None:
    assert '<html lang="zh-Hans">' in html
    assert '<main id="main"' in html and "<nav" in html
    for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
        if 'type="hidden"' in html.split(f'id="{field_id}"')[0][-200:]:
            continue
        assert f'for="{field_id}"' in html or "aria-label" in html, field_id


def test_home_shows_the_latest_notices_by_category_and_region(finished: Finished, client: Client) -> None:
    html = client.get("/").content.decode()
    accessible(html)
    notice = finished.lot.notice
    assert notice is not None
    assert f'href="/portal/notices/{notice.pk}/"' in html
    assert (
        "按交易类别" in html
        and "工程建设项目招标投标" in html
        and "按地区" in html
        and "银川市公共资源交易中心" in html
    )
    assert 'action="/portal/search/"' in html


def test_notice_list_filters_and_pages(finished: Finished, client: Client) -> None:
    html = client.get("/portal/notices/").content.decode()
    accessible(html)
    assert finished.project.name in html
    for query in (
        "category=engineering",
        "method=open",
        "region=640100",
        "status=archived",
        "amount_min=1000000",
    ):
        assert finished.project.name in client.get(f"/portal/notices/?{query}").content.decode(), query
    for query in (
        "category=procurement",
        "method=invited",
        "region=640300",
        "amount_max=1000",
        "date_to=2000-01-01",
    ):
        assert finished.project.name not in client.get(f"/portal/notices/?{query}").content.decode(), query


def test_search_page_highlights(finished: Finished, client: Client) -> None:
    html = client.get("/portal/search/?q=教学楼+施工").content.decode()
    accessible(html)
    assert "<mark>教学楼</mark>" in html
    assert "共 0 条" not in html


def test_notice_and_project_pages(finished: Finished, client: Client) -> None:
    notice = finished.lot.notice
    assert notice is not None
    html = client.get(f"/portal/notices/{notice.pk}/").content.decode()
    accessible(html)
    assert notice.title in html and "招标文件" in html
    html = client.get(f"/portal/projects/{finished.project.code}/").content.decode()
    accessible(html)
    for step in (
        "发布公开招标公告",
        "发布招标文件",
        "开标",
        "公布开标记录",
        "中标候选人公示",
        "中标结果公告",
        "签订合同",
    ):
        assert step in html, step
    assert client.get("/portal/projects/E0000000000000000/").status_code == 404
    assert client.get("/portal/notices/999999/").status_code == 404


def test_entity_page_shows_public_data_and_awards(finished: Finished, client: Client) -> None:
    winner = finished.lot.award.winner.bidder
    html = client.get(f"/portal/entities/{winner.uscc}/").content.decode()
    accessible(html)
    assert winner.name in html and "中标记录" in html and finished.project.name in html
    assert "信用状况" in html
    assert client.get("/portal/entities/91000000000000000X/").status_code == 404


def test_penalties_page_without_credit_app_is_an_empty_state(client: Client, network) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/portal/penalties/").content.decode()
    accessible(html)
    assert "行政处罚公示" in html


def test_catalogue_consultation_comment_and_adoption(client: Client, network) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(clock.now())
    try:
        client.force_login(User.objects.get(username="op"))
        response = client.post(
            "/portal/catalogue/manage/",
            {
                "node": network["province"].pk,
                "code": "NX-2026-02",
                "title": "宁夏公共资源交易目录（2026年版）",
                "citation": "宁政办发〔2026〕1号",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        version = CatalogueVersion.objects.get(code="NX-2026-02")
        edit = f"/portal/catalogue/manage/{version.pk}/"
        accessible(client.get(edit).content.decode())
        response = client.post(
            edit,
            {
                "do": "item",
                "category": "procurement",
                "subject": "B",
                "name": "政府集中采购目录内货物",
                "threshold": "1000000",
                "funding_scope": "all",
                "basis": "catalogue",
                "scope": "集中采购目录以内的货物",
                "citation": "宁夏回族自治区政府集中采购目录",
            },
        )
        assert response.status_code == 302, response.content.decode()[-3000:]
        assert client.post(edit, {"do": "consult", "comment_until": ""}).status_code == 302
        version.refresh_from_db()
        assert version.status == CatalogueVersion.Status.CONSULTATION
        client.logout()
        public = f"/portal/catalogue/{version.pk}/"
        html = client.get(public).content.decode()
        accessible(html)
        assert "提交意见" in html and "政府集中采购目录内货物" in html
        assert client.post(public, {"text": "建议将限额调整为200万元。"}).status_code == 302
        assert Comment.objects.get().text == "建议将限额调整为200万元。"
        assert client.post(public, {"text": ""}).status_code == 200  # the form asks again, nothing stored
        client.force_login(User.objects.get(username="op"))
        assert "建议将限额调整为200万元" in client.get(edit).content.decode()
        early = client.post(edit, {"do": "adopt", "effective_from": str(clock.today() + timedelta(days=40))})
        assert early.status_code == 422 and "征求意见期" in early.content.decode()
        assert version.comment_until is not None
        clock.freeze(clock.now() + timedelta(days=(version.comment_until - clock.today()).days + 1))
        response = client.post(
            edit, {"do": "adopt", "effective_from": str(clock.today() + timedelta(days=5))}
        )
        assert response.status_code == 302
        version.refresh_from_db()
        assert version.status == CatalogueVersion.Status.ADOPTED
        assert "宁夏公共资源交易目录（2026年版）" in client.get("/portal/catalogue/").content.decode()
    finally:
        clock.release()


def test_catalogue_management_is_for_operators(client: Client, network) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/portal/catalogue/manage/").status_code == 302  # to the login page
    client.force_login(User.objects.get(username="reg"))
    assert client.get("/portal/catalogue/manage/").status_code == 403


def test_cleanup_announcement_by_the_operator(client: Client, network) -> None:  # type: ignore[no-untyped-def]
    client.force_login(User.objects.get(username="op"))
    html = client.get("/portal/cleanup/new/").content.decode()
    accessible(html)
    response = client.post(
        "/portal/cleanup/new/",
        {
            "node": network["province"].pk,
            "title": "关于规则清理结果的公告",
            "document_no": "宁公管〔2026〕3号",
            "result": "mixed",
            "body": "废止3件，修订2件。",
        },
    )
    assert response.status_code == 302
    item = CleanupAnnouncement.objects.get()
    client.logout()
    html = client.get(f"/portal/cleanup/{item.pk}/").content.decode()
    assert "废止3件" in html and "宁公管〔2026〕3号" in html
    assert "关于规则清理结果的公告" in client.get("/portal/cleanup/").content.decode()
    refused = client.post(
        "/portal/cleanup/new/", {"node": network["province"].pk, "title": "x", "result": "mixed", "body": "y"}
    )
    assert refused.status_code == 302  # anonymous: to the login page


def test_open_data_page_lists_months_and_the_rules(finished: Finished, client: Client) -> None:
    html = client.get("/portal/data/").content.decode()
    accessible(html)
    assert "/api/disclosure/bulk/" in html and "不公开" in html


def test_audit_checkpoints_page_publishes_the_signed_roots(finished: Finished, client: Client) -> None:
    """The lifecycle signed checkpoints at its milestones; the portal lists them with the keys to check
    them, and the roots it shows are the signed ones."""
    from ggzy.kernel.checkpoints import published_checkpoints
    from ggzy.kernel.platform_key import platform_public_key
    from ggzy_guomi.checkpoint import verify_checkpoint

    html = client.get("/portal/audit/").content.decode()
    accessible(html)
    documents = published_checkpoints()["checkpoints"]
    assert isinstance(documents, list) and documents
    for doc in documents[-3:]:
        checked = verify_checkpoint(doc, platform_public_key())
        assert f"<td>{checked.seq}</td>" in html and checked.root in html
    assert platform_public_key().key_id in html and "verify_audit --checkpoints" in html
    assert "not an independent authority" in html  # the embedded TSA says what it is
