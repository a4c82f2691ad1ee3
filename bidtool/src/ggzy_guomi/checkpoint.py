"""Signed audit checkpoints and inclusion proofs: what anyone can check about the platform's audit chain.

The audit chain is a list of events, each hashed (SM3 over the canonical JSON of its fields and the
previous event's hash, see `event_hash`). The platform periodically signs, with its SM2 key, a
checkpoint of the chain (as Certificate Transparency signs tree heads):

    {"format": "ggzy-audit-checkpoint", "version": 1, "seq": <checkpoint number>,
     "tree_size": <events covered>, "root": <SM3 Merkle root over events 1..tree_size>,
     "head_hash": <hash of event #tree_size>, "signed_at": <ISO 8601 UTC>, "reason": "interval" | ...,
     "object": null | {"type": ..., "id": ...}}

The signature is SM2 (default signer id) over the canonical JSON of exactly that object (`checkpoint_body`).
The Merkle tree is RFC 9162 with SM3 (`ggzy_guomi.merkle`); leaf i is SM3(0x00 || bytes of the hash of
event #i+1). The public document adds "signature" (hex DER), "key_id" and "public_key" (PEM).

An inclusion proof (format "ggzy-audit-inclusion") shows one event is in the chain a checkpoint covers:
the event's fields (enough to recompute its hash), its payload, and the Merkle path (sibling hashes only,
so it reveals nothing about any other event).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ggzy_guomi import merkle
from ggzy_guomi.canonical import CanonicalJsonError, JsonValue, canonical_json
from ggzy_guomi.errors import FormatError, SignatureError
from ggzy_guomi.sm2 import Sm2PublicKey
from ggzy_guomi.sm3 import sm3_hex

CHECKPOINT_FORMAT = "ggzy-audit-checkpoint"
CHECKPOINT_VERSION = 1
CHECKPOINT_LIST_FORMAT = "ggzy-audit-checkpoints"
INCLUSION_FORMAT = "ggzy-audit-inclusion"
GENESIS_HASH = "0" * 64
EVENT_FIELDS = (
    "seq",
    "occurred_at",
    "actor",
    "actor_user_id",
    "role",
    "ip",
    "action",
    "object_type",
    "object_id",
    "payload_digest",
    "seal",
    "prev_hash",
)


def event_hash(fields: Mapping[str, JsonValue]) -> str:
    """SM3 hex over the canonical JSON of an audit event's fields (`EVENT_FIELDS`, occurred_at in ISO UTC
    with microseconds)."""
    return sm3_hex(canonical_json({name: fields[name] for name in EVENT_FIELDS}))


def event_leaf(event_hash_hex: str) -> bytes:
    return merkle.leaf_hash(bytes.fromhex(event_hash_hex))


def _hex64(value: object, what: str) -> str:
    if not isinstance(value, str) or len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise FormatError(f"{what} must be 64 lowercase hex digits")
    return value


def _count(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FormatError(f"{what} must be a non-negative integer")
    return value


@dataclass(frozen=True)
class Checkpoint:
    """The signed content of a checkpoint."""

    seq: int
    tree_size: int
    root: str
    head_hash: str
    signed_at: str
    reason: str
    object: Mapping[str, str] | None = None

    def body(self) -> dict[str, JsonValue]:
        return {
            "format": CHECKPOINT_FORMAT,
            "version": CHECKPOINT_VERSION,
            "seq": self.seq,
            "tree_size": self.tree_size,
            "root": self.root,
            "head_hash": self.head_hash,
            "signed_at": self.signed_at,
            "reason": self.reason,
            "object": dict(self.object) if self.object is not None else None,
        }

    def signed_bytes(self) -> bytes:
        return canonical_json(self.body())

    @classmethod
    def from_document(cls, doc: Any) -> "Checkpoint":
        if not isinstance(doc, dict) or doc.get("format") != CHECKPOINT_FORMAT:
            raise FormatError(f"not a {CHECKPOINT_FORMAT} document")
        if doc.get("version") != CHECKPOINT_VERSION:
            raise FormatError(f"unknown checkpoint version {doc.get('version')!r}")
        obj = doc.get("object")
        if obj is not None and (
            not isinstance(obj, dict)
            or set(obj) != {"type", "id"}
            or not all(isinstance(v, str) for v in obj.values())
        ):
            raise FormatError("checkpoint object must be null or {type, id}")
        signed_at = doc.get("signed_at")
        try:
            parsed = datetime.fromisoformat(signed_at) if isinstance(signed_at, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise FormatError("checkpoint signed_at must be ISO 8601 with a UTC offset")
        if not isinstance(doc.get("reason"), str) or not doc["reason"]:
            raise FormatError("checkpoint reason must be a non-empty string")
        tree_size = _count(doc.get("tree_size"), "tree_size")
        head = _hex64(doc.get("head_hash"), "head_hash")
        if tree_size == 0 and head != GENESIS_HASH:
            raise FormatError("an empty chain's head_hash is the genesis hash")
        return cls(
            seq=_count(doc.get("seq"), "seq"),
            tree_size=tree_size,
            root=_hex64(doc.get("root"), "root"),
            head_hash=head,
            signed_at=signed_at,  # type: ignore[arg-type]
            reason=doc["reason"],
            object=obj,
        )


def checkpoint_document(cp: Checkpoint, signature: bytes, public_key: Sm2PublicKey) -> dict[str, JsonValue]:
    doc = cp.body()
    doc["signature"] = signature.hex()
    doc["key_id"] = public_key.key_id
    doc["public_key"] = public_key.to_pem()
    return doc


def verify_checkpoint(doc: Any, public_key: Sm2PublicKey) -> Checkpoint:
    """Check a published checkpoint document's signature with the platform key the verifier trusts."""
    cp = Checkpoint.from_document(doc)
    signature = doc.get("signature")
    if not isinstance(signature, str) or not signature or len(signature) % 2:
        raise FormatError("checkpoint signature must be hex")
    if doc.get("key_id") is not None and doc["key_id"] != public_key.key_id:
        raise SignatureError(f"checkpoint #{cp.seq} was signed by another key ({doc['key_id']})")
    try:
        raw = bytes.fromhex(signature)
    except ValueError:
        raise FormatError("checkpoint signature must be hex") from None
    try:
        public_key.verify(cp.signed_bytes(), raw)
    except SignatureError:
        raise SignatureError(f"checkpoint #{cp.seq}: the platform's signature does not verify") from None
    return cp


def checkpoint_list(doc: Any) -> list[Any]:
    """The checkpoint documents in a kept file: the published list, a bare list, or one checkpoint."""
    if isinstance(doc, dict) and doc.get("format") == CHECKPOINT_LIST_FORMAT:
        items = doc.get("checkpoints")
    elif isinstance(doc, dict) and doc.get("format") == CHECKPOINT_FORMAT:
        items = [doc]
    else:
        items = doc
    if not isinstance(items, list):
        raise FormatError(f"not a {CHECKPOINT_LIST_FORMAT} file")
    return items


@dataclass(frozen=True)
class IncludedEvent:
    seq: int
    fields: Mapping[str, JsonValue]
    payload: Mapping[str, JsonValue]
    checkpoint: Checkpoint


def verify_inclusion_proof(proof: Any, checkpoints: Sequence[Checkpoint]) -> IncludedEvent:
    """Check that the event of `proof` is in the chain of one of the (already verified) `checkpoints`.

    The event's hash is recomputed from its fields, its payload digest from its payload, and the Merkle
    path must lead to the root of the kept checkpoint with the proof's tree size. Raises SignatureError
    (the chain does not contain it) or FormatError."""
    if not isinstance(proof, dict) or proof.get("format") != INCLUSION_FORMAT:
        raise FormatError(f"not a {INCLUSION_FORMAT} document")
    event, payload, path = proof.get("event"), proof.get("payload"), proof.get("path")
    if not isinstance(event, dict) or set(event) != set(EVENT_FIELDS) or not isinstance(payload, dict):
        raise FormatError(f"inclusion proof event must have exactly the fields {list(EVENT_FIELDS)}")
    if not isinstance(path, list):
        raise FormatError("inclusion proof path must be a list of hashes")
    hashes = [bytes.fromhex(_hex64(h, "path hash")) for h in path]
    seq = _count(event["seq"], "seq")
    try:
        if sm3_hex(canonical_json(payload)) != event["payload_digest"]:
            raise SignatureError("the payload does not match the event's payload digest")
        digest = event_hash(event)
    except CanonicalJsonError as exc:
        raise FormatError(f"inclusion proof is not canonical-JSON-able: {exc}") from None
    size = _count(proof.get("tree_size"), "tree_size")
    kept = [cp for cp in checkpoints if cp.tree_size == size]
    if not kept:
        raise SignatureError(f"no kept checkpoint covers a tree of {size} events")
    computed = merkle.root_from_inclusion(event_leaf(digest), seq - 1, size, hashes)
    if computed is None or all(computed.hex() != cp.root for cp in kept):
        raise SignatureError(
            f"event #{seq} is not in the audit chain of checkpoint #{kept[0].seq} (Merkle path does not lead to its root)"
        )
    cp = next(cp for cp in kept if cp.root == computed.hex())
    return IncludedEvent(seq, event, payload, cp)
