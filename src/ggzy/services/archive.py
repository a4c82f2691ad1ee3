"""Electronic archives (电子档案, R13.2): when a trade ends, everything it produced goes into one package.

The package is a zip with `manifest.json` listing every file's SM3 and the Merkle root over them; the root
and the package's own SM3 are kept in the database and in the audit event of the archiving, which a signed
checkpoint covers at once. `ggzy verify_archive` checks the package against the event in the chain, not the
database row (which whoever holds the database can rewrite together with the package), and with kept
checkpoints (`--checkpoints FILE`) proves that event is in the chain that was published.
"""

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db.models import Q

from ggzy.bidding.models import Bid, OpeningRecord
from ggzy.kernel import audit, checkpoints, clock
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.canonical import plain
from ggzy.kernel.errors import Conflict, GgzyError, InvalidInput, NotFound
from ggzy.kernel.models import AuditEvent
from ggzy.kernel.roles import Actor, Role
from ggzy.services import merkle
from ggzy.services.models import ArchivePackage
from ggzy.trading import procedure
from ggzy.trading.models import ARCHIVABLE_STATES, Lot
from ggzy.trading.queries import require_node_operator
from ggzy_guomi import merkle as tree
from ggzy_guomi import sm3_hex
from ggzy_guomi.checkpoint import Checkpoint, event_leaf

FINISHED = ARCHIVABLE_STATES


def _json(value: Any) -> bytes:
    return json.dumps(plain(value), ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _read(field: Any) -> bytes:
    with field.open("rb") as handle:
        data: bytes = handle.read()
    return data


def collect(lot: Lot) -> dict[str, bytes]:
    """Every record and file of the trade, by path inside the package."""
    project = lot.project
    files: dict[str, bytes] = {
        "project.json": _json(
            {
                "code": project.code,
                "unified_deal_code": project.unified_deal_code,
                "name": project.name,
                "principal": project.principal.uscc,
                "agent": project.agent.uscc if project.agent else None,
                "entry_reasons": project.entry_reasons,
                "lot": {
                    "code": lot.code,
                    "name": lot.name,
                    "state": lot.state,
                    "estimated_value": lot.estimated_value,
                },
            }
        )
    }
    related: list[tuple[str, str]] = [("trading.project", str(project.pk)), ("trading.lot", str(lot.pk))]
    notice = lot.notice
    if notice is not None:
        related.append(("trading.notice", str(notice.pk)))
        files["notice.json"] = _json(
            {
                "title": notice.title,
                "body": notice.body,
                "method": notice.method,
                "docs_from": notice.docs_from,
                "bid_deadline": notice.bid_deadline,
                "status": notice.status,
            }
        )
        for doc in notice.documents.all():
            related.append(("trading.document", str(doc.pk)))
            files[f"documents/{doc.pk:04d}-{doc.filename}"] = _read(doc.file)
            files[f"documents/{doc.pk:04d}.signature.json"] = _json(
                {
                    "sm3": doc.sm3,
                    "signature": doc.signature,
                    "signer_key_id": doc.signer_key_id,
                    "kind": doc.kind,
                }
            )
        for objection in notice.objections.all():
            related.append(("trading.objection", str(objection.pk)))
    record = OpeningRecord.objects.filter(lot=lot).first()
    if record is not None:
        files["opening_record.json"] = _json(
            {"started_at": record.started_at, "closed_at": record.closed_at, "rows": record.rows}
        )
    for bid in Bid.objects.filter(lot=lot).select_related("bidder"):
        related.append(("bidding.bid", str(bid.pk)))
        files[f"bids/{bid.receipt_no}.json"] = _json(
            {
                "bidder": bid.bidder.uscc,
                "status": bid.status,
                "envelope_sm3": bid.envelope_sm3,
                "receipt": json.loads(bid.receipt),
                "bid_form": bid.bid_form,
                "fault": bid.fault,
                "fault_reason": bid.fault_reason,
            }
        )
    evaluation = getattr(lot, "evaluation", None)
    if evaluation is not None:
        related.append(("evaluation.evaluation", str(evaluation.pk)))
        files["evaluation/report.html"] = evaluation.report_html.encode("utf-8")
        if evaluation.report_pdf:
            files["evaluation/report.pdf"] = _read(evaluation.report_pdf)
        files["evaluation/signatures.json"] = _json(
            [
                {
                    "member": m.user.username,
                    "kind": m.kind,
                    "public_key": m.public_key,
                    "signature": m.report_signature,
                }
                for m in evaluation.members.select_related("user")
            ]
        )
    award = getattr(lot, "award", None)
    if award is not None:
        related.append(("evaluation.award", str(award.pk)))
        files["award.json"] = _json(
            {
                "winner": award.winner.receipt_no if award.winner else None,
                "awarded_at": award.awarded_at,
                "contract_signed_at": award.contract_signed_at,
                "contract_amount": award.contract_amount,
                "contract_sm3": award.contract_sm3,
                "contract_late": award.contract_late,
                "report_late": award.report_late,
            }
        )
    rounds = list(lot.rounds.order_by("number"))
    if rounds:  # a negotiation: its rounds with their records, every channel's messages, the changes
        related.extend(("bidding.round", str(r.pk)) for r in rounds)
        files["negotiation/rounds.json"] = _json(
            [
                {
                    "number": r.number,
                    "final": r.final,
                    "requirements": r.requirements,
                    "deadline": r.deadline,
                    "closed_at": r.closed_at,
                    "rows": r.rows,
                }
                for r in rounds
            ]
        )
    if evaluation is not None and evaluation.messages.exists():
        related.extend(
            ("evaluation.negotiationmessage", str(pk))
            for pk in evaluation.messages.values_list("pk", flat=True)
        )
        related.extend(
            ("evaluation.requirementchange", str(pk))
            for pk in evaluation.requirement_changes.values_list("pk", flat=True)
        )
        files["negotiation/messages.json"] = _json(
            [
                {
                    "supplier": m.supplier.uscc,
                    "from_panel": m.from_panel,
                    "author": m.author.username,
                    "text": m.text,
                    "sent_at": m.sent_at,
                    "change": m.change_id,
                }
                for m in evaluation.messages.select_related("supplier", "author")
            ]
        )
        files["negotiation/changes.json"] = _json(
            [
                {
                    "id": c.pk,
                    "text": c.text,
                    "proposed_at": c.proposed_at,
                    "confirmed_at": c.confirmed_at,
                    "withdrawn_at": c.withdrawn_at,
                }
                for c in evaluation.requirement_changes.all()
            ]
        )
    agreement = getattr(lot, "framework", None)
    if agreement is not None:  # a framework agreement: the admitted, the agreement, every purchase under it
        related.append(("evaluation.frameworkagreement", str(agreement.pk)))
        related.extend(
            ("evaluation.calloff", str(pk)) for pk in agreement.call_offs.values_list("pk", flat=True)
        )
        files["framework/agreement.json"] = _json(
            {
                "admitted_at": agreement.admitted_at,
                "signed_at": agreement.signed_at,
                "agreement_sm3": agreement.agreement_sm3,
                "term": [agreement.term_from, agreement.term_until],
                "members": [
                    {
                        "order": m.order,
                        "supplier": m.supplier.uscc,
                        "price": m.price,
                        "receipt_no": m.bid.receipt_no,
                    }
                    for m in agreement.members.select_related("supplier", "bid")
                ],
            }
        )
        files["framework/call_offs.json"] = _json(
            [
                {
                    "method": c.method,
                    "purchaser": c.purchaser.uscc,
                    "supplier": c.member.supplier.uscc,
                    "quantity": c.quantity,
                    "unit_price": c.unit_price,
                    "amount": c.amount,
                    "cycle": c.cycle,
                    "awarded_at": c.awarded_at,
                }
                for c in agreement.call_offs.select_related("purchaser", "member__supplier")
            ]
        )
    query = Q()
    for object_type, object_id in related:
        query |= Q(object_type=object_type, object_id=object_id)
    events = AuditEvent.objects.filter(query).order_by("seq")
    files["audit/events.json"] = _json(
        [
            {
                "seq": e.seq,
                "at": e.occurred_at,
                "actor": e.actor,
                "role": e.role,
                "ip": e.ip,
                "action": e.action,
                "object": f"{e.object_type}:{e.object_id}",
                "payload": e.payload,
                "hash": e.hash,
                "prev_hash": e.prev_hash,
            }
            for e in events
        ]
    )
    return files


def build_package(files: dict[str, bytes]) -> tuple[bytes, str]:
    digests = {path: sm3_hex(data) for path, data in files.items()}
    root = merkle.root(digests)
    manifest = {
        "format": "ggzy-archive",
        "version": 1,
        "merkle_root": root,
        "files": [{"path": path, "size": len(files[path]), "sm3": digests[path]} for path in sorted(files)],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            archive.writestr(zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0)), files[path])
        archive.writestr(zipfile.ZipInfo("manifest.json", date_time=(1980, 1, 1, 0, 0, 0)), _json(manifest))
    return buffer.getvalue(), root


@dataclass(frozen=True)
class Verification:
    ok: bool
    merkle_root: str
    files: int
    problem: str = ""


def verify_package(data: bytes, expected_root: str | None = None) -> Verification:
    """Recompute every file digest and the Merkle root of a package."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            listed = {f["path"]: f["sm3"] for f in manifest["files"]}
            present = {name for name in archive.namelist() if name != "manifest.json"}
            if present != set(listed):
                return Verification(
                    False,
                    "",
                    len(present),
                    f"files differ from the manifest: {sorted(present ^ set(listed))}",
                )
            for path, digest in listed.items():
                if sm3_hex(archive.read(path)) != digest:
                    return Verification(False, "", len(listed), f"{path}: SM3 does not match the manifest")
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        return Verification(False, "", 0, f"not a GGZY archive: {exc}")
    root = merkle.root(listed)
    if root != manifest.get("merkle_root"):
        return Verification(False, root, len(listed), "the manifest's Merkle root does not match its files")
    if expected_root is not None and root != expected_root:
        return Verification(
            False, root, len(listed), "the Merkle root differs from the one recorded at archiving"
        )
    return Verification(True, root, len(listed))


def recorded_event(
    package: ArchivePackage | None = None, package_sm3: str | None = None
) -> AuditEvent | None:
    """The audit event that sealed the archive (by its package, or by the package's SM3)."""
    events = AuditEvent.objects.filter(action="services.archive_lot").order_by("seq")
    if package is not None:
        return events.filter(object_type="services.archivepackage", object_id=str(package.pk)).first()
    return events.filter(payload__package_sm3=package_sm3).first()


def verify_against_chain(
    data: bytes,
    event: AuditEvent | None,
    package: ArchivePackage | None = None,
    kept: tuple[Checkpoint, ...] | list[Checkpoint] = (),
    *,
    require_cover: bool = True,
) -> Verification:
    """The package must be the one the chain recorded: its SM3 and Merkle root those of the archiving
    event (itself intact), the database row must agree, and with `kept` checkpoints the event must be in
    the chain the first of them covering it signed (if none covers it: refused, unless not
    `require_cover`, used with the platform's own stored checkpoints for archives older than them)."""
    if event is None:
        return Verification(False, "", 0, "the audit chain records no archiving of this package")
    payload = event.payload if isinstance(event.payload, dict) else {}
    if (
        sm3_hex(audit.canonical_bytes(event.payload)) != event.payload_digest
        or audit.event_hash(event) != event.hash
    ):
        return Verification(False, "", 0, f"the archiving event #{event.seq} was altered in the chain")
    result = verify_package(data, str(payload.get("merkle_root")))
    if not result.ok:
        return Verification(False, result.merkle_root, result.files, f"{result.problem} (event #{event.seq})")
    if sm3_hex(data) != payload.get("package_sm3"):
        return Verification(
            False,
            "",
            0,
            f"the package's SM3 differs from the one recorded in the audit chain (event #{event.seq})",
        )
    if package is not None and (package.merkle_root, package.package_sm3) != (
        payload.get("merkle_root"),
        payload.get("package_sm3"),
    ):
        return Verification(
            False, result.merkle_root, result.files, "the database row differs from the audit chain's record"
        )
    if kept:
        covering = sorted((cp for cp in kept if cp.tree_size >= event.seq), key=lambda cp: cp.seq)
        if not covering and not require_cover:
            return result
        if not covering:
            return Verification(
                False, result.merkle_root, result.files, f"no kept checkpoint covers event #{event.seq} yet"
            )
        cp = covering[0]
        try:
            path = [bytes.fromhex(h) for h in checkpoints.inclusion_proof(event.seq, cp.tree_size)]
        except GgzyError:  # the chain is shorter than the checkpoint: cut
            path = []
        if not tree.verify_inclusion(
            event_leaf(event.hash), event.seq - 1, cp.tree_size, path, bytes.fromhex(cp.root)
        ):
            return Verification(
                False,
                result.merkle_root,
                result.files,
                f"the archiving event #{event.seq} is not in the chain of kept checkpoint #{cp.seq} (rewritten)",
            )
    return result


@action("services.archive_lot")
def archive_lot(actor: Actor, lot_code: str) -> ArchivePackage:
    require_role(actor, Role.OPERATOR)
    lot = (
        Lot.objects.select_for_update(of=("self",))
        .select_related("project", "notice")
        .filter(code=lot_code)
        .first()
    )
    if lot is None:
        raise NotFound("lot_not_found", f"未找到标段{lot_code}", f"No lot {lot_code}")
    role = require_node_operator(actor, lot.project)
    if hasattr(lot, "archive"):
        raise Conflict("already_archived", "该标段已归档", "Already archived")
    if lot.state not in FINISHED:
        raise InvalidInput(
            "not_finished", "交易结束（签订合同、流标或终止）后方可归档", "Archive a finished trade only"
        )
    agreement = getattr(lot, "framework", None)
    if agreement is not None and (agreement.term_until is None or clock.today() <= agreement.term_until):
        # A framework agreement is a trade until its term ends: purchases are still made under it.
        raise InvalidInput(
            "framework_in_force",
            "框架协议期满后方可归档（协议期内采购人仍可据此采购）",
            "Archive a framework agreement once its term has ended",
        )
    data, root = build_package(collect(lot))
    package = ArchivePackage(
        lot=lot, merkle_root=root, package_sm3=sm3_hex(data), file_count=0, created_at=clock.now()
    )
    package.file_count = verify_package(data, root).files
    package.file.save(f"{lot.code}.zip", ContentFile(data), save=False)
    package.save()
    checkpoints.at_milestone("archive", package)
    procedure.move(lot, Lot.State.ARCHIVED, clock.now())
    lot.save()
    audit.record(
        package,
        {
            "lot": lot.code,
            "merkle_root": root,
            "package_sm3": package.package_sm3,
            "files": package.file_count,
        },
        role=role,
    )
    return package
