"""Error codes live in one catalogue the API documents; the source and the catalogue never drift apart."""

import pytest

from ggzy.kernel import error_catalogue


def test_every_raised_code_is_in_the_catalogue_and_nothing_else() -> None:
    raised = error_catalogue.scan()
    kept = error_catalogue.catalogue()
    missing = sorted(set(raised) - set(kept))
    stale = sorted(set(kept) - set(raised))
    assert not missing and not stale, (
        f"run `python -m ggzy.kernel.error_catalogue --write` and commit: new {missing}, gone {stale}"
    )
    changed = sorted(c for c in raised if raised[c]["status"] != kept[c]["status"])
    assert not changed, f"a published code changed its HTTP status: {changed}"


def test_each_code_has_messages_in_both_languages() -> None:
    for code, entry in error_catalogue.catalogue().items():
        assert entry["zh"] and entry["en"], code
        assert code.replace("_", "").isalnum() and code == code.lower(), code


@pytest.mark.django_db
def test_the_api_lists_the_codes(client) -> None:  # type: ignore[no-untyped-def]
    listed = client.get("/api/error-codes").json()
    codes = {e["code"]: e for e in listed}
    assert (
        codes["pool_too_small"]["status"] == 422
        and "ggzy.trading.invitations" in codes["pool_too_small"]["raised_in"]
    )
    assert "error-codes" in client.get("/api/openapi.json").json()["info"]["description"]
