"""However many chronographs run, the nightly sweep (and its collusion screen) runs once (issue 11 §7)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from ggzy.kernel import chronograph, clock
from ggzy.kernel.models import AuditCheckpoint, AuditEvent
from ggzy.kernel.roles import Actor
from ggzy.kernel.tests.test_audit_concurrency import append
from ggzy.supervision import sweep
from ggzy.supervision.models import Schedule


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_chronographs_run_the_nightly_sweep_once(monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = Schedule.objects.get(name=sweep.NIGHTLY)
    now = clock.now()
    Schedule.objects.filter(pk=schedule.pk).update(next_check=now - timedelta(minutes=1))
    append(Actor.system("test"), 1)  # an event for the interval checkpoint to cover
    runs: list[int] = []
    real_run = sweep.run
    start = threading.Barrier(3)

    def counted_run(at: object = None) -> dict[str, object]:
        runs.append(1)
        return real_run(now)

    monkeypatch.setattr(sweep, "run", counted_run)
    errors: list[BaseException] = []

    def chronograph_process() -> None:
        try:
            start.wait()
            chronograph.sweep(now)
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=chronograph_process) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(runs) == 1
    assert AuditEvent.objects.filter(action="supervision.nightly_sweep").count() == 1
    assert AuditCheckpoint.objects.filter(reason="interval").count() == 1  # one checkpoint, not three
    schedule.refresh_from_db()
    assert schedule.next_check is not None and schedule.next_check > now


@pytest.mark.django_db
def test_a_claimed_sweep_that_died_is_taken_over_when_the_lease_ends() -> None:
    schedule = Schedule.objects.get(name=sweep.NIGHTLY)
    now = clock.now()
    Schedule.objects.filter(pk=schedule.pk).update(next_check=now)
    assert chronograph.claim(Schedule, schedule.pk, now, sweep.NIGHTLY_LEASE)
    assert not chronograph.claim(Schedule, schedule.pk, now, sweep.NIGHTLY_LEASE)  # the second process
    later = now + sweep.NIGHTLY_LEASE
    assert chronograph.claim(Schedule, schedule.pk, later, sweep.NIGHTLY_LEASE)  # the first one died
