"""`ggzy serve`: the whole platform in one command — web (ASGI), chronograph and task worker.

Ctrl-C or SIGTERM stops all three. In production run them as separate processes instead:
an ASGI server with several workers, `ggzy chronograph`, and `ggzy db_worker` (or the Redis/RabbitMQ
backend's worker).
"""

import signal
import subprocess
import sys
import threading
from types import FrameType
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ggzy.kernel import chronograph


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


class Command(BaseCommand):
    help = "Serve portal + API with the chronograph and the task worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")
        parser.add_argument("--no-chronograph", action="store_true", help="do not run the chronograph")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        sweeper: threading.Thread | None = None
        worker: subprocess.Popen[bytes] | None = None
        if not options["no_chronograph"]:
            sweeper = threading.Thread(
                target=chronograph.run_forever,
                args=(stop, settings.CHRONOGRAPH_INTERVAL),
                name="chronograph",
                daemon=True,
            )
            sweeper.start()
        if not options["no_worker"]:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "ggzy",
                    "db_worker",
                    "--interval",
                    "1",
                    "--no-startup-delay",
                    "--no-reload",
                ]
            )
        self.stdout.write(f"GGZY serving http://{options['host']}:{options['port']}/  (Ctrl-C stops)")
        # uvicorn shuts down on SIGTERM, then re-raises it with the handler it found: the default one
        # would end the process at once, skipping the clean-up below and orphaning the worker.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            uvicorn.run(
                "ggzy.asgi:application",
                host=options["host"],
                port=options["port"],
                log_level="info",
                lifespan="off",
            )
        finally:
            stop.set()
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
            if sweeper is not None:
                sweeper.join(timeout=10)
