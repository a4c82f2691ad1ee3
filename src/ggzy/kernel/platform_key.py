"""The platform's own SM2 key: it signs bid receipts and, later, published data sets.

Production mounts a key file (GGZY_PLATFORM_KEY_FILE) kept in an HSM-backed store; the embedded
platform generates one on first use under var/keys with mode 0600.
"""

import os
import tempfile
from functools import cache
from pathlib import Path

from django.conf import settings

from ggzy_guomi import Sm2PrivateKey, Sm2PublicKey


@cache
def platform_key() -> Sm2PrivateKey:
    path = Path(settings.PLATFORM_KEY_FILE)
    if not path.exists():
        create_key_file(path, Sm2PrivateKey.generate().to_pem().encode("ascii"))
    return Sm2PrivateKey.from_pem(path.read_bytes())


def create_key_file(path: Path, data: bytes) -> None:
    """Create a key file (mode 0600) unless it exists. Written beside the target, then linked into place,
    so the file is absent or complete; when several workers race, the first link wins and every worker
    reads that one key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".key-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    finally:
        os.unlink(tmp)


def platform_public_key() -> Sm2PublicKey:
    return platform_key().public_key
