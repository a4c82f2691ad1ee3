from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.demo.simulate import TenderSimulation
from ggzy.kernel.errors import GgzyError


class Command(BaseCommand):
    help = "Run a whole trade on the virtual clock and print each step (ggzy simulate tender --bidders N)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True)
        tender = sub.add_parser("tender", help="construction tender: notice, sealed bids, online opening")
        tender.add_argument("--bidders", type=int, default=5)
        tender.add_argument("--no-decrypt", type=int, default=0, help="bidders who fail to decrypt (E8)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            TenderSimulation(options["bidders"], self.stdout.write, options["no_decrypt"]).execute()
        except GgzyError as exc:
            raise CommandError(f"{exc.zh} ({exc.en})") from exc
