"""`ggzy-bid keygen` and `ggzy-bid fingerprint`."""

import json
import re
import stat
from pathlib import Path

import pytest

from bid_tests.conftest import MAC, Cli, make_machine
from ggzy_bid.fingerprint import EMPTY_SM3, machine_fingerprint, read_cpu, read_disk, read_mac
from ggzy_guomi import Sm2PrivateKey, Sm2PublicKey, canonical_json, sm3_hex


def test_keygen_writes_a_private_key_only_the_owner_can_read(tmp_path: Path, cli: Cli) -> None:
    out = tmp_path / "new" / "keys"
    run = cli("keygen", "--out", out)
    assert run.code == 0, run.stderr
    private, public = out / "bidder.key.pem", out / "bidder.pub.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(public.stat().st_mode) == 0o644
    key = Sm2PrivateKey.from_pem(private.read_bytes())
    assert Sm2PublicKey.from_pem(public.read_bytes()) == key.public_key
    match = re.search(r"key id\): ([0-9a-f]{64})$", run.stdout, re.MULTILINE)
    assert match is not None
    assert match.group(1) == key.public_key.key_id == sm3_hex(key.public_key.to_bytes())


def test_keygen_mode_ignores_a_permissive_umask(tmp_path: Path, cli: Cli) -> None:
    import os

    old = os.umask(0)
    try:
        assert cli("keygen", "--out", tmp_path).code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "bidder.key.pem").stat().st_mode) == 0o600


def test_keygen_never_overwrites_a_key(tmp_path: Path, cli: Cli) -> None:
    assert cli("keygen", "--out", tmp_path).code == 0
    before = (tmp_path / "bidder.key.pem").read_bytes()
    run = cli("keygen", "--out", tmp_path)
    assert run.code == 1
    assert "拒绝覆盖" in run.stderr
    assert "refusing to overwrite" in run.stderr
    assert (tmp_path / "bidder.key.pem").read_bytes() == before


# --- fingerprint ---------------------------------------------------------------------------------------


def test_fingerprint_from_a_fake_machine(machine: Path, cli: Cli) -> None:
    run = cli("fingerprint")
    assert run.code == 0, run.stderr
    printed = run.stdout.encode("utf-8")
    doc = json.loads(printed)
    assert canonical_json(doc) == printed
    assert doc == {
        "mac_sm3": sm3_hex(b"52:54:00:ab:cd:ef"),
        "cpu_sm3": sm3_hex(b"Intel(R) Xeon(R) CPU E5-2680 v4\nfpu vme sse2"),
        "disk_sm3": sm3_hex(b"S4EWNX0N123456"),
        "tool_version": doc["tool_version"],
    }
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", doc["tool_version"])


def test_fingerprint_never_contains_raw_identifiers(cli: Cli) -> None:
    text = cli("fingerprint").stdout.lower()
    for form in (MAC.lower(), MAC.lower().replace(":", ""), MAC.lower().replace(":", "-"), "ab:cd:ef"):
        assert form not in text
    assert "s4ewnx0n123456" not in text
    assert "xeon" not in text


def test_mac_prefers_physical_interfaces_in_name_order(tmp_path: Path) -> None:
    net = tmp_path / "sys/class/net"
    for name, address, physical in [
        ("wlan0", "aa:aa:aa:aa:aa:01", True),
        ("br-1", "02:00:00:00:00:01", False),
        ("eth1", "AA:AA:AA:AA:AA:02", True),
        ("eth0", "00:00:00:00:00:00", True),  # zero MAC: skipped
    ]:
        (net / name).mkdir(parents=True)
        (net / name / "address").write_text(address)
        if physical:
            (net / name / "device").mkdir()
    assert read_mac(tmp_path) == "aa:aa:aa:aa:aa:02"
    for name in ("wlan0", "eth1"):
        (net / name / "device").rmdir()
    assert read_mac(tmp_path) == "02:00:00:00:00:01"  # only virtual ones left: first by name


def test_cpu_serial_wins_when_present(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/cpuinfo").write_text("processor : 0\nFeatures : fp asimd\nSerial : 10000000abcdef01\n")
    assert read_cpu(tmp_path) == "Serial:10000000abcdef01"
    (tmp_path / "proc/cpuinfo").write_text("model name : X\nSerial : 0000000000000000\n")
    assert read_cpu(tmp_path) == "X\n"


def test_disk_falls_back_to_by_id_then_machine_id(tmp_path: Path) -> None:
    assert read_disk(tmp_path) is None
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/machine-id").write_text("0123456789abcdef0123456789abcdef\n")
    assert read_disk(tmp_path) == "0123456789abcdef0123456789abcdef"
    by_id = tmp_path / "dev/disk/by-id"
    by_id.mkdir(parents=True)
    for name in ["wwn-0x5002538e4", "ata-Samsung_SSD_860_S3Z9NB0K1-part1", "usb-Kingston_DT_123-0:0"]:
        (by_id / name).touch()
    assert read_disk(tmp_path) == "0123456789abcdef0123456789abcdef"
    (by_id / "ata-Samsung_SSD_860_S3Z9NB0K1").touch()
    assert read_disk(tmp_path) == "ata-Samsung_SSD_860_S3Z9NB0K1"
    (tmp_path / "sys/block/sda/device").mkdir(parents=True)
    (tmp_path / "sys/block/sda/device/serial").write_text("WD-123\n")
    assert read_disk(tmp_path) == "WD-123"


def test_missing_identifiers_are_named_and_hash_the_empty_string(tmp_path: Path) -> None:
    assert machine_fingerprint(tmp_path, tool_version="9.9") == {
        "mac_sm3": EMPTY_SM3,
        "cpu_sm3": EMPTY_SM3,
        "disk_sm3": EMPTY_SM3,
        "tool_version": "9.9",
        "missing": ["mac", "cpu", "disk"],
    }
    assert sm3_hex(b"") == EMPTY_SM3
    partial = make_machine(tmp_path / "m")
    (partial / "proc/cpuinfo").unlink()
    result = machine_fingerprint(partial)
    assert result["missing"] == ["cpu"]
    assert result["mac_sm3"] != EMPTY_SM3


@pytest.mark.parametrize("order", [["eth0", "eth1"], ["eth1", "eth0"]])
def test_fingerprint_is_deterministic(tmp_path: Path, order: list[str]) -> None:
    root = make_machine(tmp_path / "m")
    for name in order:
        (root / "sys/class/net" / name).mkdir(exist_ok=True)
        (root / "sys/class/net" / name / "address").write_text(f"aa:bb:cc:dd:ee:{name[-1]}0")
        (root / "sys/class/net" / name / "device").mkdir(exist_ok=True)
    assert machine_fingerprint(root)["mac_sm3"] == sm3_hex(b"aa:bb:cc:dd:ee:00")
