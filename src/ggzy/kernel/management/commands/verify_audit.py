from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.kernel.checkpoints import load_kept, verify
from ggzy_guomi import GuomiError, Sm2PublicKey


class Command(BaseCommand):
    help = (
        "Verify the SM3 audit chain in one consistent snapshot, and the signed checkpoints (those stored, "
        "and with --checkpoints those kept outside): exit 0, or 1 naming the first divergence."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            metavar="FILE",
            help="checkpoints kept earlier (the JSON of `ggzy audit_checkpoints` or of /api/audit/checkpoints)",
        )
        parser.add_argument(
            "--platform-key",
            metavar="PEM",
            help="the platform's public key the checkpoints must be signed with (default: the platform's own)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key = None
        if options.get("platform_key"):
            key = Sm2PublicKey.from_pem(Path(options["platform_key"]).read_bytes())
        kept = []
        if options.get("checkpoints"):
            path = Path(options["checkpoints"])
            try:
                kept = load_kept(path.read_bytes(), key)
            except (OSError, ValueError, GuomiError) as exc:
                raise CommandError(
                    f"检查点文件无效 kept checkpoints refused ({path}): {exc}", returncode=1
                ) from None
        report = verify(kept, key)
        if report.intact:
            self.stdout.write(
                f"审计链完整 audit chain intact: {report.count} events, "
                f"{report.checkpoints} checkpoints reproduced ({len(kept)} kept)"
            )
            return
        if report.checkpoint_seq is not None:
            raise CommandError(
                f"审计链与检查点#{report.checkpoint_seq}不符 audit chain diverges from checkpoint "
                f"#{report.checkpoint_seq}: {report.reason}; chain of {report.count} events",
                returncode=1,
            )
        where = f"#{report.bad_seq}" + (f" (row id {report.bad_id})" if report.bad_id is not None else "")
        raise CommandError(
            f"审计链被破坏 audit chain broken at event {where}: {report.reason}; "
            f"{report.count} events verified before it",
            returncode=1,
        )
