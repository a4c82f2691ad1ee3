"""Concurrent actions still form one unbroken chain (the head row lock / SQLite's write lock)."""

import threading

import pytest
from django.db import connection

from ggzy.kernel import audit
from ggzy.kernel.actions import action
from ggzy.kernel.audit import verify_chain
from ggzy.kernel.models import AuditEvent
from ggzy.kernel.roles import Actor


@action("test.concurrent")
def append(actor: Actor, n: int) -> None:
    audit.record(("test.thing", n), {"n": n})


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_appends_keep_the_chain_whole() -> None:
    writers, per_writer = 4, 15
    errors: list[BaseException] = []

    def work(w: int) -> None:
        try:
            for i in range(per_writer):
                append(Actor.system(f"writer{w}"), w * 100 + i)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    report = verify_chain()
    assert report.intact, report.reason
    assert report.count == AuditEvent.objects.count() == writers * per_writer


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_verify_while_writers_append_sees_no_false_break() -> None:
    """verify_audit used to read the events, then the head: a writer committing in between gave
    "chain ends at #865 but the head records #880". It now reads one snapshot."""
    from ggzy.kernel.checkpoints import issue_checkpoint

    writers, per_writer = 3, 40
    errors: list[BaseException] = []

    def work(w: int) -> None:
        try:
            for i in range(per_writer):
                append(Actor.system(f"writer{w}"), w * 1000 + i)
                if i % 10 == 9:
                    issue_checkpoint("interval")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    reports = []
    while True:  # at least once, then as long as anyone writes
        reports.append(verify_chain())
        if not any(t.is_alive() for t in threads):
            break
    for t in threads:
        t.join()
    assert not errors, errors
    assert reports, "verification ran while writers were appending"
    broken = [r.reason for r in reports if not r.intact]
    assert not broken, broken
    final = verify_chain()
    assert final.intact and final.count == writers * per_writer
