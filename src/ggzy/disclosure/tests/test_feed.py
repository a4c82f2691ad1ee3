"""The change feed: cursor pagination on the audit chain's seq (= commit order) skips nothing, even with
writers committing slowly and concurrently (threads on a file database, or PostgreSQL)."""

import random
import threading
import time

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client

from ggzy.disclosure import feed
from ggzy.disclosure.actions import publish_cleanup
from ggzy.kernel.audit import verify_chain
from ggzy.kernel.errors import InvalidInput, NotAuthenticated
from ggzy.kernel.models import AuditEvent
from ggzy.testing import actor_of

WRITERS = 4
EACH = 5


def _slow_commit(sender: type[AuditEvent], instance: AuditEvent, created: bool, **kwargs: object) -> None:
    # Inside the action, after its seq was taken: hold the transaction open a little while.
    if created and instance.action == "disclosure.publish_cleanup":
        time.sleep(random.uniform(0, 0.02))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cursor_skips_nothing_with_concurrent_writers(network) -> None:  # type: ignore[no-untyped-def]
    province = network["province"].pk
    post_save.connect(_slow_commit, sender=AuditEvent, dispatch_uid="slow-commit")
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def write(n: int) -> None:
        try:
            for i in range(EACH):
                publish_cleanup(actor_of("op"), province, f"清理公告{n}-{i}", "废止一件。", "repealed")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def read() -> None:
        after = 0
        try:
            while True:
                done = stop.is_set()
                page = feed.page(after, limit=3)
                seen.extend(item["seq"] for item in page.items)
                after = page.next_after
                if done and not page.has_more:
                    break
                time.sleep(0.002)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    try:
        reader = threading.Thread(target=read)
        writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
        reader.start()
        for w in writers:
            w.start()
        for w in writers:
            w.join()
        stop.set()
        reader.join(timeout=60)
    finally:
        post_save.disconnect(dispatch_uid="slow-commit", sender=AuditEvent)
    assert not errors, errors
    expected = list(
        AuditEvent.objects.filter(action="disclosure.publish_cleanup")
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    assert len(expected) == WRITERS * EACH
    assert seen == expected  # each once, in commit order, none skipped
    assert verify_chain().intact


@pytest.mark.django_db
def test_feed_api_lists_public_changes_of_a_finished_trade(finished, client: Client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/disclosure/feed?limit=500").json()
    changes = [item["change"] for item in body["items"]]
    for change in (
        "notice_published",
        "opening_started",
        "opening_record_published",
        "candidates_published",
        "award_published",
        "contract_signed",
    ):
        assert change in changes
    seqs = [item["seq"] for item in body["items"]]
    assert seqs == sorted(seqs)
    first = body["items"][0]
    assert first["ocid"].startswith("ocds-ggzy00-") and first["links"]["page"].startswith("/portal/projects/")
    # Paging by two gives the same items.
    after, paged = 0, []
    while True:
        page = client.get(f"/api/disclosure/feed?after={after}&limit=2").json()
        paged += [item["seq"] for item in page["items"]]
        after = page["next_after"]
        if not page["has_more"]:
            break
    assert paged == seqs
    assert client.get("/api/disclosure/feed?after=-1").json()["code"] == "feed_after"


@pytest.mark.django_db
def test_only_operators_publish_cleanups(network) -> None:  # type: ignore[no-untyped-def]
    from ggzy.kernel.roles import Actor

    with pytest.raises(NotAuthenticated):
        publish_cleanup(Actor.anonymous(), network["province"].pk, "t", "b", "kept")
    with pytest.raises(InvalidInput) as err:
        publish_cleanup(actor_of("op"), network["province"].pk, "t", "b", "whatever")
    assert err.value.code == "cleanup_result"
