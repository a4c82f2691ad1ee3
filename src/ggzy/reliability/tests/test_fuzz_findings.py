"""What the fuzzer (test_fuzzing.py) found, pinned as plain regression tests that need no fuzzer.

Each was a strict xfail until its fix landed; now they keep the bugs away.
"""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db
SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


def operator_headers() -> dict[str, str]:
    from ggzy.registry.actions import issue_api_token
    from ggzy.testing import actor_of

    return {"Authorization": f"Bearer {issue_api_token(actor_of('op'), 'fuzz')[1]}"}


def test_entity_directory_filters_by_region(client, network) -> None:  # type: ignore[no-untyped-def]
    client.raise_request_exception = False
    for region in ("640100", "6401", "null"):
        response = client.get("/api/registry/entities", {"region": region})
        assert response.status_code == 200, (region, response.status_code)
        assert isinstance(response.json()["items"], list)


def test_expert_library_filters_by_region(client, network) -> None:  # type: ignore[no-untyped-def]
    client.raise_request_exception = False
    headers = operator_headers()
    for region in ("640100", "6401", "null"):
        response = client.get("/api/experts", {"region": region}, headers=headers)
        assert response.status_code == 200, (region, response.status_code)


def test_catalogue_versions_with_an_out_of_range_node_id(client, network) -> None:  # type: ignore[no-untyped-def]
    client.raise_request_exception = False
    response = client.get("/api/catalogue/versions", {"node_id": str(-(2**100))}, headers=operator_headers())
    assert response.status_code in (200, 422), response.status_code


def test_search_refuses_infinite_amounts(client, network) -> None:  # type: ignore[no-untyped-def]
    client.raise_request_exception = False
    for query in ({"amount_max": "Inf"}, {"amount_min": "NaN"}, {"amount_min": "-Infinity"}):
        response = client.get("/api/disclosure/search", query)
        assert response.status_code in (200, 422), (query, response.status_code)


def test_nul_characters_are_refused_not_a_server_error(client, network) -> None:  # type: ignore[no-untyped-def]
    client.raise_request_exception = False
    headers = operator_headers()
    for path, query in (
        ("/api/registry/entities", {"q": "宁夏\x00"}),
        ("/api/audit/events", {"object_type": "trading.project\x00", "object_id": "1"}),
    ):
        response = client.get(path, query, headers=headers)
        assert response.status_code in (200, 404, 422), (path, response.status_code)
