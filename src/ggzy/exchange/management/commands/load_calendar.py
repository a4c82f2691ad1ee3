from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ggzy.exchange.calendar_actions import load_official_calendar
from ggzy.kernel.roles import Actor


class Command(BaseCommand):
    help = "Load one year's official holidays and in-lieu workdays into the holiday table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        count = load_official_calendar(Actor.system("load_calendar"), options["year"])
        self.stdout.write(f"{options['year']}: {count} days loaded")
