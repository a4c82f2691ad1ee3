"""Upload receipts (投标回执): verification against the platform key and the local envelope, and storage.

A receipt is the bidder's proof of submission: the platform's SM2 signature over the envelope's SM3 and
the server time. It is worth keeping only if it verifies *and* attests this very envelope, so both are
checked before it is saved as ``<envelope>.receipt.json``. A receipt that fails is still kept, as
``<envelope>.receipt.unverified.json``, as evidence for a complaint.

A valid signature proves only that the platform's key signed it. `check_in_chain` proves more: that the
platform's audit chain, as of signed checkpoints the bidder (or anyone) kept, records this very receipt.
"""

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ggzy_bid.errors import ReceiptError
from ggzy_guomi import GuomiError, Receipt, ReceiptFields, Sm2PublicKey, verify_receipt
from ggzy_guomi.checkpoint import IncludedEvent, checkpoint_list, verify_checkpoint, verify_inclusion_proof

RECEIPT_SUFFIX = ".receipt.json"
UNVERIFIED_SUFFIX = ".receipt.unverified.json"


@dataclass(frozen=True)
class CheckedReceipt:
    receipt: Receipt
    fields: ReceiptFields


def receipt_path_for(envelope: Path) -> Path:
    return envelope.with_name(envelope.name + RECEIPT_SUFFIX)


def _unverified_path(receipt_path: Path) -> Path:
    return receipt_path.with_name(receipt_path.name.removesuffix(RECEIPT_SUFFIX) + UNVERIFIED_SUFFIX)


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_receipt(
    data: bytes,
    platform_key: Sm2PublicKey,
    *,
    expected_sm3: str | None = None,
    keep_failed: Path | None = None,
    tsa_certificate: bytes | None = None,
) -> CheckedReceipt:
    """Verify receipt JSON `data` with `platform_key` and, if given, that it attests `expected_sm3` and
    carries a time-stamp token of the authority with `tsa_certificate` (PEM) agreeing with its time.

    On failure raise `ReceiptError`; with `keep_failed` (the receipt path that would have been used) the
    rejected bytes are first written next to it as ``*.receipt.unverified.json``.
    """
    try:
        receipt = Receipt.from_json(data)
        checked = CheckedReceipt(
            receipt, verify_receipt(receipt, platform_key, tsa_certificate=tsa_certificate)
        )
    except GuomiError as exc:
        problem = f"回执签名或格式无效（the receipt's signature or format is invalid）：{exc}"
    else:
        if expected_sm3 is None or checked.fields.envelope_sm3 == expected_sm3:
            return checked
        problem = (
            f"回执证明的信封 SM3 与本地文件不一致（the receipt attests a different envelope）：\n"
            f"  回执 (receipt): {checked.fields.envelope_sm3}\n  本地 (local):   {expected_sm3}"
        )
    if keep_failed is not None:
        unverified = _unverified_path(keep_failed)
        _write_atomically(unverified, data)
        problem += f"\n未通过验证的回执已保存到 {unverified} 备查（kept for the record）"
    raise ReceiptError(problem)


def save_receipt(path: Path, checked: CheckedReceipt) -> None:
    _write_atomically(path, checked.receipt.to_json())


def load_receipt_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReceiptError(
            f"无法读取回执文件 {path}（cannot read the receipt file）：{exc.strerror}"
        ) from None


RECEIPT_ACTION = "bidding.complete_upload"
RECEIPT_EVENT_SKEW_SECONDS = 60


def check_in_chain(
    fields: ReceiptFields, proof: object, kept: object, platform_key: Sm2PublicKey
) -> IncludedEvent:
    """Check that the platform's audit chain contains this receipt, against checkpoints kept earlier.

    `kept` is the JSON of published checkpoints (``ggzy audit_checkpoints`` or ``/api/audit/checkpoints``)
    the bidder keeps, each checked with the platform key; `proof` the ``ggzy-audit-inclusion`` document of
    the receipt's audit event. The event must be the upload's completion, name this receipt number and
    this envelope SM3 at this server time, and its Merkle path must lead to the root of a kept
    checkpoint. A receipt the platform signed but never recorded (e.g. a number that does not exist in
    the chain) has no such proof and is refused."""
    try:
        checkpoints = [verify_checkpoint(doc, platform_key) for doc in checkpoint_list(kept)]
        included = verify_inclusion_proof(proof, checkpoints)
    except GuomiError as exc:
        raise ReceiptError(
            f"审计链不包含该回执（the audit chain does not contain this receipt）：{exc}"
        ) from None
    event, payload = included.fields, included.payload
    problems = []
    if event.get("action") != RECEIPT_ACTION or payload.get("repeat"):
        problems.append(
            f"事件不是投标文件递交（the event is {event.get('action')!r}, not the upload's completion）"
        )
    if payload.get("receipt_no") != fields.receipt_no:
        problems.append(
            f"回执编号不符（the chain records receipt {payload.get('receipt_no')!r}, not {fields.receipt_no!r}）"
        )
    if payload.get("sm3") != fields.envelope_sm3:
        problems.append("信封 SM3 不符（the chain records another envelope SM3）")
    try:  # the event is written in the same transaction, moments after the receipt is signed
        skew = datetime.fromisoformat(str(event.get("occurred_at"))) - datetime.fromisoformat(
            fields.server_time
        )
        same_time = abs(skew.total_seconds()) <= RECEIPT_EVENT_SKEW_SECONDS
    except (ValueError, TypeError):
        same_time = False
    if not same_time:
        problems.append(
            f"时间不符（the chain records {event.get('occurred_at')}, the receipt {fields.server_time}）"
        )
    if problems:
        raise ReceiptError(
            "审计链不包含该回执（the audit chain does not contain this receipt）：" + "；".join(problems)
        )
    return included
