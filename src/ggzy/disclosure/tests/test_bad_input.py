"""Bad input on the portal and its API (issue 11 §5): a clear 4xx in the documented error format, nothing
changed — never a server error."""

import pytest

from ggzy.disclosure import queries
from ggzy.kernel.errors import InvalidInput

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.mark.parametrize("path", ["/portal/notices/", "/portal/search/"])
def test_a_page_number_beyond_any_database_offset_is_a_clear_refusal_on_the_portal(client, path) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, {"page": HUGE})
    assert response.status_code == 422
    text = response.content.decode()
    assert "页码" in text and "page_out_of_range" in text


def test_a_page_number_beyond_any_database_offset_is_a_clear_refusal_in_the_api(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/disclosure/search", {"page": HUGE})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "page_out_of_range"
    assert set(body["message"]) == {"zh", "en"}
    assert body["details"]["max_page"] == queries.MAX_PAGE


def test_the_shared_page_parser_at_its_boundaries() -> None:
    assert queries.parse_page(None) == 1
    assert queries.parse_page("") == 1
    assert queries.parse_page("abc") == 1  # not a number: the first page, as before
    assert queries.parse_page("0") == 1
    assert queries.parse_page("-5") == 1
    assert queries.parse_page(str(queries.MAX_PAGE)) == queries.MAX_PAGE
    with pytest.raises(InvalidInput):
        queries.parse_page(str(queries.MAX_PAGE + 1))
    with pytest.raises(InvalidInput):
        queries.parse_page(HUGE)
    with pytest.raises(InvalidInput):
        queries.parse_page(10**30)


def test_the_last_allowed_page_answers_empty(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/portal/notices/", {"page": queries.MAX_PAGE}).status_code == 200
    response = client.get("/api/disclosure/search", {"page": queries.MAX_PAGE})
    assert response.status_code == 200
    assert response.json()["results"] == []
