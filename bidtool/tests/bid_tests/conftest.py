"""Fixtures of the bidder's tool tests: keys, a bid folder, a fake machine tree, a fake platform, and a
runner for the command line that captures its output."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from bid_tests.fake_platform import BIDDER, FakePlatform
from ggzy_bid.cli import Runtime, main
from ggzy_guomi import Sm2PrivateKey

LOT = "E3301-2026-001"
BID_FORM: dict[str, object] = {
    "price": "1234567.89",
    "duration_days": 365,
    "quality": "合格",
    "project_manager": "张三",
}
BID_FILES = {"技术标.pdf": b"%PDF technical part " * 40, "商务标.docx": b"commercial part"}
MAC = "52:54:00:AB:CD:EF"


@pytest.fixture(scope="session")
def platform_key() -> Sm2PrivateKey:
    return Sm2PrivateKey.generate()


@pytest.fixture
def key_file(tmp_path: Path, bidder_key: Sm2PrivateKey) -> Path:
    path = tmp_path / "keys" / "bidder.key.pem"
    path.parent.mkdir()
    path.write_text(bidder_key.to_pem())
    path.chmod(0o600)
    return path


def make_bid_folder(path: Path, form: object = BID_FORM, files: dict[str, bytes] = BID_FILES) -> Path:
    path.mkdir(parents=True)
    if form is not None:
        (path / "bid-form.json").write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
    for name, data in files.items():
        (path / name).write_bytes(data)
    return path


@pytest.fixture
def bid_dir(tmp_path: Path) -> Path:
    return make_bid_folder(tmp_path / "bid")


def make_machine(root: Path) -> Path:
    """A fake /sys, /proc and /etc: loopback, a virtual bridge and one physical NIC, an NVMe disk."""
    net = root / "sys/class/net"
    for name, address, physical in [
        ("lo", "00:00:00:00:00:00", False),
        ("docker0", "02:42:ac:11:00:01", False),
        ("eth0", MAC.lower(), True),
    ]:
        (net / name).mkdir(parents=True)
        (net / name / "address").write_text(address + "\n")
        if physical:
            (net / name / "device").mkdir()
    (root / "proc").mkdir()
    (root / "proc/cpuinfo").write_text(
        "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) CPU E5-2680 v4\nflags\t\t: fpu vme sse2\n\n"
        "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) CPU E5-2680 v4\nflags\t\t: fpu vme sse2\n"
    )
    (root / "sys/block/nvme0n1/device").mkdir(parents=True)
    (root / "sys/block/nvme0n1/device/serial").write_text("S4EWNX0N123456  \n")
    return root


@pytest.fixture
def machine(tmp_path: Path) -> Path:
    return make_machine(tmp_path / "machine")


@pytest.fixture
def platform(platform_key: Sm2PrivateKey, bidder_key: Sm2PrivateKey) -> FakePlatform:
    return FakePlatform(platform_key, bidder_key.public_key, chunk_size=256)


@dataclass
class Run:
    code: int
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    @property
    def stdout(self) -> str:
        return "\n".join(self.out)

    @property
    def stderr(self) -> str:
        return "\n".join(self.err)


class Cli:
    """Runs `ggzy_bid.cli.main` in-process against the fake machine and the fake platform."""

    def __init__(self, machine: Path, platform: FakePlatform) -> None:
        self.machine = machine
        self.platform = platform

    def __call__(self, *argv: str | Path, transport: httpx.BaseTransport | None = None) -> Run:
        run = Run(code=-1)
        runtime = Runtime(
            fs_root=self.machine,
            transport=transport or self.platform.transport(),
            sleep=run.sleeps.append,
            stdout=run.out.append,
            stderr=run.err.append,
        )
        args: Sequence[str] = [str(a) for a in argv]
        run.code = main(args, runtime)
        return run


@pytest.fixture
def cli(machine: Path, platform: FakePlatform) -> Cli:
    return Cli(machine, platform)


@pytest.fixture
def envelope(tmp_path: Path, cli: Cli, bid_dir: Path, key_file: Path, opening_key: Sm2PrivateKey) -> Path:
    """A sealed bid (bidder + opening key), made with the command line."""
    out = tmp_path / f"{LOT}-{BIDDER}.gbe"
    run = cli(
        "seal", bid_dir, "--key", key_file, "--lot", LOT, "--bidder", BIDDER,
        "--opening-key", opening_key.public_key.hex(), "--out", out,
    )  # fmt: skip
    assert run.code == 0, run.stderr
    return out
