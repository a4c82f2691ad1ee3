"""`ggzy supervise --sweep`: run every alert rule and the collusion screen now (what the chronograph does
nightly). `ggzy supervise --simulate`: the synthetic province-year and the screens' ROC AUC on it."""

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Supervision: run the nightly sweep now, or validate the collusion screens on the simulator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sweep", action="store_true", help="run every alert rule and the collusion screen"
        )
        parser.add_argument(
            "--simulate", action="store_true", help="simulate a province-year and print the AUC"
        )
        parser.add_argument("--lots", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=20260302)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sweep"]:
            from ggzy.supervision.sweep import run

            self.stdout.write(json.dumps(run(), ensure_ascii=False, indent=2))
        if options["simulate"]:
            from ggzy.supervision.collusion.validation import validate

            started = time.perf_counter()
            report = validate(lots=options["lots"], seed=options["seed"])
            report["seconds_total"] = round(time.perf_counter() - started, 3)
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        if not options["sweep"] and not options["simulate"]:
            self.stderr.write("nothing to do: give --sweep or --simulate")
