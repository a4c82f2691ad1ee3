"""The platform's own SM2 key: it signs bid receipts and, later, published data sets.

Production mounts a key file (GGZY_PLATFORM_KEY_FILE) kept in an HSM-backed store; the embedded
platform generates one on first use under var/keys with mode 0600.
"""

import os
from functools import cache

from django.conf import settings

from ggzy_guomi import Sm2PrivateKey, Sm2PublicKey


@cache
def platform_key() -> Sm2PrivateKey:
    path = settings.PLATFORM_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Sm2PrivateKey.generate()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.to_pem().encode("ascii"))
    return Sm2PrivateKey.from_pem(path.read_bytes())


def platform_public_key() -> Sm2PublicKey:
    return platform_key().public_key
