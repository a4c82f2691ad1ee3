from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ggzy.disclosure import index


class Command(BaseCommand):
    help = "更新全文检索索引（--rebuild 清空后重建）. Bring the search index up to date, or rebuild it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="drop the index and build it again")

    def handle(self, *args: Any, **options: Any) -> None:
        written = index.rebuild() if options["rebuild"] else index.sweep()
        self.stdout.write(f"检索索引已更新：写入 {written} 条 (search index: {written} rows written)")
