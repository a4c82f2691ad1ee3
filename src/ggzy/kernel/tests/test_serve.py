"""`ggzy serve` stopped with SIGTERM (systemd, docker stop) stops its task worker too (issue 11 §7)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ggzy.reliability.tests.harness import dedicated_database, free_port, migrate, platform_env


def children(pid: int) -> set[int]:
    try:
        return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except FileNotFoundError:
        return set()


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_sigterm_stops_the_web_server_and_its_task_worker(tmp_path: Path) -> None:
    db = dedicated_database(tmp_path / "var", "serve", sqlite=True)
    migrate(db)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ggzy", "serve", "--no-chronograph", "--port", str(port)],
        env=platform_env(db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/platform/keys", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        workers = children(server.pid)
        assert workers, "ggzy serve started no task worker"
        server.send_signal(signal.SIGTERM)  # to the server alone, as `docker stop` does
        assert server.wait(timeout=20) is not None
        deadline = time.monotonic() + 10
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(w) for w in workers), "the task worker outlived ggzy serve"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        for w in workers | children(server.pid):
            if alive(w):
                os.kill(w, signal.SIGKILL)
