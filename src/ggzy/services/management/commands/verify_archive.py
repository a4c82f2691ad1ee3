from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.services.archive import verify_package
from ggzy.services.models import ArchivePackage


class Command(BaseCommand):
    help = "Verify an archive package: every file's SM3 and the Merkle root (exit 1 on any mismatch)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lot", help="lot code (the package kept by the platform), or a path to a .zip")

    def handle(self, *args: Any, **options: Any) -> None:
        target = options["lot"]
        package = ArchivePackage.objects.filter(lot__code=target).first()
        if package is not None:
            with package.file.open("rb") as handle:
                data = handle.read()
            expected: str | None = package.merkle_root
        elif Path(target).is_file():
            data, expected = Path(target).read_bytes(), None
        else:
            raise CommandError(f"no archive for {target}", returncode=1)
        result = verify_package(data, expected)
        if not result.ok:
            raise CommandError(f"档案校验失败 archive broken: {result.problem}", returncode=1)
        self.stdout.write(f"档案完整 archive intact: {result.files} files, Merkle root {result.merkle_root}")
