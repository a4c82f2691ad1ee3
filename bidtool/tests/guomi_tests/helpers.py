"""Helpers shared by the guomi tests: openssl CLI runner, bit flipping, standard key material."""

import shutil
import subprocess
from pathlib import Path

from ggzy_guomi import Sm2PrivateKey

OPENSSL = shutil.which("openssl")

# GB/T 32918.5-2017 (= GM/T 0003.5-2012) worked example on the recommended curve: private key d_B,
# public key P_B, and the signature (k = 59276E27…) of "message digest" with ID "1234567812345678".
STANDARD_PRIVATE = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"
STANDARD_PUBLIC = (
    "04"
    "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13"
)


def run_openssl(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the openssl CLI (must exist: interop is part of the normal suite, never skipped)."""
    assert OPENSSL is not None, "the openssl command line tool is required by the guomi tests"
    return subprocess.run([OPENSSL, *args], input=stdin, capture_output=True, check=False, timeout=60)


def flip_bit(data: bytes, bit: int) -> bytes:
    """`data` with one bit flipped (bit 0 = lowest bit of the first byte)."""
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def write_pem_pair(directory: Path, key: Sm2PrivateKey) -> tuple[Path, Path]:
    """Write our PEM exports for openssl; return (private.pem, public.pem)."""
    private, public = directory / "private.pem", directory / "public.pem"
    private.write_text(key.to_pem())
    public.write_text(key.public_key.to_pem())
    return private, public
