import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ggzy.kernel.checkpoints import issue_checkpoint, published_checkpoints


class Command(BaseCommand):
    help = "Write the published signed audit checkpoints as JSON (keep the file: verify_audit --checkpoints)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
        parser.add_argument("--since", type=int, default=0, metavar="SEQ", help="only checkpoints after #SEQ")
        parser.add_argument(
            "--issue", action="store_true", help="first sign a checkpoint of the chain as it stands now"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["issue"]:
            cp = issue_checkpoint("interval")
            self.stderr.write(f"检查点#{cp.seq} checkpoint #{cp.seq}: {cp.tree_size} events")
        doc = published_checkpoints(since=options["since"])
        data = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        if not options.get("out"):
            self.stdout.write(data, ending="")
            return
        path = Path(options["out"])
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(data)
        os.replace(tmp, path)
        count = len(doc["checkpoints"])  # type: ignore[arg-type]
        self.stdout.write(f"已写出{count}个检查点 wrote {count} checkpoints to {path}")
