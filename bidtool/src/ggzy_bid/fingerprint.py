"""The preparing machine's fingerprint (制作机器特征码), recorded in every envelope's metadata.

The platform compares fingerprints across the bids of one lot: identical MAC/CPU/disk digests in two
bidders' envelopes suggest the bids were prepared on the same computer (a classic sign of 串标/围标).
Only SM3 digests of the identifiers leave the machine — never the raw MAC address or serial numbers,
which are personal data. (An unsalted digest of a MAC can still be brute-forced by someone determined;
the digest is a pseudonym for comparison, not an anonymisation.)

Sources (Linux; other systems report the identifier as missing):

* ``mac``  — ``/sys/class/net/<if>/address``: interfaces in name order, loopback and all-zero addresses
  skipped, physical ones (those with a ``device`` link) preferred over virtual bridges/veths/tunnels,
  whose addresses are random and would make the fingerprint unstable.
* ``cpu``  — ``/proc/cpuinfo``: the ``Serial`` line when present and non-zero (ARM boards), otherwise the
  first ``model name`` and ``flags`` lines.
* ``disk`` — the first ``/sys/block/<dev>/device/serial``, else the first whole-disk name in
  ``/dev/disk/by-id`` (a model_serial string; USB and volume aliases skipped), else ``/etc/machine-id``.

An unavailable identifier is reported as the SM3 of the empty string and listed in ``"missing"``, so the
platform can tell "no data" apart from "same machine". Every reader takes a `root` path, so tests build a
fake ``/sys``, ``/proc``, ``/dev`` and ``/etc`` tree under a temporary directory.
"""

import re
from collections.abc import Callable
from pathlib import Path

from ggzy_bid import __version__
from ggzy_guomi import JsonValue, sm3_hex

FIELDS = ("mac", "cpu", "disk")
EMPTY_SM3 = sm3_hex(b"")
_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
_ZERO_MAC = "00:00:00:00:00:00"
_PARTITION = re.compile(r"-part\d+$")
# /dev/disk/by-id names skipped: aliases naming a disk again by WWN/EUI rather than model and serial,
# device-mapper/LVM/RAID volumes, and removable USB drives (a plugged-in stick must not change the result).
_SKIPPED_PREFIXES = ("wwn-", "nvme-eui.", "nvme-nvme.", "dm-", "lvm-", "md-", "usb-")


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _children(path: Path) -> list[Path]:
    try:
        return sorted(path.iterdir(), key=lambda p: p.name)
    except OSError:
        return []


def read_mac(root: Path) -> str | None:
    """The machine's MAC address (lowercase, colon-separated), or None."""
    physical: list[str] = []
    virtual: list[str] = []
    for interface in _children(root / "sys/class/net"):
        if interface.name == "lo":
            continue
        address = (_read_text(interface / "address") or "").strip().lower()
        if not _MAC.fullmatch(address) or address == _ZERO_MAC:
            continue
        (physical if (interface / "device").exists() else virtual).append(address)
    candidates = physical or virtual
    return candidates[0] if candidates else None


def read_cpu(root: Path) -> str | None:
    """`Serial:<value>` when the CPU has a serial number, else `<model name>\\n<flags>`, or None."""
    text = _read_text(root / "proc/cpuinfo")
    if text is None:
        return None
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key not in fields:
            fields[key] = " ".join(value.split())
    serial = fields.get("serial", "")
    if serial.strip("0"):
        return f"Serial:{serial}"
    model, flags = fields.get("model name", ""), fields.get("flags", "")
    if not model and not flags:
        return None
    return f"{model}\n{flags}"


def read_disk(root: Path) -> str | None:
    """A disk serial number, a /dev/disk/by-id name, or the machine id (in that order), or None."""
    for device in _children(root / "sys/block"):
        serial = (_read_text(device / "device/serial") or "").strip()
        if serial:
            return serial
    for entry in _children(root / "dev/disk/by-id"):
        name = entry.name
        if not name.startswith(_SKIPPED_PREFIXES) and not _PARTITION.search(name):
            return name
    machine_id = (_read_text(root / "etc/machine-id") or "").strip()
    return machine_id or None


READERS: dict[str, Callable[[Path], str | None]] = {"mac": read_mac, "cpu": read_cpu, "disk": read_disk}


def machine_fingerprint(root: Path | str = "/", *, tool_version: str = __version__) -> dict[str, JsonValue]:
    """{"mac_sm3", "cpu_sm3", "disk_sm3", "tool_version"} plus "missing" when an identifier is unavailable."""
    base = Path(root)
    result: dict[str, JsonValue] = {}
    missing: list[JsonValue] = []
    for field in FIELDS:
        raw = READERS[field](base)
        if raw is None:
            missing.append(field)
        result[f"{field}_sm3"] = sm3_hex((raw or "").encode("utf-8"))
    result["tool_version"] = tool_version
    if missing:
        result["missing"] = missing
    return result
