from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.kernel.checkpoints import load_kept, published_checkpoints
from ggzy.services.archive import recorded_event, verify_against_chain
from ggzy.services.models import ArchivePackage
from ggzy_guomi import GuomiError, sm3_hex


class Command(BaseCommand):
    help = (
        "Verify an archive package against the audit chain: its SM3 and Merkle root must be those recorded "
        "when it was sealed, every file's SM3 must match (exit 1 on any mismatch); with --checkpoints the "
        "record must be in the chain of a kept signed checkpoint."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lot", help="lot code (the package kept by the platform), or a path to a .zip")
        parser.add_argument("--checkpoints", metavar="FILE", help="signed audit checkpoints kept earlier")

    def handle(self, *args: Any, **options: Any) -> None:
        target = options["lot"]
        from_file = bool(options.get("checkpoints"))
        try:
            # Without a kept file, the platform's own stored checkpoints (each signature checked).
            kept = load_kept(
                Path(options["checkpoints"]).read_bytes() if from_file else published_checkpoints()
            )
        except (OSError, ValueError, GuomiError) as exc:
            raise CommandError(f"检查点无效 checkpoints refused: {exc}", returncode=1) from None
        package = ArchivePackage.objects.filter(lot__code=target).first()
        if package is not None:
            with package.file.open("rb") as handle:
                data = handle.read()
            event = recorded_event(package=package)
        elif Path(target).is_file():
            data, package = Path(target).read_bytes(), None
            event = recorded_event(package_sm3=sm3_hex(data))
        else:
            raise CommandError(f"no archive for {target}", returncode=1)
        result = verify_against_chain(data, event, package, kept, require_cover=from_file)
        if not result.ok:
            raise CommandError(f"档案校验失败 archive broken: {result.problem}", returncode=1)
        assert event is not None
        self.stdout.write(
            f"档案完整 archive intact: {result.files} files, Merkle root {result.merkle_root}, "
            f"as recorded in audit event #{event.seq}"
            + (", in the chain of the kept checkpoints" if from_file else "")
        )
