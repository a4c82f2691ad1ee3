from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ggzy.kernel.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the SM3 audit chain: exit 0 with the event count, or 1 naming the first bad event."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.intact:
            self.stdout.write(f"审计链完整 audit chain intact: {report.count} events")
            return
        where = f"#{report.bad_seq}" + (f" (row id {report.bad_id})" if report.bad_id is not None else "")
        raise CommandError(
            f"审计链被破坏 audit chain broken at event {where}: {report.reason}; "
            f"{report.count} events verified before it",
            returncode=1,
        )
