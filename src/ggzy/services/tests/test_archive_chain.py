"""Archives are verified against the audit chain, not the database row (issue 10 §2)."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ggzy.evaluation import award
from ggzy.evaluation.tests import test_flow as flow
from ggzy.evaluation.tests.conftest import Opened, opened
from ggzy.kernel import audit
from ggzy.kernel.checkpoints import verify
from ggzy.kernel.models import AuditCheckpoint, AuditEvent, AuditHead
from ggzy.kernel.tests.test_checkpoints import rehash_from
from ggzy.services.archive import archive_lot, build_package, collect, verify_package
from ggzy.services.models import ArchivePackage
from ggzy.testing import actor_of
from ggzy.trading.tests.conftest import tender
from ggzy_guomi import sm3_hex

__all__ = ["opened", "tender"]

pytestmark = pytest.mark.django_db


def archived(o: Opened) -> ArchivePackage:
    flow.awarded(o)
    award.report_to_supervisor(o.tender.manager, o.lot_code)
    award.sign_contract(o.tender.manager, o.lot_code, Decimal("24450000"), Decimal(0), "c" * 64)
    return archive_lot(actor_of("op"), o.lot_code)


def forge(package: ArchivePackage) -> bytes:
    """Rebuild the package with a forged opening record and point the database row at it."""
    files = collect(package.lot)
    files["opening_record.json"] = files["opening_record.json"].replace(b"24450000.00", b"23000000.00")
    data, root = build_package(files)
    with open(package.file.path, "wb") as handle:
        handle.write(data)
    ArchivePackage.objects.filter(pk=package.pk).update(merkle_root=root, package_sm3=sm3_hex(data))
    return data


def test_milestones_and_the_archive_get_signed_checkpoints(opened: Opened) -> None:
    package = archived(opened)
    reasons = list(AuditCheckpoint.objects.values_list("reason", flat=True))
    assert {"bid_deadline", "opening", "award", "archive"} <= set(reasons)
    last = AuditCheckpoint.objects.order_by("-seq").first()
    event = AuditEvent.objects.get(action="services.archive_lot")
    assert last is not None and (last.reason, last.tree_size) == ("archive", event.seq)
    assert (last.object_type, last.object_id) == ("services.archivepackage", str(package.pk))
    assert event.payload["package_sm3"] == package.package_sm3
    assert verify().intact


def test_attack_forged_archive_with_updated_row(opened: Opened, capsys: pytest.CaptureFixture[str]) -> None:
    package = archived(opened)
    call_command("verify_archive", opened.lot_code)
    assert "as recorded in audit event" in capsys.readouterr().out
    data = forge(package)
    row = ArchivePackage.objects.get(pk=package.pk)
    assert verify_package(data, row.merkle_root).ok  # what verify_archive trusted before: the row
    with pytest.raises(CommandError) as err:
        call_command("verify_archive", opened.lot_code)
    assert err.value.returncode == 1
    assert "Merkle root differs from the one recorded" in str(err.value)
    # The zip handed over on its own is not in the chain either.
    with pytest.raises(CommandError, match="records no archiving"):
        call_command("verify_archive", package.file.path)


def test_attack_forged_archive_and_rewritten_chain(opened: Opened, tmp_path: Path) -> None:
    """The operator rewrites the archiving event too, rehashes the chain and re-signs the checkpoints:
    the database is self-consistent; the checkpoints kept outside are not fooled."""
    package = archived(opened)
    kept = tmp_path / "kept.json"
    call_command("audit_checkpoints", "--out", str(kept))
    data = forge(package)
    event = AuditEvent.objects.get(action="services.archive_lot")
    payload = {**event.payload, "merkle_root": verify_package(data).merkle_root, "package_sm3": sm3_hex(data)}
    AuditEvent.objects.filter(pk=event.pk).update(payload=payload)
    rehash_from(event.seq)
    AuditCheckpoint.objects.filter(tree_size__gte=event.seq).delete()
    from ggzy.kernel.checkpoints import issue_checkpoint

    issue_checkpoint("archive", package)  # re-signed with the platform key
    assert verify().intact
    call_command("verify_archive", opened.lot_code)  # against the database alone it passes
    with pytest.raises(CommandError) as err:
        call_command("verify_archive", opened.lot_code, "--checkpoints", str(kept))
    assert f"event #{event.seq} is not in the chain of kept checkpoint" in str(err.value)
    with pytest.raises(CommandError):
        call_command("verify_audit", "--checkpoints", str(kept))
    assert json.loads(kept.read_text())["checkpoints"]
    assert AuditHead.objects.get().seq == AuditEvent.objects.count()
    assert audit.verify_chain().intact
