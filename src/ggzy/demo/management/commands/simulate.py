from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.demo.simulate import METHODS, TenderSimulation
from ggzy.kernel.errors import GgzyError


class Command(BaseCommand):
    help = (
        "Run a whole trade on the virtual clock and print each step "
        "(ggzy simulate tender --bidders N; ggzy simulate procurement "
        f"--method {'|'.join(['open', 'invited', *METHODS])} --suppliers N)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True)
        tender = sub.add_parser("tender", help="construction tender: notice, sealed bids, online opening")
        tender.add_argument("--bidders", type=int, default=5)
        tender.add_argument("--no-decrypt", type=int, default=0, help="bidders who fail to decrypt (E8)")
        tender.add_argument("--method", choices=["open", "invited"], default="open")
        procurement = sub.add_parser(
            "procurement",
            help="government procurement of goods by any of its methods (87号令, 74号令, 214号, 110号令)",
        )
        procurement.add_argument(
            "--suppliers",
            "--bidders",
            dest="bidders",
            type=int,
            default=5,
            help="how many suppliers take part",
        )
        procurement.add_argument("--no-decrypt", type=int, default=0, help="suppliers who fail to decrypt")
        procurement.add_argument(
            "--method",
            choices=["open", "invited", *METHODS],
            default="open",
            help="open/invited: 公开招标/邀请招标 (87号令); rfq: 询价, single_source: 单一来源 (74号令); "
            "negotiation: 竞争性谈判 (74号令), consultation: 竞争性磋商 (财库〔2014〕214号); "
            "framework: 框架协议采购 (财政部令第110号: the call, the admitted suppliers, call-offs)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            TenderSimulation(
                options["bidders"],
                self.stdout.write,
                options["no_decrypt"],
                kind=options["kind"],
                method=options["method"],
            ).execute()
        except GgzyError as exc:
            raise CommandError(f"{exc.zh} ({exc.en})") from exc
