"""Signed audit checkpoints (as Certificate Transparency's signed tree heads): the chain nobody can rewrite.

Whoever holds the database can rewrite the audit chain so that it verifies again: cut the tail and move
the head, or change an event and rehash everything after it. So the platform signs, with its SM2 key,
checkpoints of the chain — the SM3 Merkle root (RFC 9162 shape, `ggzy_guomi.merkle`) over the hashes of
events 1..tree_size and the hash of event #tree_size — and publishes them (portal, change feed). Anyone
keeps copies. `ggzy verify_audit --checkpoints FILE` then checks that the chain still reproduces every
kept checkpoint: a rewrite after a checkpoint was published is found even if the checkpoint table was
rewritten (and re-signed with the platform key) too, because the kept copy is outside the database.

Checkpoints are issued
- by the chronograph at a fixed interval (every `GGZY_CHECKPOINT_INTERVAL` minutes with at least one new
  event), so every receipt is covered by the next one. Never after a number of events: the timing of a
  checkpoint must say nothing about how busy the platform was, and nobody can hurry one by making events;
- at lot milestones (bid deadline passed, opening closed, award, archive) by `at_milestone` called in the
  action: the checkpoint is issued as the action ends, covering the milestone's own event.
Never by a sealed event (a bid, a download): the timing of checkpoints must not count them.

A checkpoint is the chain's own bookkeeping, like `AuditHead`: it writes no audit event of its own, and
it is written in the transaction of the action that asks for it, under the head's row lock.
"""

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction

from ggzy.kernel import clock
from ggzy.kernel.actions import current_milestones
from ggzy.kernel.audit import GENESIS_HASH, ChainReport, event_fields, event_hash, object_ref
from ggzy.kernel.canonical import canonical_bytes
from ggzy.kernel.errors import Conflict, NotFound
from ggzy.kernel.models import AuditCheckpoint, AuditEvent, AuditHead
from ggzy.kernel.platform_key import platform_key, platform_public_key
from ggzy_guomi import GuomiError, JsonValue, Sm2PublicKey, merkle, sm3_hex
from ggzy_guomi.checkpoint import (
    CHECKPOINT_LIST_FORMAT,
    INCLUSION_FORMAT,
    Checkpoint,
    checkpoint_list,
    event_leaf,
    verify_checkpoint,
)
from ggzy_guomi.checkpoint import checkpoint_document as _document

REASONS = ("interval", "bid_deadline", "opening", "award", "archive", "draw")


def interval_minutes() -> float:
    return float(getattr(settings, "CHECKPOINT_INTERVAL", 10))


# --- issuing --------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def signed_content(cp: AuditCheckpoint) -> Checkpoint:
    obj = {"type": cp.object_type, "id": cp.object_id} if cp.object_type else None
    return Checkpoint(cp.seq, cp.tree_size, cp.root, cp.head_hash, _iso(cp.signed_at), cp.reason, obj)


def _head_for_update() -> tuple[int, str]:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head.seq, head.hash


def _start(last: AuditCheckpoint | None, size: int) -> tuple[merkle.CompactRange, str]:
    """The compact range of the last checkpoint (if it proves its own root), else the empty tree."""
    if last is not None and last.tree_size <= size:
        try:
            tree = merkle.CompactRange(last.tree_size, [bytes.fromhex(h) for h in last.frontier])
        except (ValueError, TypeError):
            tree = None
        if tree is not None and tree.root().hex() == last.root:
            return tree, last.head_hash
    return merkle.CompactRange(), GENESIS_HASH


def issue_checkpoint(
    reason: str, target: models.Model | tuple[str, str | int] | None = None
) -> AuditCheckpoint:
    """Sign a checkpoint of the chain as it stands (inside the caller's transaction, or its own).

    Deterministic from the chain: the root and head follow from the events; only `signed_at` (the
    kernel clock) and the SM2 signature's randomness vary. An interval checkpoint with no new event
    since the last one is not issued again (the last one is returned)."""
    if not connection.in_atomic_block:
        with transaction.atomic():
            return issue_checkpoint(reason, target)
    size, head_hash = _head_for_update()
    last = AuditCheckpoint.objects.order_by("-seq").first()
    if reason == "interval" and last is not None and last.tree_size == size:
        return last
    tree, prev = _start(last, size)
    expected = tree.size + 1
    rows = (
        AuditEvent.objects.filter(seq__gt=tree.size, seq__lte=size)
        .order_by("seq")
        .values_list("seq", "prev_hash", "hash")
        .iterator(chunk_size=5000)
    )
    for seq, prev_hash, digest in rows:
        if seq != expected or prev_hash != prev:
            raise Conflict(
                "audit_chain_broken",
                f"审计链在#{seq}处断开，拒绝签署检查点",
                f"The audit chain is broken at #{seq}; no checkpoint is signed over it",
            )
        tree.append(event_leaf(digest))
        prev, expected = digest, expected + 1
    if tree.size != size or prev != head_hash:
        raise Conflict(
            "audit_chain_broken",
            f"审计链止于#{tree.size}，链头记载#{size}，拒绝签署检查点",
            f"The chain ends at #{tree.size} but the head records #{size}; no checkpoint is signed",
        )
    object_type, object_id = object_ref(target) if target is not None else ("", "")
    key = platform_key()
    cp = AuditCheckpoint(
        seq=(last.seq + 1) if last is not None else 1,
        tree_size=size,
        root=tree.root().hex(),
        head_hash=head_hash,
        signed_at=clock.now(),
        reason=reason,
        object_type=object_type,
        object_id=object_id,
        key_id=key.public_key.key_id,
        frontier=[h.hex() for h in tree.hashes],
    )
    cp.signature = key.sign(signed_content(cp).signed_bytes()).hex()
    cp.save(force_insert=True)
    return cp


def at_milestone(reason: str, target: models.Model | tuple[str, str | int] | None = None) -> None:
    """Ask for a checkpoint when the running action ends (so it covers the action's own event).

    Outside an action (a script, a test fixture moving a lot by hand) nothing is issued: the next
    interval checkpoint covers it."""
    pending = current_milestones()
    if pending is not None:
        pending.append((reason, target))


def issue_interval_if_due(now: datetime | None = None) -> AuditCheckpoint | None:
    """The chronograph's periodic checkpoint: every T minutes, when there is any new event. Decided under
    the head's row lock, so several chronographs sweeping at once sign one checkpoint, not one each."""
    now = now or clock.now()
    with transaction.atomic():
        return _issue_interval_if_due(now)


def _issue_interval_if_due(now: datetime) -> AuditCheckpoint | None:
    head, _ = _head_for_update()
    last = AuditCheckpoint.objects.order_by("-seq").first()
    new = head - (last.tree_size if last is not None else 0)
    if new <= 0:
        return None
    if last is not None and now - last.signed_at < timedelta(minutes=interval_minutes()):
        return None
    return issue_checkpoint("interval")


def first_checkpoint_after(moment: datetime) -> AuditCheckpoint | None:
    """The first checkpoint signed strictly after `moment` (public randomness nobody knew before it)."""
    return AuditCheckpoint.objects.filter(signed_at__gt=moment).order_by("seq").first()


def covering_checkpoint(event_seq: int) -> AuditCheckpoint | None:
    """The first checkpoint whose tree contains event #event_seq."""
    return AuditCheckpoint.objects.filter(tree_size__gte=event_seq).order_by("seq").first()


# --- publishing -----------------------------------------------------------------------------------


def checkpoint_document(cp: AuditCheckpoint) -> dict[str, JsonValue]:
    """The public JSON of a checkpoint: its signed fields, the signature (hex DER), key id and key."""
    doc = _document(signed_content(cp), bytes.fromhex(cp.signature), platform_public_key())
    doc["key_id"] = cp.key_id
    return doc


def latest_checkpoint_document() -> dict[str, JsonValue] | None:
    """The newest checkpoint (the change feed carries it on every page)."""
    cp = AuditCheckpoint.objects.order_by("-seq").first()
    return checkpoint_document(cp) if cp is not None else None


def published_checkpoints(since: int = 0, limit: int | None = None) -> dict[str, JsonValue]:
    """The list anyone may fetch and keep (`ggzy audit_checkpoints --out FILE` writes it)."""
    qs = AuditCheckpoint.objects.filter(seq__gt=since).order_by("seq")
    rows = list(qs[:limit] if limit else qs)
    key = platform_public_key()
    return {
        "format": CHECKPOINT_LIST_FORMAT,
        "version": 1,
        "platform_public_key": key.to_pem(),
        "key_id": key.key_id,
        "checkpoints": [checkpoint_document(cp) for cp in rows],
    }


# --- proofs ---------------------------------------------------------------------------------------


def _leaves(tree_size: int) -> list[bytes]:
    hashes = list(
        AuditEvent.objects.filter(seq__lte=tree_size).order_by("seq").values_list("hash", flat=True)
    )
    if len(hashes) != tree_size:
        raise NotFound(
            "tree_not_available", "审计链不足该长度", f"The chain has fewer than {tree_size} events"
        )
    return [event_leaf(h) for h in hashes]


def inclusion_proof(event_seq: int, tree_size: int) -> list[str]:
    """The Merkle path (hex, leaf to root) of event #event_seq in the tree of the first tree_size events."""
    if not 1 <= event_seq <= tree_size:
        raise NotFound("event_not_covered", "该事件不在此检查点范围内", "The event is outside that tree")
    return [h.hex() for h in merkle.inclusion_proof(_leaves(tree_size), event_seq - 1)]


def consistency_proof(first: int, second: int) -> list[str]:
    """RFC 9162 consistency proof (hex) that the tree of `second` events extends that of `first`."""
    if not 0 < first <= second:
        raise NotFound("bad_range", "检查点范围无效", "Invalid tree sizes")
    return [h.hex() for h in merkle.consistency_proof(_leaves(second), first)]


def verify_consistency(first: AuditCheckpoint, second: AuditCheckpoint, proof: Sequence[str]) -> bool:
    return merkle.verify_consistency(
        first.tree_size,
        second.tree_size,
        bytes.fromhex(first.root),
        bytes.fromhex(second.root),
        [bytes.fromhex(h) for h in proof],
    )


def event_inclusion(event: AuditEvent, checkpoint_seq: int | None = None) -> dict[str, JsonValue]:
    """What the owner of an event (a bidder and their receipt) needs to prove it is in the chain: the
    event's hashed fields and payload, the Merkle path (sibling hashes only: nothing about any other
    event), and the checkpoint: the one asked for (e.g. the newest the owner keeps), else the first
    covering the event."""
    if checkpoint_seq is not None:
        cp = AuditCheckpoint.objects.filter(seq=checkpoint_seq, tree_size__gte=event.seq).first()
        if cp is None:
            raise NotFound(
                "checkpoint_does_not_cover",
                f"检查点#{checkpoint_seq}不存在或签署早于该事件，请取得更新的检查点",
                f"Checkpoint #{checkpoint_seq} does not exist or predates the event; fetch newer checkpoints",
            )
    else:
        cp = covering_checkpoint(event.seq)
    if cp is None:
        raise NotFound(
            "not_yet_checkpointed",
            f"该事件尚未被检查点覆盖，请在{interval_minutes():g}分钟内再试",
            f"No checkpoint covers this event yet; try again within {interval_minutes():g} minutes",
        )
    fields: dict[str, JsonValue] = event_fields(event)
    payload: JsonValue = json.loads(canonical_bytes(event.payload))
    return {
        "format": INCLUSION_FORMAT,
        "version": 1,
        "tree_size": cp.tree_size,
        "leaf_index": event.seq - 1,
        "event": fields,
        "payload": payload,
        "path": inclusion_proof(event.seq, cp.tree_size),  # type: ignore[dict-item]
        "checkpoint": checkpoint_document(cp),
    }


# --- verifying ------------------------------------------------------------------------------------


@contextmanager
def read_snapshot() -> Iterator[None]:
    """Every read inside sees the database at one instant, while writers go on.

    PostgreSQL: one REPEATABLE READ, READ ONLY transaction. SQLite (WAL): one deferred read transaction,
    whose snapshot is fixed at its first read and takes no write lock. Inside a caller's transaction,
    that transaction is the snapshot."""
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic():
        yield


@dataclass(frozen=True)
class _Kept:
    checkpoint: Checkpoint
    signature: str
    source: str  # "kept" (an outside copy) or "stored" (the database's table)


def _stored(cp: AuditCheckpoint) -> _Kept:
    return _Kept(signed_content(cp), cp.signature, "stored")


def load_kept(data: bytes | str | Any, public_key: Sm2PublicKey | None = None) -> list[Checkpoint]:
    """Parse and signature-check a kept checkpoints file (the published list, a list, or one)."""
    doc = json.loads(data) if isinstance(data, bytes | str) else data
    key = public_key or platform_public_key()
    return [verify_checkpoint(item, key) for item in checkpoint_list(doc)]


def _divergence(count: int, at: dict[int, tuple[str, str]], cp: Checkpoint, source: str) -> str:
    label = "kept" if source == "kept" else "stored"
    if cp.tree_size > count:
        return (
            f"{label} checkpoint #{cp.seq} covers {cp.tree_size} events but the chain has only {count} "
            "(events removed from the end)"
        )
    root, head = at[cp.tree_size]
    if head != cp.head_hash:
        return (
            f"{label} checkpoint #{cp.seq}: head_hash of event #{cp.tree_size} differs "
            f"(checkpoint {cp.head_hash[:16]}…, chain {head[:16]}…): the chain was rewritten"
        )
    if root != cp.root:
        return (
            f"{label} checkpoint #{cp.seq}: Merkle root over events 1..{cp.tree_size} differs "
            f"(checkpoint {cp.root[:16]}…, chain {root[:16]}…): an earlier event was rewritten"
        )
    return ""


def verify(kept: Sequence[Checkpoint] = (), public_key: Sm2PublicKey | None = None) -> ChainReport:
    """Verify the chain in one snapshot, then every stored checkpoint (signature, root, head) and every
    kept one (already signature-checked by `load_kept`); report the first divergence."""
    key = public_key or platform_public_key()
    with read_snapshot():
        stored = list(AuditCheckpoint.objects.order_by("seq"))
        head = AuditHead.objects.filter(pk=1).values_list("seq", "hash").first()
        sizes = {cp.tree_size for cp in stored} | {cp.tree_size for cp in kept}
        at: dict[int, tuple[str, str]] = {0: (merkle.empty_root().hex(), GENESIS_HASH)}
        tree = merkle.CompactRange()
        prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
        for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
            problem = ""
            if event.seq != expected_seq:
                problem = f"sequence gap: expected #{expected_seq}, found #{event.seq} (an event was removed)"
            elif event.prev_hash != prev_hash:
                problem = "link broken: prev_hash does not match the previous event (inserted or reordered)"
            elif sm3_hex(canonical_bytes(event.payload)) != event.payload_digest:
                problem = "payload changed: its SM3 digest does not match"
            elif event_hash(event) != event.hash:
                problem = "event changed: its SM3 hash does not match its fields"
            if problem:
                return ChainReport(False, count, event.seq, event.pk, problem)
            tree.append(event_leaf(event.hash))
            prev_hash = event.hash
            expected_seq += 1
            count += 1
            if count in sizes:
                at[count] = (tree.root().hex(), prev_hash)
    head_seq, head_hash = head if head is not None else (0, GENESIS_HASH)
    if head_seq != count or head_hash != prev_hash:
        return ChainReport(
            False,
            count,
            count + 1,
            None,
            f"chain ends at #{count} but the head records #{head_seq} (events removed from the end)",
        )
    by_seq = {cp.seq: cp for cp in stored}
    checked = 0
    for item in sorted(kept, key=lambda c: c.seq):
        problem = _divergence(count, at, item, "kept")
        row = by_seq.get(item.seq)
        if not problem and (row is None or signed_content(row) != item):
            what = "is missing from" if row is None else "differs from the kept copy in"
            problem = f"checkpoint #{item.seq} {what} the platform's checkpoint table"
        if problem:
            return ChainReport(False, count, None, None, problem, checked, item.seq)
        checked += 1
    for cp in stored:
        problem = ""
        try:
            key.verify(signed_content(cp).signed_bytes(), bytes.fromhex(cp.signature))
        except (GuomiError, ValueError):
            problem = f"stored checkpoint #{cp.seq}: the platform's signature does not verify"
        problem = problem or _divergence(count, at, signed_content(cp), "stored")
        if problem:
            return ChainReport(False, count, None, None, problem, checked, cp.seq)
        checked += 1
    return ChainReport(True, count, checkpoints=checked)
