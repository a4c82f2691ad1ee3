"""The audit chain: append one event per action; verify that nothing was changed, removed or reordered.

Each event's hash is SM3 over the canonical JSON of its fields plus the previous event's hash, so any
edit to a stored row breaks its own hash, and any deletion, insertion or reordering breaks the link to
the next row. `AuditHead` holds the last (seq, hash), and locking it serialises concurrent appends (on
SQLite the IMMEDIATE transaction already does). Whoever holds the database can still cut the tail and
rewrite the head, or rehash everything after a change: signed, published checkpoints catch both
(`kernel.checkpoints`), since a copy kept outside no longer matches the chain.
"""

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models

from ggzy.kernel import clock
from ggzy.kernel.actions import current_action
from ggzy.kernel.canonical import canonical_bytes, plain
from ggzy.kernel.models import AuditEvent, AuditHead
from ggzy.kernel.roles import Actor
from ggzy_guomi import sm3_hex
from ggzy_guomi.checkpoint import event_hash as shared_event_hash

GENESIS_HASH = "0" * 64  # also written by migration 0002_reference_data


def object_ref(target: models.Model | tuple[str, str | int]) -> tuple[str, str]:
    if isinstance(target, models.Model):
        return f"{target._meta.app_label}.{target._meta.model_name}", str(target.pk)
    object_type, object_id = target
    return object_type, str(object_id)


def _normalise_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return ipaddress.ip_address(ip).compressed
    except ValueError:
        return None


def event_fields(event: AuditEvent) -> dict[str, Any]:
    """The fields an event's hash covers (the same form inclusion proofs reveal)."""
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "actor_user_id": event.actor_user_id,
        "role": event.role,
        "ip": event.ip,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "payload_digest": event.payload_digest,
        "seal": event.seal,
        "prev_hash": event.prev_hash,
    }


def event_hash(event: AuditEvent) -> str:
    return shared_event_hash(event_fields(event))


def record(
    target: models.Model | tuple[str, str | int],
    payload: Mapping[str, Any] | None = None,
    *,
    role: str | None = None,
    sealed_by: models.Model | tuple[str, str | int] | None = None,
) -> AuditEvent:
    """Append the event of the running action. Call exactly once inside an `@action` function.

    `payload` is what happened, without secrets (no bid content, no personal identifiers).
    `sealed_by` names the object whose deadline hides this event from listings (see `register_seal`).
    """
    ctx = current_action()
    if ctx.event_id is not None:
        raise RuntimeError(f"action {ctx.name} tried to write a second audit event")
    object_type, object_id = object_ref(target)
    body = plain(dict(payload or {}))
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # a database emptied by hand (or a test flush): start the chain at the genesis hash
        AuditHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})
        head = AuditHead.objects.select_for_update().get(pk=1)
    event = AuditEvent(
        seq=head.seq + 1,
        occurred_at=clock.now(),
        actor=ctx.actor.name,
        actor_user_id=ctx.actor.user_id,
        role=role or ctx.actor.primary_role,
        ip=_normalise_ip(ctx.actor.ip),
        action=ctx.name,
        object_type=object_type,
        object_id=object_id,
        payload=body,
        payload_digest=sm3_hex(canonical_bytes(body)),
        seal="{}:{}".format(*object_ref(sealed_by)) if sealed_by is not None else "",
        prev_hash=head.hash,
    )
    event.hash = event_hash(event)
    event.save(force_insert=True)
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    ctx.event_id = event.pk
    return event


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    count: int
    bad_seq: int | None = None
    bad_id: int | None = None
    reason: str = ""
    checkpoints: int = 0  # signed checkpoints (stored and kept) the chain was found to reproduce
    checkpoint_seq: int | None = None  # the checkpoint that diverges, when one does


def verify_chain() -> ChainReport:
    """Walk the chain from the first event in one consistent snapshot; report the first event that does
    not fit, or the first stored checkpoint it does not reproduce (see `kernel.checkpoints.verify`)."""
    from ggzy.kernel.checkpoints import verify

    return verify()


# --- sealed events ------------------------------------------------------------------------------
# A package registers, per sealing object type, a function giving the ids still sealed at `now` (for
# notices: those whose bid deadline has not passed). Listings drop those events; the chain keeps them.

SealResolver = Callable[[datetime], Iterable[str]]
_seal_resolvers: dict[str, SealResolver] = {}


def register_seal(object_type: str, still_sealed: SealResolver) -> None:
    _seal_resolvers[object_type] = still_sealed


TrailReader = Callable[[Actor, str], bool]
_trail_readers: dict[str, TrailReader] = {}
ANY_OTHER_TYPE = "*"


def register_trail_reader(object_type: str, may_read: TrailReader) -> None:
    """Who may read an object's audit trail: the package that owns the object type says so (its staff
    scope: node, department); `ANY_OTHER_TYPE` answers for the types no package registered."""
    _trail_readers[object_type] = may_read


def may_read_trail(actor: Actor, object_type: str, object_id: str) -> bool:
    if actor.is_system:
        return True
    reader = _trail_readers.get(object_type) or _trail_readers.get(ANY_OTHER_TYPE)
    return reader is not None and reader(actor, object_id)


def sealed_now(now: datetime | None = None) -> set[str]:
    now = now or clock.now()
    return {f"{t}:{i}" for t, resolve in _seal_resolvers.items() for i in resolve(now)}


def visible_events(now: datetime | None = None) -> models.QuerySet[AuditEvent]:
    """Events anyone may list now: sealed ones appear only once their object's deadline has passed.

    A listing must not show the events' global `seq` (nor their row ids): the gaps between the numbers
    of visible events count the sealed ones in between (how many bid or took the documents, 电子招标投标办法
    第21条). List them in `seq` order and number them per listing (`numbered`) instead."""
    return AuditEvent.objects.exclude(seal__in=sealed_now(now))


def numbered(events: Iterable[AuditEvent]) -> list[tuple[int, AuditEvent]]:
    """A listing's own numbering (1, 2, …), in place of the global sequence numbers."""
    return list(enumerate(events, start=1))


@dataclass(frozen=True)
class ChainSummary:
    """What verifying the chain may tell an operator or a regulator while events are sealed.

    Not the number of events (it grows with every sealed bid or download): the chain is reported as
    reproducing the latest signed checkpoint, whose `tree_size` is published anyway (checkpoints are issued
    at time intervals and at milestones, not after a number of secret events: see `kernel.checkpoints`).
    A break is located only within that published range; past it the summary says so without a number
    (`ggzy verify_audit`, for whoever holds the database, gives the details)."""

    intact: bool
    checkpoint: int | None  # seq of the latest signed checkpoint
    tree_size: int  # the events it covers
    checkpoints: int  # signed checkpoints the chain was found to reproduce
    bad_seq: int | None
    reason: str


def chain_summary() -> ChainSummary:
    from ggzy.kernel.models import AuditCheckpoint

    report = verify_chain()
    latest = AuditCheckpoint.objects.order_by("-seq").values_list("seq", "tree_size").first()
    checkpoint, published = latest if latest is not None else (None, 0)
    if report.intact:
        return ChainSummary(True, checkpoint, published, report.checkpoints, None, "")
    if report.bad_seq is not None and report.bad_seq <= published:
        return ChainSummary(False, checkpoint, published, report.checkpoints, report.bad_seq, report.reason)
    if report.checkpoint_seq is not None:  # names a checkpoint's (published) size, or fewer events
        return ChainSummary(False, checkpoint, published, report.checkpoints, None, report.reason)
    where = f"检查点#{checkpoint}之后" if checkpoint is not None else "首个检查点之前"
    return ChainSummary(
        False,
        checkpoint,
        published,
        report.checkpoints,
        None,
        f"审计链在{where}被破坏（详情见 ggzy verify_audit）; the chain is broken after the latest checkpoint",
    )


def trail(target: models.Model | tuple[str, str | int]) -> models.QuerySet[AuditEvent]:
    """Every visible event about one object, oldest first."""
    object_type, object_id = object_ref(target)
    return visible_events().filter(object_type=object_type, object_id=object_id).order_by("seq")
