import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ggzy.kernel import chronograph


class Command(BaseCommand):
    help = "Run the chronograph: advance every time-driven transition that is due (production process)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="sweep once and exit")
        parser.add_argument("--interval", type=float, default=settings.CHRONOGRAPH_INTERVAL)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.stdout.write(f"advanced {chronograph.sweep()} object(s)")
            return
        stop = threading.Event()
        try:
            chronograph.run_forever(stop, options["interval"])
        except KeyboardInterrupt:
            stop.set()
