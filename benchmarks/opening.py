"""opening — verify and decrypt sealed envelopes as the platform does at the opening.

Platform path (what `bidding.actions.decrypt_bid` runs for each bid, without the database): open the
stored envelope with the content keys the bidder released — `open_envelope_with_keys` checks the SM2
signature on the manifest and each key's commitment, decrypts SM4-GCM and strips the v2 padding (no
plaintext SM3 pass since envelope v2) — then parse the bid form. Baseline: the same SM4-GCM decryptions (same key, nonce, AAD, tag) with `cryptography`
directly on the ciphertext bytes read from the same files. The upload-time check (`verify_envelope`) is
timed too and reported in params.
"""

import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import emit, note
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ggzy.bidding.actions import BID_FORM, parse_bid_form
from ggzy.trading.specs import CONSTRUCTION_TENDER_SPEC
from ggzy_guomi import (
    Sm2PrivateKey,
    Sm2PublicKey,
    canonical_json,
    open_envelope_with_keys,
    seal_envelope_to,
    unwrap_file_keys,
    verify_envelope,
)

ENVELOPE_BYTES = 1024 * 1024
TAG = 16


@dataclass
class Sealed:
    path: Path
    keys: dict[str, bytes]
    # for the baseline: (offset, size, key, nonce, aad) of each payload entry
    parts: list[tuple[int, int, bytes, bytes, bytes]]


def seal_all(work: Path, count: int, signer: Sm2PrivateKey) -> list[Sealed]:
    sealed = []
    for i in range(count):
        form = f'{{"price": "2400{i:04d}.00", "duration_days": 540, "quality": "合格", "project_manager": "张工"}}'
        files = {BID_FORM: form.encode(), "technical.bin": os.urandom(ENVELOPE_BYTES)}
        path = work / f"{i:05d}.gbe"
        manifest = seal_envelope_to(
            path, files, signer=signer, recipients=[signer.public_key], metadata={"lot": "BENCH", "n": i}
        )
        keys = unwrap_file_keys(path, signer)
        parts = []
        with zipfile.ZipFile(path) as archive:
            for record in manifest.files:
                info = archive.getinfo(record.entry)
                with open(path, "rb") as raw:  # the data starts after the local header and its extras
                    raw.seek(info.header_offset + 26)
                    name_len, extra_len = (
                        int.from_bytes(raw.read(2), "little"),
                        int.from_bytes(raw.read(2), "little"),
                    )
                offset = info.header_offset + 30 + name_len + extra_len
                aad = canonical_json(
                    {
                        "envelope_id": manifest.envelope_id,
                        "format": "ggzy-guomi-envelope",
                        "name": record.name,
                        "version": manifest.version,
                    }
                )
                parts.append((offset, info.file_size, keys[record.name], record.nonce, aad))
        sealed.append(Sealed(path, keys, parts))
    return sealed


def platform_open(item: Sealed, signer: Sm2PublicKey) -> None:
    with open(item.path, "rb") as envelope:
        opened = open_envelope_with_keys(envelope, item.keys, signer_public_key=signer)
    parse_bid_form(opened.files[BID_FORM], CONSTRUCTION_TENDER_SPEC.bid_form)


def direct_decrypt(item: Sealed, signer: Sm2PublicKey) -> None:
    with open(item.path, "rb") as envelope:
        for offset, size, key, nonce, aad in item.parts:
            envelope.seek(offset)
            data = envelope.read(size)
            decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, data[-TAG:])).decryptor()
            decryptor.authenticate_additional_data(aad)
            decryptor.update(data[:-TAG])
            decryptor.finalize()


def upload_check(item: Sealed, signer: Sm2PublicKey) -> None:
    verify_envelope(item.path, signer)


def timed(fn: Callable[[Sealed, Sm2PublicKey], None], items: list[Sealed], signer: Sm2PublicKey) -> float:
    began = time.perf_counter()
    for item in items:
        fn(item, signer)
    return time.perf_counter() - began


def run(count: int = 1000) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="ggzy-bench-opening-"))
    try:
        signer = Sm2PrivateKey.generate()
        note(f"opening: sealing {count} envelopes of {ENVELOPE_BYTES // 1024} KiB")
        items = seal_all(work, count, signer)
        public = signer.public_key
        for fn in (direct_decrypt, platform_open):  # warm caches and code paths
            timed(fn, items[:5], public)
        note("opening: timing (best of two passes each)")
        base = min(timed(direct_decrypt, items, public) for _ in range(2))
        figure = min(timed(platform_open, items, public) for _ in range(2))
        verify = timed(upload_check, items, public)
        megabytes = count * ENVELOPE_BYTES / 1e6
        return emit(
            "opening",
            figure,
            "s",
            base,
            figure / base,
            {
                "envelopes": count,
                "envelope_bytes": ENVELOPE_BYTES,
                "platform_MBps": round(megabytes / figure, 1),
                "baseline_MBps": round(megabytes / base, 1),
                "upload_verify_s": round(verify, 3),
                "target_ratio": "<= 1.15",
                "ratio_is": "figure / baseline (lower is better)",
            },
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
