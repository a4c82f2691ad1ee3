"""A request body over the size limit (DATA_UPLOAD_MAX_MEMORY_SIZE) is a 413 in the documented error
format on /api/ and a Chinese page elsewhere — not a server error with a traceback (issue 11 §5)."""

import json

import pytest
from django.conf import settings

from ggzy.registry.actions import issue_api_token
from ggzy.supervision.models import Case
from ggzy.testing import actor_of

pytestmark = pytest.mark.django_db

OVER = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024 * 1024  # ~7 MiB


def test_a_7_mib_bid_chunk_is_413_in_the_error_format(client, network) -> None:  # type: ignore[no-untyped-def]
    token = issue_api_token(actor_of("op"), "size")[1]
    response = client.put(
        "/api/bids/uploads/u-does-not-matter",
        data=b"\0" * OVER,
        content_type="application/octet-stream",
        headers={"Authorization": f"Bearer {token}", "Content-Range": f"bytes 0-{OVER - 1}/{OVER}"},
    )
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "request_too_large"
    assert set(body["message"]) == {"zh", "en"}
    assert body["details"]["max_bytes"] == settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_7_mb_json_report_is_413_and_files_nothing(client) -> None:  # type: ignore[no-untyped-def]
    before = Case.objects.count()
    payload = json.dumps({"text": "举" * (OVER // 3), "sector": "engineering"})
    response = client.post("/api/supervision/reports", data=payload, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert Case.objects.count() == before


def test_an_oversized_form_post_to_a_page_is_a_chinese_413_page(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/login/", data=b"username=" + b"x" * OVER, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    text = response.content.decode()
    assert "请求内容过大" in text
    assert "Traceback" not in text
