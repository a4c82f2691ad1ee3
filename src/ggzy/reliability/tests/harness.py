"""A live GGZY server on a database of its own, for the crash and confidentiality tests and the benchmarks.

Nothing here touches the test database of pytest-django: each platform gets a fresh var dir (file store,
platform key) and a dedicated database — an SQLite file under the var dir, or, when GGZY_DATABASE_URL
points to PostgreSQL, a database created for it on that server and dropped afterwards. The database is
migrated with `ggzy migrate` and filled by `python -m ggzy.reliability.tests.harness prepare` (this module
run in a subprocess with the platform's environment), which writes what the clients need — lot code,
bidders' tokens and keys — to a JSON file. The server is the real one (`ggzy serve` or uvicorn), started
as a subprocess, so that it can be killed with SIGKILL.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

PYTHON = sys.executable
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# ---- databases -----------------------------------------------------------------------------------


def postgres_base_url() -> str | None:
    """GGZY_DATABASE_URL when it names PostgreSQL, else None (then platforms run on SQLite files)."""
    url = os.environ.get("GGZY_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@dataclass
class Database:
    """A database that belongs to one live platform."""

    url: str  # the GGZY_DATABASE_URL the platform runs with ("" → SQLite file under var_dir)
    var_dir: Path
    name: str = ""

    @property
    def kind(self) -> str:
        return "postgresql" if self.url else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        return self.var_dir / "ggzy.sqlite3"

    def connect(self) -> Any:
        """A DB-API connection for raw reads (the checks read the tables the server wrote)."""
        if self.url:
            import psycopg

            return psycopg.connect(self.url, autocommit=True)
        return sqlite3.connect(self.sqlite_path, timeout=30)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        connection = self.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            return list(cursor.fetchall())
        finally:
            connection.close()

    def dump(self) -> bytes:
        """Everything the database holds, as the operator's own tools would dump it."""
        if self.url:
            parts = urlsplit(self.url)
            command = ["pg_dump", "--no-owner", "-h", parts.hostname or "127.0.0.1"]
            command += ["-p", str(parts.port or 5432), "-U", parts.username or "postgres", self.name]
            env = {**os.environ, "PGPASSWORD": parts.password or ""}
            return subprocess.run(command, check=True, capture_output=True, env=env).stdout
        connection = sqlite3.connect(self.sqlite_path)
        try:
            return "\n".join(connection.iterdump()).encode("utf-8")
        finally:
            connection.close()

    def raw_files(self) -> list[Path]:
        """The database's own files on disk (SQLite: main file, WAL and shared memory)."""
        if self.url:
            return []
        return [p for p in self.var_dir.glob("ggzy.sqlite3*") if p.is_file()]

    def clone(self, var_dir: Path, label: str) -> "Database":
        """A copy of this prepared, idle platform — database, file store and platform key — in `var_dir`."""
        var_dir.mkdir(parents=True, exist_ok=True)
        for folder in ("files", "keys"):
            if (self.var_dir / folder).is_dir():
                shutil.copytree(self.var_dir / folder, var_dir / folder)
        if self.url:
            name = f"ggzy_{label}_{os.getpid()}_{secrets.token_hex(3)}"
            _admin(self.url, f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
            return Database(_with_database(self.url, name), var_dir, name)
        source = sqlite3.connect(self.sqlite_path)
        target = sqlite3.connect(var_dir / "ggzy.sqlite3")
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return Database("", var_dir)

    def drop(self) -> None:
        if self.url:
            _admin(self.url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _admin(base_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(base_url, "postgres"), autocommit=True) as connection:
        connection.execute(statement.encode())


def dedicated_database(
    var_dir: Path, label: str, *, postgres: str | None = None, sqlite: bool = False
) -> Database:
    """A new empty database: an SQLite file under `var_dir` (`sqlite=True`, or when no PostgreSQL server is
    named), else a new database on the server of `postgres` or, by default, of GGZY_DATABASE_URL."""
    var_dir.mkdir(parents=True, exist_ok=True)
    base = None if sqlite else (postgres or postgres_base_url())
    if base is None:
        return Database("", var_dir)
    name = f"ggzy_{label}_{os.getpid()}_{secrets.token_hex(3)}"
    _admin(base, f'CREATE DATABASE "{name}"')
    return Database(_with_database(base, name), var_dir, name)


def platform_env(db: Database, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ggzy.settings",
        "GGZY_VAR_DIR": str(db.var_dir),
        "GGZY_DATABASE_URL": db.url,
        "GGZY_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("GGZY_PLATFORM_KEY_FILE", None)
    env.update(extra or {})
    return env


# ---- preparing a platform --------------------------------------------------------------------------


@dataclass(frozen=True)
class BidderInfo:
    username: str
    uscc: str
    token: str
    key_pem: str


@dataclass(frozen=True)
class Platform:
    """What the setup step created: a published tender open for bids (real clock) and its people."""

    db: Database
    lot: str
    project: str
    notice_id: int
    document_id: int
    bid_deadline: str
    bidders: list[BidderInfo]
    tokens: dict[str, str] = field(default_factory=dict)  # role → token (operator, principal, …)

    @property
    def media_root(self) -> Path:
        return self.db.var_dir / "files"

    @property
    def platform_key_file(self) -> Path:
        return self.db.var_dir / "keys" / "platform.key.pem"

    def with_db(self, db: Database) -> "Platform":
        return Platform(
            db,
            self.lot,
            self.project,
            self.notice_id,
            self.document_id,
            self.bid_deadline,
            self.bidders,
            self.tokens,
        )


def migrate(db: Database, env: Mapping[str, str] | None = None) -> None:
    result = subprocess.run(
        [PYTHON, "-m", "ggzy", "migrate", "--no-input", "-v", "0"],
        env=platform_env(db, env),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ggzy migrate failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


def prepare_platform(db: Database, bidders: int, env: Mapping[str, str] | None = None) -> Platform:
    """Migrate `db` and create the tender with `bidders` registered bidders (in a subprocess)."""
    migrate(db, env)
    out = db.var_dir / f"platform-{secrets.token_hex(4)}.json"
    result = subprocess.run(
        [
            PYTHON,
            "-m",
            "ggzy.reliability.tests.harness",
            "prepare",
            "--bidders",
            str(bidders),
            "--out",
            str(out),
        ],
        env=platform_env(db, env),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"platform setup failed:\n{result.stdout}\n{result.stderr}")
    data = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    return Platform(
        db=db,
        lot=data["lot"],
        project=data["project"],
        notice_id=data["notice_id"],
        document_id=data["document_id"],
        bid_deadline=data["bid_deadline"],
        bidders=[BidderInfo(**b) for b in data["bidders"]],
        tokens=data["tokens"],
    )


def _setup_in_process(bidders: int) -> dict[str, Any]:  # runs inside the `prepare` subprocess
    import django

    django.setup()
    from datetime import datetime, time
    from decimal import Decimal

    from django.test import override_settings
    from django.utils import timezone

    from ggzy.catalogue.actions import load_national_catalogue
    from ggzy.exchange.actions import create_node
    from ggzy.exchange.calendar_actions import load_official_calendar
    from ggzy.kernel import calendar, clock
    from ggzy.kernel.errors import GgzyError
    from ggzy.kernel.platform_key import platform_key
    from ggzy.kernel.roles import Actor
    from ggzy.registry.actions import create_department, create_staff_account, issue_api_token
    from ggzy.registry.schemas import DepartmentIn, StaffAccountIn
    from ggzy.testing import PASSWORD, actor_of, entity_with_key
    from ggzy.trading.actions import attach_document, create_notice, create_project, publish_notice
    from ggzy.trading.schemas import DocumentMeta, LotIn, NoticeIn, ProjectIn

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        system = Actor.system("reliability")
        today = clock.today()
        for year in (today.year, today.year + 1):
            with suppress(GgzyError):  # a year not published yet: weekends only
                load_official_calendar(system, year)
        province = create_node(
            system, name="宁夏回族自治区公共资源交易中心", level="province", region_code="640000"
        )
        create_node(
            system, name="银川市公共资源交易中心", level="city", region_code="640100", parent_id=province.pk
        )
        department = create_department(
            system, DepartmentIn(name="住房和城乡建设厅", node_id=province.pk, sectors=["engineering"])
        )
        for username, kind, dept in (("op", "operator", None), ("reg", "regulator", department.pk)):
            create_staff_account(
                system,
                StaffAccountIn(
                    username=username,
                    password=PASSWORD,
                    name="可靠性测试",
                    mobile="13900000001",
                    kind=kind,
                    node_id=province.pk,
                    department_id=dept,
                ),
            )
        load_national_catalogue(system, province.pk)
        _, principal_key = entity_with_key("principal", "zb")
        people = []
        for i in range(bidders):
            entity, key = entity_with_key("bidder", f"tb{i}", region="640121")
            _, token = issue_api_token(actor_of(f"tb{i}"), "reliability")
            people.append(
                {"username": f"tb{i}", "uscc": entity.uscc, "token": token, "key_pem": key.to_pem()}
            )
        tokens = {
            role: issue_api_token(actor_of(username), "reliability")[1]
            for role, username in (("operator", "op"), ("regulator", "reg"), ("principal", "zb"))
        }
        project = create_project(
            actor_of("zb"),
            ProjectIn(
                name="可靠性测试教学楼建设工程",
                state_budget_amount=Decimal("30000000"),
                total_investment=Decimal("30000000"),
                lots=[
                    LotIn(
                        name="施工",
                        contract_kind="works",
                        classify_code="A08",
                        estimated_value=Decimal("25000000"),
                        control_price=Decimal("24800000"),
                        bond_amount=Decimal("500000"),
                    )
                ],
            ),
        )
        lot = project.lots.get()
        # Real clock, deadline far away: nothing here expires while a test or a benchmark runs.
        docs_until = timezone.make_aware(datetime.combine(calendar.period_end(today, 10), time(17)))
        deadline = timezone.make_aware(datetime.combine(calendar.period_end(today, 60), time(9)))
        notice = create_notice(
            actor_of("zb"),
            project.code,
            NoticeIn(
                method="open",
                title="可靠性测试教学楼建设工程施工招标公告",
                body="招标条件：本项目已具备招标条件。",
                lot_codes=[lot.code],
                docs_from=clock.now(),
                docs_until=docs_until,
                bid_deadline=deadline,
            ),
        )
        documents = "第一章 招标公告……".encode()
        document = attach_document(
            actor_of("zb"),
            notice.pk,
            DocumentMeta(title="招标文件", signature=principal_key.sign(documents).hex()),
            "招标文件.txt",
            documents,
        )
        publish_notice(actor_of("zb"), notice.pk)
        platform_key()  # created here, once: several server workers must not race to create it
    return {
        "lot": lot.code,
        "project": project.code,
        "notice_id": notice.pk,
        "document_id": document.pk,
        "bid_deadline": deadline.isoformat(),
        "bidders": people,
        "tokens": tokens,
    }


# ---- the live server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveServer:
    """The platform served by a real server process on 127.0.0.1 (`ggzy serve`, or uvicorn workers)."""

    def __init__(
        self,
        db: Database,
        *,
        workers: int = 0,
        env: Mapping[str, str] | None = None,
        log: Path | None = None,
    ) -> None:
        self.db = db
        self.workers = workers
        self.env = platform_env(db, env)
        self.log = log or db.var_dir / "server.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        if self.workers:  # production shape: uvicorn with several worker processes
            return [
                PYTHON,
                "-m",
                "uvicorn",
                "ggzy.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--lifespan",
                "off",
                "--no-access-log",
                "--log-level",
                "warning",
            ]
        return [PYTHON, "-m", "ggzy", "serve", "--no-worker", "--no-chronograph", "--port", str(self.port)]

    def start(self, timeout: float = 30) -> "LiveServer":
        assert self.process is None or self.process.poll() is not None, "already running"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.command(), env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                if httpx.get(self.url + "/api/platform/keys", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not answer within {timeout} s:\n{self.log_text()}")

    def kill(self) -> None:
        """SIGKILL the server and its workers (its own process group): no clean-up runs."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""


@contextmanager
def running(server: LiveServer) -> Iterator[LiveServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ---- the bidders' side -----------------------------------------------------------------------------


def seal_for(
    platform: Platform,
    bidder: BidderInfo,
    work: Path,
    *,
    price: str,
    size: int = 64 * 1024,
    marker: bytes = b"",
) -> Path:
    """Seal a bid as `ggzy-bid seal` does: bid-form.json + a technical file of about `size` bytes."""
    from ggzy_bid.sealing import seal_bid
    from ggzy_guomi import Sm2PrivateKey

    folder = work / f"{bidder.username}-{secrets.token_hex(3)}"
    folder.mkdir(parents=True)
    form = {"price": price, "duration_days": 540, "quality": "合格", "project_manager": "项目经理"}
    (folder / "bid-form.json").write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
    filler = max(0, size - len(marker))
    (folder / "technical.txt").write_bytes(marker + os.urandom(filler // 2).hex().encode()[:filler])
    fingerprint = {"mac_sm3": "0" * 64, "cpu_sm3": "1" * 64, "disk_sm3": "2" * 64, "tool_version": "test"}
    sealed = seal_bid(
        folder,
        signer=Sm2PrivateKey.from_pem(bidder.key_pem),
        lot=platform.lot,
        bidder=bidder.uscc,
        fingerprint=fingerprint,
        out=work / f"{folder.name}.gbe",
    )
    return sealed.path


def files_under(root: Path) -> Sequence[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ggzy.reliability.tests.harness")
    commands = parser.add_subparsers(dest="command", required=True)
    prepare = commands.add_parser("prepare", help="create the tender and its bidders (needs a migrated DB)")
    prepare.add_argument("--bidders", type=int, default=5)
    prepare.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ggzy.settings")
        data = _setup_in_process(args.bidders)
        args.out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
