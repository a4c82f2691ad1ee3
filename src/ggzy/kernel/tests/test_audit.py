"""The audit chain: one event per action, and tampering of every kind is found."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ggzy.kernel import audit
from ggzy.kernel.actions import action
from ggzy.kernel.audit import verify_chain
from ggzy.kernel.errors import InvalidInput
from ggzy.kernel.models import AuditEvent, AuditHead, Region
from ggzy.kernel.roles import Actor, Role

pytestmark = pytest.mark.django_db

USER = Actor(name="alice", user_id=7, roles=frozenset({Role.OPERATOR}), ip="192.0.2.10")


@action("test.touch")
def touch(actor: Actor, n: int) -> int:
    audit.record(("test.thing", n), {"n": n, "note": "中文"})
    return n


@action("test.silent")
def silent(actor: Actor) -> None:
    Region.objects.filter(code="640000").update(name="改了")


@action("test.twice")
def twice(actor: Actor) -> None:
    audit.record(("test.thing", 1), {})
    audit.record(("test.thing", 2), {})


@action("test.refuse")
def refuse(actor: Actor) -> None:
    Region.objects.filter(code="640000").update(name="改了")
    raise InvalidInput("nope", "不行", "no")


@action("test.outer")
def outer(actor: Actor) -> None:
    touch(actor, 1)


def make_chain(n: int = 5) -> list[AuditEvent]:
    for i in range(n):
        touch(USER, i)
    return list(AuditEvent.objects.order_by("seq"))


def test_an_action_writes_exactly_one_linked_event(vclock) -> None:  # type: ignore[no-untyped-def]
    events = make_chain(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == audit.GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    first = events[0]
    assert (first.actor, first.actor_user_id, first.role, first.ip) == ("alice", 7, "operator", "192.0.2.10")
    assert (first.action, first.object_type, first.object_id) == ("test.touch", "test.thing", "0")
    assert first.occurred_at == vclock
    assert verify_chain().intact
    assert verify_chain().count == 3


def test_action_without_event_rolls_back() -> None:
    with pytest.raises(RuntimeError, match="without writing its audit event"):
        silent(USER)
    assert Region.objects.get(code="640000").name == "宁夏回族自治区"


def test_second_event_is_refused_and_nothing_is_kept() -> None:
    with pytest.raises(RuntimeError, match="second audit event"):
        twice(USER)
    assert AuditEvent.objects.count() == 0


def test_refused_action_changes_nothing() -> None:
    with pytest.raises(InvalidInput):
        refuse(USER)
    assert Region.objects.get(code="640000").name == "宁夏回族自治区"
    assert AuditEvent.objects.count() == 0


def test_actions_do_not_nest() -> None:
    with pytest.raises(RuntimeError, match="inside another action"):
        outer(USER)
    assert AuditEvent.objects.count() == 0


def test_record_outside_an_action_is_refused() -> None:
    with pytest.raises(RuntimeError, match="only callable inside"):
        audit.record(("test.thing", 1), {})


def test_changed_event_is_found() -> None:
    events = make_chain()
    AuditEvent.objects.filter(pk=events[2].pk).update(actor="mallory")
    report = verify_chain()
    assert not report.intact
    assert report.bad_seq == 3
    assert "changed" in report.reason


def test_changed_payload_is_found() -> None:
    events = make_chain()
    AuditEvent.objects.filter(pk=events[1].pk).update(payload={"n": 99, "note": "中文"})
    report = verify_chain()
    assert (report.intact, report.bad_seq) == (False, 2)
    assert "payload" in report.reason


def test_deleted_event_is_found() -> None:
    events = make_chain()
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    report = verify_chain()
    assert (report.intact, report.bad_seq) == (False, 4)
    assert "removed" in report.reason


def test_deleted_tail_is_found() -> None:
    events = make_chain()
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    report = verify_chain()
    assert not report.intact
    assert report.count == 4
    assert "end" in report.reason


def test_reordered_events_are_found() -> None:
    events = make_chain()
    a, b = events[1], events[2]
    # Swap their positions in the chain (seq is unique, so go through a free number).
    AuditEvent.objects.filter(pk=a.pk).update(seq=1000)
    AuditEvent.objects.filter(pk=b.pk).update(seq=a.seq)
    AuditEvent.objects.filter(pk=a.pk).update(seq=b.seq)
    report = verify_chain()
    assert (report.intact, report.bad_seq) == (False, 2)


def test_inserted_event_is_found() -> None:
    events = make_chain()
    # Shift the tail up by one and forge an event in the gap, with a hash that is self-consistent.
    for e in reversed(events[2:]):
        AuditEvent.objects.filter(pk=e.pk).update(seq=e.seq + 1)
    forged = AuditEvent(
        seq=3,
        occurred_at=events[1].occurred_at,
        actor="mallory",
        role="operator",
        action="test.touch",
        object_type="test.thing",
        object_id="x",
        payload={},
        payload_digest=events[0].payload_digest,
        prev_hash=events[1].hash,
    )
    forged.hash = audit.event_hash(forged)
    forged.payload_digest = audit.sm3_hex(audit.canonical_bytes({}))
    forged.hash = audit.event_hash(forged)
    forged.save()
    head = AuditHead.objects.get(pk=1)
    AuditHead.objects.filter(pk=1).update(seq=head.seq + 1)
    report = verify_chain()
    assert (report.intact, report.bad_seq) == (False, 4)  # the event after the forgery no longer links


def test_verify_audit_command(capsys: pytest.CaptureFixture[str]) -> None:
    events = make_chain(4)
    call_command("verify_audit")
    assert "4 events" in capsys.readouterr().out
    AuditEvent.objects.filter(pk=events[0].pk).update(object_id="tampered")
    with pytest.raises(CommandError) as err:
        call_command("verify_audit")
    assert err.value.returncode == 1
    assert "#1" in str(err.value)


@action("test.chained")
def chained(actor: Actor) -> None:
    from ggzy.kernel.actions import after_commit

    after_commit(lambda: touch(Actor.system("follow-up"), 99))
    audit.record(("test.thing", "first"), {})


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_commit_callback_may_start_another_action() -> None:
    chained(USER)
    assert list(AuditEvent.objects.order_by("seq").values_list("action", "actor")) == [
        ("test.chained", "alice"),
        ("test.touch", "system:follow-up"),
    ]
