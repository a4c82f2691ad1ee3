"""Releasing content keys instead of files: `unwrap_file_keys` and `open_envelope_with_keys`."""

from typing import Any

import pytest

from ggzy_guomi import (
    DecryptionError,
    FormatError,
    IntegrityError,
    KeyFormatError,
    NotARecipientError,
    SignatureError,
    Sm2PrivateKey,
    open_envelope,
    open_envelope_with_keys,
    peek_manifest,
    seal_envelope,
    sm3_hex,
    unwrap_file_keys,
)
from guomi_tests.helpers import flip_bit
from guomi_tests.test_envelope import build, entries, with_manifest

FILES = {"技术标.pdf": b"technical " * 300, "报价.xlsx": b"price: 1 000 000", "empty.txt": b""}


@pytest.fixture(scope="module")
def sealed(bidder_key: Sm2PrivateKey, opening_key: Sm2PrivateKey) -> bytes:
    return seal_envelope(
        FILES, signer=bidder_key, recipients=[bidder_key.public_key, opening_key.public_key], metadata={}
    )


def test_every_recipient_unwraps_the_same_content_keys(
    sealed: bytes, bidder_key: Sm2PrivateKey, opening_key: Sm2PrivateKey
) -> None:
    mine = unwrap_file_keys(sealed, bidder_key, signer_public_key=bidder_key.public_key)
    theirs = unwrap_file_keys(sealed, opening_key)
    assert mine == theirs
    assert sorted(mine) == sorted(FILES)
    assert all(len(key) == 16 for key in mine.values())
    assert len(set(mine.values())) == len(FILES)
    # they are the keys wrapped in the manifest, not something derived
    manifest = peek_manifest(sealed)
    for record in manifest.files:
        assert opening_key.decrypt(record.wrapped_keys[opening_key.public_key.key_id]) == mine[record.name]


def test_released_keys_open_the_envelope(sealed: bytes, bidder_key: Sm2PrivateKey) -> None:
    keys = unwrap_file_keys(sealed, bidder_key)
    opened = open_envelope_with_keys(sealed, keys, signer_public_key=bidder_key.public_key)
    assert opened.files == FILES
    assert opened == open_envelope(sealed, bidder_key, signer_public_key=bidder_key.public_key)


def test_unwrap_refuses_non_recipient_and_foreign_signer(
    sealed: bytes, bidder_key: Sm2PrivateKey, other_key: Sm2PrivateKey
) -> None:
    with pytest.raises(NotARecipientError):
        unwrap_file_keys(sealed, other_key)
    with pytest.raises(SignatureError):
        unwrap_file_keys(sealed, bidder_key, signer_public_key=other_key.public_key)


def test_unwrap_detects_manifest_tampering(sealed: bytes, bidder_key: Sm2PrivateKey) -> None:
    items = entries(sealed)
    raw = items["manifest.json"]
    position = raw.index(b'"envelope_id":"') + len(b'"envelope_id":"')
    bad = raw[:position] + (b"0" if raw[position : position + 1] != b"0" else b"1") + raw[position + 1 :]
    with pytest.raises(SignatureError):
        unwrap_file_keys(build({**items, "manifest.json": bad}), bidder_key)


def test_unwrap_detects_tampered_wrapped_key(
    sealed: bytes, bidder_key: Sm2PrivateKey, other_key: Sm2PrivateKey
) -> None:
    kid = bidder_key.public_key.key_id

    def corrupt(doc: dict[str, Any]) -> None:
        wrapped = bytes.fromhex(doc["files"][0]["wrapped_keys"][kid])
        doc["files"][0]["wrapped_keys"][kid] = flip_bit(wrapped, len(wrapped) * 8 - 1).hex()

    resealed = with_manifest(sealed, corrupt, resign=other_key)
    with pytest.raises(DecryptionError):
        unwrap_file_keys(resealed, bidder_key)


def test_wrong_keys_are_refused(sealed: bytes, bidder_key: Sm2PrivateKey) -> None:
    keys = unwrap_file_keys(sealed, bidder_key)
    names = sorted(keys)
    swapped = {**keys, names[0]: keys[names[1]], names[1]: keys[names[0]]}
    with pytest.raises(IntegrityError, match="key commitment"):
        open_envelope_with_keys(sealed, swapped)
    flipped = {**keys, names[2]: flip_bit(keys[names[2]], 0)}
    with pytest.raises(IntegrityError):
        open_envelope_with_keys(sealed, flipped)


def test_key_set_must_match_the_files(sealed: bytes, bidder_key: Sm2PrivateKey) -> None:
    keys = unwrap_file_keys(sealed, bidder_key)
    missing = dict(list(keys.items())[1:])
    with pytest.raises(FormatError, match="missing"):
        open_envelope_with_keys(sealed, missing)
    with pytest.raises(FormatError, match="unknown"):
        open_envelope_with_keys(sealed, {**keys, "extra.txt": bytes(16)})
    with pytest.raises(KeyFormatError, match="16 bytes"):
        open_envelope_with_keys(sealed, {**keys, "empty.txt": bytes(15)})


def test_open_with_keys_detects_payload_tampering(sealed: bytes, bidder_key: Sm2PrivateKey) -> None:
    keys = unwrap_file_keys(sealed, bidder_key)
    items = entries(sealed)
    items["payload/0000.bin"] = flip_bit(items["payload/0000.bin"], 5)
    with pytest.raises(IntegrityError, match="SM4-GCM authentication failed"):
        open_envelope_with_keys(build(items), keys)


def test_open_with_keys_checks_the_signer(
    sealed: bytes, bidder_key: Sm2PrivateKey, other_key: Sm2PrivateKey
) -> None:
    keys = unwrap_file_keys(sealed, bidder_key)
    with pytest.raises(SignatureError):
        open_envelope_with_keys(sealed, keys, signer_public_key=other_key.public_key)


def test_key_commitment_binds_released_keys(
    sealed: bytes, bidder_key: Sm2PrivateKey, other_key: Sm2PrivateKey
) -> None:
    """Even with the right keys, a manifest re-signed to commit to another key is refused."""
    keys = unwrap_file_keys(sealed, bidder_key)

    def commit_to_other_key(doc: dict[str, Any]) -> None:
        doc["files"][0]["key_commitment"] = sm3_hex(b"something else")

    forged = with_manifest(sealed, commit_to_other_key, resign=other_key)
    with pytest.raises(IntegrityError, match="key commitment"):
        open_envelope_with_keys(forged, keys)
