"""Sealing a bid folder into one envelope, and the small input checks every command shares (keys, lot
code, USCC).

The envelope is signed by the bidder's SM2 key and its content keys are wrapped for the bidder (so they
can open it themselves at the opening) and, when the tender has one, the tender's opening key. The
metadata — lot, bidder, machine fingerprint, tool version — is readable without any key: nothing secret
belongs there (the price is inside the sealed bid-form.json).
"""

import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ggzy_bid import TOOL_NAME
from ggzy_bid.bidform import BID_FORM_NAME, CONSTRUCTION_FORM, BidForm, FormField, load_bid_form
from ggzy_bid.errors import InputError
from ggzy_guomi import (
    GuomiError,
    JsonValue,
    Manifest,
    Sm2PrivateKey,
    Sm2PublicKey,
    envelope_sm3,
    seal_envelope_to,
)

ENVELOPE_SUFFIX = ".gbe"
# Lot codes end up in file names and URL paths: letters, digits, '.', '_' and '-' only.
_LOT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# 统一社会信用代码 (GB 32100-2015): 18 of 31 characters (no I, O, Z, S, V). The tool checks the form only;
# the platform validates the code fully (prefix, check character) when the envelope arrives.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")


def check_lot_code(value: str) -> str:
    if not _LOT_CODE.fullmatch(value):
        raise InputError(
            f"标段编号 {value!r} 无效：只能包含字母、数字和 . _ -，最长64位"
            f"（lot code {value!r} is invalid: letters, digits, '.', '_', '-' only, at most 64 characters）"
        )
    return value


def check_uscc(value: str) -> str:
    """Return the normalised (upper-case) USCC, or raise `InputError` saying what is wrong."""
    code = value.strip().upper()
    if len(code) != 18 or any(ch not in USCC_CHARSET for ch in code):
        raise InputError(
            f"统一社会信用代码 {value!r} 应为18位数字或大写字母（不含 I、O、Z、S、V）"
            f"（USCC {value!r} must be 18 digits or capital letters other than I, O, Z, S, V）"
        )
    return code


def load_private_key(path: Path) -> Sm2PrivateKey:
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise InputError(f"无法读取私钥文件 {path}（cannot read private key file）：{exc.strerror}") from None
    try:
        return Sm2PrivateKey.from_pem(pem)
    except GuomiError as exc:
        raise InputError(
            f"{path} 不是有效的 SM2 私钥 PEM（not a valid SM2 private key PEM）：{exc}"
        ) from None


def load_public_key(value: str, what: str = "公钥 (public key)") -> Sm2PublicKey:
    """A public key given as PEM text, a path to a PEM file, or hex (65-byte 04||x||y or 64-byte x||y)."""
    text = value.strip()
    try:
        if "-----BEGIN" in text:
            return Sm2PublicKey.from_pem(text)
        if _HEX.fullmatch(text) and len(text) in (128, 130):
            return Sm2PublicKey.from_hex(text.lower() if len(text) == 130 else "04" + text.lower())
        path = Path(value)
        if path.is_file():
            return Sm2PublicKey.from_pem(path.read_bytes())
    except GuomiError as exc:
        raise InputError(f"{what} 无效（invalid）：{exc}") from None
    except OSError as exc:
        raise InputError(f"无法读取{what}文件 {value}（cannot read file）：{exc.strerror}") from None
    raise InputError(
        f"{what} {value!r} 既不是 PEM、十六进制公钥，也不是存在的文件"
        f"（{value!r} is neither PEM text, a hex public key, nor an existing file）"
    )


def collect_bid_files(folder: Path) -> dict[str, Path]:
    """Every regular file directly in `folder` ({name: path}); refuse anything else it contains."""
    if not folder.is_dir():
        raise InputError(f"投标文件夹 {folder} 不存在或不是文件夹（bid folder {folder} is not a directory）")
    files: dict[str, Path] = {}
    refused: list[str] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        mode = entry.lstat().st_mode
        if entry.name.startswith("."):
            refused.append(f"{entry.name}：隐藏文件 (hidden file)")
        elif stat.S_ISLNK(mode):
            refused.append(f"{entry.name}：符号链接 (symbolic link)")
        elif stat.S_ISDIR(mode):
            refused.append(f"{entry.name}：子文件夹 (subdirectory)")
        elif not stat.S_ISREG(mode):
            refused.append(f"{entry.name}：不是普通文件 (not a regular file)")
        else:
            files[entry.name] = entry
    if refused:
        raise InputError(
            "投标文件夹中只能有普通文件，请移除或改名以下项目后重试"
            "（the bid folder may hold regular files only; remove or rename these and retry）：\n  "
            + "\n  ".join(refused)
        )
    if BID_FORM_NAME not in files:
        load_bid_form(folder / BID_FORM_NAME)  # raises the "missing bid form" message
    return files


def default_envelope_path(lot: str, uscc: str) -> Path:
    return Path(f"{lot}-{uscc}{ENVELOPE_SUFFIX}")


@dataclass(frozen=True)
class SealResult:
    path: Path
    manifest: Manifest
    sm3: str
    bid_form: BidForm


def seal_bid(
    folder: Path,
    *,
    signer: Sm2PrivateKey,
    lot: str,
    bidder: str,
    fingerprint: Mapping[str, JsonValue],
    opening_key: Sm2PublicKey | None = None,
    out: Path | None = None,
    overwrite: bool = False,
    form: Sequence[FormField] = CONSTRUCTION_FORM,
) -> SealResult:
    """Check the folder and bid-form.json (against the lot's `form`), then seal every file into `out`
    (atomically)."""
    lot = check_lot_code(lot)
    bidder = check_uscc(bidder)
    files = collect_bid_files(folder)
    bid_form = load_bid_form(files[BID_FORM_NAME], form)
    target = out if out is not None else default_envelope_path(lot, bidder)
    if target.resolve().parent == folder.resolve():
        raise InputError(
            f"信封不能保存在投标文件夹内，否则下次封装会把它也封进去（{target}）"
            f"（do not write the envelope into the bid folder itself: the next seal would include it）"
        )
    if target.is_dir():
        raise InputError(f"输出路径 {target} 是文件夹（the output path is a directory）")
    if target.exists() and not overwrite:
        raise InputError(
            f"{target} 已存在；如确需重新封装请加 --force 或用 --out 另存"
            f"（{target} exists: add --force to replace it, or choose another --out）"
        )
    recipients = [signer.public_key] + ([opening_key] if opening_key is not None else [])
    metadata: dict[str, JsonValue] = {
        "bidder": bidder,
        "fingerprint": dict(fingerprint),
        "lot": lot,
        "tool": TOOL_NAME,
    }
    manifest = seal_envelope_to(
        os.fspath(target),
        files,
        signer=signer,
        recipients=recipients,
        metadata=metadata,
    )
    return SealResult(target, manifest, envelope_sm3(target), bid_form)
