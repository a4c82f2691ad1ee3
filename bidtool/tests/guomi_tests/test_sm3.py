"""SM3: GB/T 32905 vectors, openssl CLI cross-checks, incremental and file hashing."""

import random
from io import BytesIO

import gmssl_pyx
import pytest

from ggzy_guomi import Sm3Hasher, sm3_digest, sm3_file, sm3_hex
from guomi_tests.helpers import run_openssl

# GB/T 32905-2016 Appendix A examples 1 and 2.
GBT_32905 = [
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
]

_RNG = random.Random(32905)
OPENSSL_INPUTS = [
    b"",
    b"a",
    "公共资源交易".encode(),
    bytes(_RNG.getrandbits(8) for _ in range(1000)),
    bytes(_RNG.getrandbits(8) for _ in range(200_003)),
]


def openssl_sm3(data: bytes) -> str:
    result = run_openssl("dgst", "-sm3", "-r", stdin=data)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[0].decode()


@pytest.mark.parametrize(("message", "expected"), GBT_32905)
def test_standard_vectors(message: bytes, expected: str) -> None:
    assert sm3_hex(message) == expected
    assert sm3_digest(message) == bytes.fromhex(expected)


@pytest.mark.parametrize(("message", "expected"), GBT_32905)
def test_openssl_cli_agrees_with_standard(message: bytes, expected: str) -> None:
    assert openssl_sm3(message) == expected


@pytest.mark.parametrize("data", OPENSSL_INPUTS, ids=lambda d: f"{len(d)}B")
def test_matches_openssl_cli(data: bytes) -> None:
    expected = openssl_sm3(data)
    assert sm3_hex(data) == expected
    assert sm3_file(BytesIO(data), chunk_size=4096).hex() == expected


@pytest.mark.parametrize("data", OPENSSL_INPUTS, ids=lambda d: f"{len(d)}B")
def test_matches_libgmssl(data: bytes) -> None:
    """An independent SM3 implementation (GmSSL via gmssl_pyx) gives the same digests."""
    assert sm3_digest(data) == gmssl_pyx.sm3_hash(data)


def test_incremental_equals_one_shot() -> None:
    data = OPENSSL_INPUTS[4]
    hasher = Sm3Hasher()
    for start in range(0, len(data), 777):
        hasher.update(data[start : start + 777])
    assert hasher.digest() == sm3_digest(data)
    assert hasher.hexdigest() == sm3_hex(data)


def test_digest_is_repeatable_and_hasher_continues() -> None:
    hasher = Sm3Hasher(b"ab")
    first = hasher.digest()
    assert hasher.digest() == first == sm3_digest(b"ab")
    hasher.update(b"c")
    assert hasher.hexdigest() == GBT_32905[0][1]


def test_copy_is_independent() -> None:
    hasher = Sm3Hasher(b"ab")
    clone = hasher.copy()
    clone.update(b"c")
    assert clone.hexdigest() == GBT_32905[0][1]
    assert hasher.digest() == sm3_digest(b"ab")


@pytest.mark.parametrize("chunk_size", [1, 63, 64, 65, 1 << 20])
def test_file_hash_independent_of_chunking(chunk_size: int) -> None:
    data = b"abcd" * 16 + b"x" * 100
    assert sm3_file(BytesIO(data), chunk_size=chunk_size) == sm3_digest(data)


def test_file_hash_reads_from_current_position() -> None:
    src = BytesIO(b"junk" + b"abc")
    src.seek(4)
    assert sm3_file(src).hex() == GBT_32905[0][1]


def test_file_hash_rejects_bad_chunk_size() -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        sm3_file(BytesIO(b"x"), chunk_size=0)


def test_one_bit_changes_digest() -> None:
    assert sm3_hex(b"abd") != GBT_32905[0][1]
