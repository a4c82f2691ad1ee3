"""Signed audit checkpoints: the attacks of whoever holds the database, and how kept copies catch them.

Each attack test first shows that the chain alone (what `verify_audit` checked before checkpoints)
still verifies after the attack, then that the checkpoints catch it."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from ggzy.kernel import audit, checkpoints
from ggzy.kernel.actions import action
from ggzy.kernel.checkpoints import (
    at_milestone,
    checkpoint_document,
    event_inclusion,
    first_checkpoint_after,
    issue_checkpoint,
    issue_interval_if_due,
    load_kept,
    verify,
)
from ggzy.kernel.models import AuditCheckpoint, AuditEvent, AuditHead
from ggzy.kernel.platform_key import platform_public_key
from ggzy.kernel.roles import Actor, Role
from ggzy_guomi import FormatError, SignatureError, merkle
from ggzy_guomi.checkpoint import Checkpoint, verify_checkpoint, verify_inclusion_proof

pytestmark = pytest.mark.django_db

USER = Actor(name="alice", user_id=7, roles=frozenset({Role.OPERATOR}), ip="192.0.2.10")


@action("test.cp_touch")
def touch(actor: Actor, n: int) -> int:
    audit.record(("test.thing", n), {"n": n})
    return n


@action("test.cp_milestone")
def milestone(actor: Actor, n: int) -> None:
    at_milestone("opening", ("test.thing", n))
    audit.record(("test.thing", n), {"milestone": n})


def chain(n: int) -> None:
    for i in range(n):
        touch(USER, i)


def rehash_from(seq: int) -> None:
    """The full-rewrite attack: recompute every hash from `seq` on and move the head (no key needed)."""
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else audit.GENESIS_HASH
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        event.prev_hash = prev
        event.payload_digest = audit.sm3_hex(audit.canonical_bytes(event.payload))
        event.hash = audit.event_hash(event)
        AuditEvent.objects.filter(pk=event.pk).update(
            prev_hash=event.prev_hash, payload_digest=event.payload_digest, hash=event.hash
        )
        prev = event.hash
    last = AuditEvent.objects.order_by("-seq").first()
    AuditHead.objects.filter(pk=1).update(seq=last.seq if last else 0, hash=prev)


def kept_file(tmp_path: Path) -> Path:
    out = tmp_path / "kept.json"
    call_command("audit_checkpoints", "--out", str(out))
    return out


# --- the Merkle tree (RFC 9162 with SM3) ----------------------------------------------------------


def test_merkle_proofs_for_every_size_and_leaf() -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(19)]
    for n in range(1, len(leaves) + 1):
        tree = leaves[:n]
        root = merkle.root(tree)
        compact = merkle.CompactRange()
        for leaf in tree:
            compact.append(leaf)
        assert compact.root() == root
        for i in range(n):
            proof = merkle.inclusion_proof(tree, i)
            assert merkle.verify_inclusion(tree[i], i, n, proof, root)
            assert not merkle.verify_inclusion(leaves[(i + 1) % 19], i, n, proof, root) or (n == 1 and i == 0)
            if n > 1:
                assert not merkle.verify_inclusion(tree[i], (i + 1) % n, n, proof, root)
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(tree, m)
            assert merkle.verify_consistency(m, n, merkle.root(tree[:m]), root, proof)
            if m < n:
                assert not merkle.verify_consistency(m, n, merkle.root(leaves[1 : m + 1]), root, proof)


def test_rfc6962_shape() -> None:
    a, b, c = (merkle.leaf_hash(x) for x in (b"a", b"b", b"c"))
    assert merkle.root([a, b, c]) == merkle.node_hash(merkle.node_hash(a, b), c)
    assert merkle.root([]) == merkle.empty_root()


# --- issuing ----------------------------------------------------------------------------------------


def test_a_checkpoint_signs_the_chain_as_it_stands(vclock) -> None:  # type: ignore[no-untyped-def]
    chain(5)
    cp = issue_checkpoint("interval")
    events = list(AuditEvent.objects.order_by("seq"))
    assert (cp.seq, cp.tree_size, cp.head_hash) == (1, 5, events[-1].hash)
    assert cp.root == merkle.root([merkle.leaf_hash(bytes.fromhex(e.hash)) for e in events]).hex()
    assert cp.signed_at == vclock
    doc = checkpoint_document(cp)
    assert verify_checkpoint(json.loads(json.dumps(doc)), platform_public_key()).tree_size == 5
    assert doc["public_key"] == platform_public_key().to_pem()
    # The next one extends the stored frontier with the new events only, and gets the same root.
    chain(4)
    second = issue_checkpoint("award", ("trading.lot", 3))
    assert (second.seq, second.tree_size, second.object_type, second.object_id) == (2, 9, "trading.lot", "3")
    full = [merkle.leaf_hash(bytes.fromhex(h)) for h in AuditEvent.objects.values_list("hash", flat=True)]
    assert second.root == merkle.root(full).hex()
    assert issue_checkpoint("interval") == second  # nothing new: no second interval checkpoint
    assert verify().intact and verify().checkpoints == 2


def test_a_forged_signature_is_refused() -> None:
    chain(2)
    doc = checkpoint_document(issue_checkpoint("interval"))
    doc["tree_size"] = 1
    with pytest.raises(SignatureError, match="#1"):
        verify_checkpoint(doc, platform_public_key())
    with pytest.raises(FormatError):
        verify_checkpoint({"format": "other"}, platform_public_key())


def test_a_milestone_checkpoint_covers_the_actions_own_event() -> None:
    chain(3)
    milestone(USER, 9)
    cp = AuditCheckpoint.objects.get()
    assert (cp.reason, cp.tree_size, cp.object_id) == ("opening", 4, "9")
    assert AuditEvent.objects.get(seq=4).payload == {"milestone": 9}


def test_interval_checkpoints_by_time_never_by_count(vclock) -> None:  # type: ignore[no-untyped-def]
    assert issue_interval_if_due() is None  # no events: nothing to sign
    chain(2)
    first = issue_interval_if_due()
    assert first is not None and first.tree_size == 2
    with override_settings(CHECKPOINT_INTERVAL=10):
        chain(2)
        assert issue_interval_if_due() is None  # 2 new events, 0 minutes
        assert issue_interval_if_due(vclock + timedelta(minutes=9)) is None
        chain(300)  # however many events: nobody hurries a checkpoint by making events
        assert issue_interval_if_due(vclock + timedelta(minutes=9)) is None
        second = issue_interval_if_due(vclock + timedelta(minutes=11))  # time is up
        assert second is not None and second.tree_size == 304
        assert issue_interval_if_due(vclock + timedelta(hours=5)) is None  # nothing new


def test_chronograph_sweep_issues_the_interval_checkpoint() -> None:
    from ggzy.kernel import chronograph

    chain(1)
    chronograph.sweep()
    assert AuditCheckpoint.objects.get().reason == "interval"


def test_first_checkpoint_after(vclock) -> None:  # type: ignore[no-untyped-def]
    chain(1)
    issue_checkpoint("interval")
    from ggzy.kernel import clock

    vclock_set = clock.advance(timedelta(minutes=5))
    chain(1)
    later = issue_checkpoint("draw")
    assert first_checkpoint_after(vclock) == later
    assert first_checkpoint_after(vclock_set) is None


# --- the attacks ------------------------------------------------------------------------------------


def test_attack_tail_deleted_and_head_moved(tmp_path: Path) -> None:
    chain(6)
    issue_checkpoint("interval")
    kept = kept_file(tmp_path)
    chain(0)
    # The attacker deletes the last two events and moves the head back (no key needed).
    AuditEvent.objects.filter(seq__gt=4).delete()
    AuditHead.objects.filter(pk=1).update(seq=4, hash=AuditEvent.objects.get(seq=4).hash)
    # The stored checkpoint covers 6 events: plain verification already sees the cut...
    report = verify()
    assert not report.intact and report.checkpoint_seq == 1
    assert "covers 6 events but the chain has only 4" in report.reason
    # ...so the attacker also deletes the checkpoint: the chain alone (the old verify) passes again.
    AuditCheckpoint.objects.all().delete()
    assert verify().intact
    # The copy kept outside does not.
    with pytest.raises(CommandError) as err:
        call_command("verify_audit", "--checkpoints", str(kept))
    assert err.value.returncode == 1
    assert "#1" in str(err.value) and "removed from the end" in str(err.value)


def test_attack_full_rewrite_rehashing_everything_after(tmp_path: Path) -> None:
    chain(8)
    issue_checkpoint("interval")
    kept = kept_file(tmp_path)
    chain(3)
    issue_checkpoint("interval")
    AuditEvent.objects.filter(seq=3).update(payload={"n": 999})
    rehash_from(3)
    AuditCheckpoint.objects.all().delete()  # the stored checkpoints would tell; drop them
    assert verify().intact  # the old verify: a self-consistent chain
    report = verify(load_kept(kept.read_bytes()))
    assert (report.intact, report.checkpoint_seq) == (False, 1)
    assert "head_hash of event #8 differs" in report.reason


def test_attack_rewrite_only_an_old_event_keeps_the_head_but_not_the_root(tmp_path: Path) -> None:
    """The root, not only the head, binds every event: a kept checkpoint over 1..5 whose head (#5) the
    attacker could not change still catches a rewritten #2 if its head were somehow kept."""
    chain(5)
    cp = issue_checkpoint("interval")
    events = list(AuditEvent.objects.order_by("seq").values_list("hash", flat=True))
    forged_leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in events]
    forged_leaves[1] = merkle.leaf_hash(b"\x00" * 32)
    forged = Checkpoint(
        1, 5, merkle.root(forged_leaves).hex(), cp.head_hash, "2026-01-01T00:00:00+00:00", "x"
    )
    at = {5: (cp.root, cp.head_hash)}
    assert "Merkle root" in checkpoints._divergence(5, at, forged, "kept")


def test_attack_rewrite_and_re_sign_the_checkpoint_table(tmp_path: Path) -> None:
    """The operator holds the platform key: it rewrites the chain and re-issues every checkpoint. The
    database is self-consistent again, signatures and all; only an outside copy tells."""
    chain(5)
    issue_checkpoint("interval")
    kept = kept_file(tmp_path)
    chain(2)
    AuditEvent.objects.filter(seq=2).update(actor="mallory")
    rehash_from(2)
    AuditCheckpoint.objects.all().delete()
    issue_checkpoint("interval")  # re-signed over the rewritten chain
    assert verify().intact
    with pytest.raises(CommandError) as err:
        call_command("verify_audit", "--checkpoints", str(kept))
    assert "#1" in str(err.value) and "differs" in str(err.value)


def test_a_stored_checkpoint_changed_without_the_key_is_found() -> None:
    chain(3)
    cp = issue_checkpoint("interval")
    AuditCheckpoint.objects.filter(pk=cp.pk).update(tree_size=2)
    report = verify()
    assert (report.intact, report.checkpoint_seq) == (False, 1)
    assert "signature" in report.reason


def test_kept_file_with_a_forged_checkpoint_is_refused(tmp_path: Path) -> None:
    chain(2)
    issue_checkpoint("interval")
    kept = kept_file(tmp_path)
    doc = json.loads(kept.read_text())
    doc["checkpoints"][0]["root"] = "0" * 64
    kept.write_text(json.dumps(doc))
    with pytest.raises(CommandError, match="kept checkpoints refused"):
        call_command("verify_audit", "--checkpoints", str(kept))


def test_verify_audit_command_with_kept_checkpoints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chain(3)
    issue_checkpoint("interval")
    chain(2)
    issue_checkpoint("bid_deadline", ("trading.lot", 1))
    kept = kept_file(tmp_path)
    assert len(json.loads(kept.read_text())["checkpoints"]) == 2
    chain(1)
    capsys.readouterr()
    call_command("verify_audit", "--checkpoints", str(kept))
    assert "6 events, 4 checkpoints reproduced (2 kept)" in capsys.readouterr().out


# --- inclusion proofs ---------------------------------------------------------------------------------


def test_inclusion_proof_of_an_event() -> None:
    chain(7)
    event = AuditEvent.objects.get(seq=3)
    with pytest.raises(Exception, match="checkpoint"):
        event_inclusion(event)
    issue_checkpoint("interval")
    proof = json.loads(json.dumps(event_inclusion(event)))
    kept = load_kept({"checkpoints": [proof["checkpoint"]], "format": "ggzy-audit-checkpoints"})
    included = verify_inclusion_proof(proof, kept)
    assert (included.seq, included.payload) == (3, {"n": 2})
    # Only hashes of other events are revealed: the path is ceil(log2 7) = 3 hashes, nothing else.
    assert len(proof["path"]) == 3 and set(proof) == {
        "format", "version", "tree_size", "leaf_index", "event", "payload", "path", "checkpoint"
    }  # fmt: skip
    # An event the chain does not contain (another payload, same path) is refused.
    forged = json.loads(json.dumps(proof))
    forged["payload"] = {"n": 5}
    forged["event"]["payload_digest"] = audit.sm3_hex(audit.canonical_bytes({"n": 5}))
    with pytest.raises(SignatureError, match="not in the audit chain"):
        verify_inclusion_proof(forged, kept)
