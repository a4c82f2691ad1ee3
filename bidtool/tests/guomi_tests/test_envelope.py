"""Sealed envelopes: round trips, container format, and every tamper/misuse case raising its own error."""

import json
import os
import zipfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from ggzy_guomi import (
    DecryptionError,
    EnvelopeFormatError,
    FormatError,
    IntegrityError,
    JsonValue,
    NotARecipientError,
    SignatureError,
    Sm2PrivateKey,
    UnencryptedEnvelopeError,
    UnsignedEnvelopeError,
    canonical_json,
    envelope_sm3,
    open_envelope,
    open_envelope_to_directory,
    peek_manifest,
    seal_envelope,
    seal_envelope_to,
    sm3_hex,
    sm4_decrypt,
    verify_envelope,
)
from ggzy_guomi.envelope import MANIFEST_ENTRY, SIGNATURE_ENTRY, key_commitment, padded_size
from guomi_tests.helpers import flip_bit

FILES = {
    "技术标.pdf": b"%PDF technical part " * 500,
    "商务标.docx": b"commercial part",
    "报价.xlsx": b"price: 1 000 000",
    "empty.txt": b"",
}
METADATA: dict[str, JsonValue] = {
    "tender_id": "GGZY-2025-0001",
    "bidder_uscc": "91110000600037341L",
    "machine": {"mac": "x"},
}


@pytest.fixture(scope="module")
def sealed(bidder_key: Sm2PrivateKey, opening_key: Sm2PrivateKey) -> bytes:
    return seal_envelope(
        FILES,
        signer=bidder_key,
        recipients=[bidder_key.public_key, opening_key.public_key],
        metadata=METADATA,
    )


def entries(envelope: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(envelope)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def build(items: dict[str, bytes], compressed: frozenset[str] = frozenset()) -> bytes:
    """A valid ZIP with the given entries (what an attacker who rewrites the container produces)."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in items.items():
            method = zipfile.ZIP_DEFLATED if name in compressed else zipfile.ZIP_STORED
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, compress_type=method)
    return out.getvalue()


def with_manifest(
    envelope: bytes, mutate: Callable[[dict[str, Any]], None], resign: Sm2PrivateKey | None
) -> bytes:
    """Rewrite the manifest, then re-sign it with `resign` (embedding that key as signer) or keep the
    old signature."""
    items = entries(envelope)
    doc = json.loads(items[MANIFEST_ENTRY])
    mutate(doc)
    if resign is not None:
        doc["signer"] = {"key_id": resign.public_key.key_id, "public_key": resign.public_key.hex()}
    items[MANIFEST_ENTRY] = canonical_json(doc)
    if resign is not None:
        items[SIGNATURE_ENTRY] = resign.sign(items[MANIFEST_ENTRY])
    return build(items)


# --- round trips and format ------------------------------------------------------------------------


def test_round_trip_for_every_recipient(
    sealed: bytes, bidder_key: Sm2PrivateKey, opening_key: Sm2PrivateKey
) -> None:
    manifest = verify_envelope(sealed, bidder_key.public_key)
    assert manifest.metadata == METADATA
    assert [f.name for f in manifest.files] == sorted(FILES)
    for key in (bidder_key, opening_key):
        opened = open_envelope(sealed, key, signer_public_key=bidder_key.public_key)
        assert opened.files == FILES
        assert opened.manifest == manifest


def test_container_layout(sealed: bytes) -> None:
    with zipfile.ZipFile(BytesIO(sealed)) as archive:
        infos = archive.infolist()
    names = sorted(info.filename for info in infos)
    assert names == [MANIFEST_ENTRY, SIGNATURE_ENTRY, *[f"payload/{i:04d}.bin" for i in range(len(FILES))]]
    assert all(info.compress_type == zipfile.ZIP_STORED for info in infos)
    assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in infos)


def test_manifest_content_is_canonical_and_describes_ciphertexts(
    sealed: bytes, bidder_key: Sm2PrivateKey, opening_key: Sm2PrivateKey
) -> None:
    items = entries(sealed)
    raw = items[MANIFEST_ENTRY]
    doc = json.loads(raw)
    assert canonical_json(doc) == raw
    assert b" " not in raw.replace(b"price: 1 000 000", b"")
    assert doc["format"] == "ggzy-guomi-envelope"
    assert doc["version"] == 2
    assert doc["algorithms"]["cipher"] == "SM4-GCM"
    assert doc["signer"]["key_id"] == sm3_hex(bidder_key.public_key.to_bytes())
    assert {r["key_id"] for r in doc["recipients"]} == {
        bidder_key.public_key.key_id,
        opening_key.public_key.key_id,
    }
    for index, record in enumerate(doc["files"]):
        payload = items[f"payload/{index:04d}.bin"]
        plaintext = FILES[record["name"]]
        assert "size" not in record and "sm3" not in record  # v2: nothing to test a guess against
        assert record["ciphertext_size"] == len(payload) == padded_size(len(plaintext)) + 16
        assert len(record["key_commitment"]) == 64
        assert record["ciphertext_sm3"] == sm3_hex(payload)
        assert len(bytes.fromhex(record["nonce"])) == 12
        if plaintext:
            assert plaintext not in payload
        key = opening_key.decrypt(bytes.fromhex(record["wrapped_keys"][opening_key.public_key.key_id]))
        aad = canonical_json(
            {"envelope_id": doc["envelope_id"], "format": doc["format"], "name": record["name"], "version": 2}
        )
        stream = sm4_decrypt(key, bytes.fromhex(record["nonce"]), payload, aad)
        padding = padded_size(len(plaintext)) - 8 - len(plaintext)
        assert stream == len(plaintext).to_bytes(8, "big") + plaintext + bytes(padding)
        assert record["key_commitment"] == key_commitment(doc["envelope_id"], record["name"], key)


def test_each_file_has_its_own_key_and_nonce(sealed: bytes, opening_key: Sm2PrivateKey) -> None:
    manifest = peek_manifest(sealed)
    kid = opening_key.public_key.key_id
    keys = {opening_key.decrypt(f.wrapped_keys[kid]) for f in manifest.files}
    nonces = {f.nonce for f in manifest.files}
    assert len(keys) == len(nonces) == len(FILES)


def test_sealing_twice_gives_different_envelopes(bidder_key: Sm2PrivateKey) -> None:
    one = seal_envelope({"a": b"x"}, signer=bidder_key, recipients=[bidder_key.public_key])
    two = seal_envelope({"a": b"x"}, signer=bidder_key, recipients=[bidder_key.public_key])
    assert one != two
    assert peek_manifest(one).envelope_id != peek_manifest(two).envelope_id


def test_streaming_seal_verify_open_with_paths(
    tmp_path: Path, bidder_key: Sm2PrivateKey, opening_key: Sm2PrivateKey
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(6 << 20) + b"tail")
    destination = tmp_path / "bid.ggzy"
    sealed_manifest = seal_envelope_to(
        destination,
        {"big.bin": big, "small.txt": b"hello"},
        signer=bidder_key,
        recipients=[opening_key.public_key],
    )
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
    verified = verify_envelope(destination, bidder_key.public_key)
    assert verified == sealed_manifest
    with destination.open("rb") as fh:
        assert verify_envelope(fh, bidder_key.public_key) == verified
        assert envelope_sm3(fh) == envelope_sm3(destination) == sm3_hex(destination.read_bytes())
    out = tmp_path / "opened"
    out.mkdir()
    open_envelope_to_directory(destination, opening_key, out, signer_public_key=bidder_key.public_key)
    assert (out / "big.bin").read_bytes() == big.read_bytes()
    assert (out / "small.txt").read_bytes() == b"hello"
    assert sorted(p.name for p in out.iterdir()) == ["big.bin", "small.txt"]


def test_seal_into_file_object(bidder_key: Sm2PrivateKey) -> None:
    out = BytesIO()
    manifest = seal_envelope_to(out, {"a.txt": b"x"}, signer=bidder_key, recipients=[bidder_key.public_key])
    assert verify_envelope(out.getvalue(), bidder_key.public_key) == manifest


def test_failed_path_seal_leaves_nothing(tmp_path: Path, bidder_key: Sm2PrivateKey) -> None:
    with pytest.raises(FileNotFoundError):
        seal_envelope_to(
            tmp_path / "bid.ggzy",
            {"a": b"x", "b": tmp_path / "missing.pdf"},
            signer=bidder_key,
            recipients=[bidder_key.public_key],
        )
    assert list(tmp_path.iterdir()) == []


# --- input validation at seal time -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["", ".", "..", "../etc/passwd", "a/b", "a\\b", "nul\x00", "tab\tname", "x:y", " lead", "trail.",
     "e\u0301", "x" * 256],
)  # fmt: skip
def test_unsafe_file_names_rejected(bidder_key: Sm2PrivateKey, name: str) -> None:
    with pytest.raises(FormatError):
        seal_envelope({name: b"x"}, signer=bidder_key, recipients=[bidder_key.public_key])


def test_case_colliding_names_rejected(bidder_key: Sm2PrivateKey) -> None:
    with pytest.raises(FormatError, match="collide"):
        seal_envelope(
            {"Bid.pdf": b"1", "bid.pdf": b"2"}, signer=bidder_key, recipients=[bidder_key.public_key]
        )


def test_seal_requires_files_recipients_and_json_metadata(bidder_key: Sm2PrivateKey) -> None:
    with pytest.raises(FormatError, match="at least one file"):
        seal_envelope({}, signer=bidder_key, recipients=[bidder_key.public_key])
    with pytest.raises(FormatError, match="recipient"):
        seal_envelope({"a": b"x"}, signer=bidder_key, recipients=[])
    with pytest.raises(FormatError, match="metadata"):
        seal_envelope({"a": b"x"}, signer=bidder_key, recipients=[bidder_key.public_key], metadata={"p": 1.5})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="PathLike"):
        seal_envelope({"a": "text is not a path"}, signer=bidder_key, recipients=[bidder_key.public_key])  # type: ignore[dict-item]


# --- signature and authenticity --------------------------------------------------------------------


def test_wrong_signer_key_rejected(sealed: bytes, other_key: Sm2PrivateKey) -> None:
    with pytest.raises(SignatureError):
        verify_envelope(sealed, other_key.public_key)


def test_any_bit_flip_in_manifest_breaks_signature(sealed: bytes, bidder_key: Sm2PrivateKey) -> None:
    items = entries(sealed)
    manifest = items[MANIFEST_ENTRY]
    wrapped = json.loads(manifest)["files"][0]["wrapped_keys"]
    wrapped_at = manifest.index(next(iter(wrapped.values())).encode())
    positions = [*range(0, len(manifest) * 8, 61), *range(wrapped_at * 8, (wrapped_at + 20) * 8)]
    for bit in positions:
        tampered = build({**items, MANIFEST_ENTRY: flip_bit(manifest, bit)})
        with pytest.raises(SignatureError):
            verify_envelope(tampered, bidder_key.public_key)


def test_every_bit_flip_in_signature_detected(sealed: bytes, bidder_key: Sm2PrivateKey) -> None:
    items = entries(sealed)
    signature = items[SIGNATURE_ENTRY]
    for bit in range(len(signature) * 8):
        with pytest.raises(SignatureError):
            verify_envelope(
                build({**items, SIGNATURE_ENTRY: flip_bit(signature, bit)}), bidder_key.public_key
            )


def test_resigned_manifest_rejected_for_expected_signer(
    sealed: bytes, bidder_key: Sm2PrivateKey, other_key: Sm2PrivateKey
) -> None:
    forged = with_manifest(sealed, lambda doc: doc["metadata"].update(tender_id="OTHER"), resign=other_key)
    with pytest.raises(SignatureError):
        verify_envelope(forged, bidder_key.public_key)
    with pytest.raises(SignatureError):
        open_envelope(forged, bidder_key, signer_public_key=bidder_key.public_key)


def test_signed_by_one_key_but_naming_another_signer(
    sealed: bytes, bidder_key: Sm2PrivateKey, other_key: Sm2PrivateKey
) -> None:
    def name_other(doc: dict[str, Any]) -> None:
        doc["signer"] = {"key_id": other_key.public_key.key_id, "public_key": other_key.public_key.hex()}

    items = entries(with_manifest(sealed, name_other, resign=None))
    items[SIGNATURE_ENTRY] = bidder_key.sign(items[MANIFEST_ENTRY])
    with pytest.raises(SignatureError, match="different signer"):
        verify_envelope(build(items), bidder_key.public_key)


# --- payload integrity -----------------------------------------------------------------------------


def test_payload_bit_flips_detected_by_digest_and_tag(
    sealed: bytes, bidder_key: Sm2PrivateKey, opening_key: Sm2PrivateKey
) -> None:
    items = entries(sealed)
    payload = items["payload/0000.bin"]
    for bit in (0, len(payload) * 4, (len(payload) - 16) * 8, len(payload) * 8 - 1):  # body … tag
        tampered = build({**items, "payload/0000.bin": flip_bit(payload, bit)})
        with pytest.raises(IntegrityError, match="does not match the manifest"):
            verify_envelope(tampered, bidder_key.public_key)
        with pytest.raises(IntegrityError):
            open_envelope(tampered, opening_key, signer_public_key=bidder_key.public_key)


def test_raw_container_corruption_detected(sealed: bytes, bidder_key: Sm2PrivateKey) -> None:
    """A flipped bit inside stored payload data, without fixing the ZIP CRC, is caught too."""
    index = [f.name for f in peek_manifest(sealed).files].index("技术标.pdf")
    payload = entries(sealed)[f"payload/{index:04d}.bin"]
    assert len(payload) > 5000
    offset = sealed.index(payload[:64]) + len(payload) // 2
    with pytest.raises(IntegrityError, match="corrupted"):
        verify_envelope(flip_bit(sealed, offset * 8), bidder_key.public_key)


def test_gcm_tag_catches_tampering_even_if_manifest_is_resigned(
    sealed: bytes, opening_key: Sm2PrivateKey, other_key: Sm2PrivateKey
) -> None:
    """An attacker alters a payload, fixes its digest in the manifest and re-signs with their own key:
    opening without an expected signer still fails, on the GCM tag."""
    items = entries(sealed)
    tampered_payload = flip_bit(items["payload/0000.bin"], 3)

    def fix_digest(doc: dict[str, Any]) -> None:
        doc["files"][0]["ciphertext_sm3"] = sm3_hex(tampered_payload)

    forged = entries(with_manifest(sealed, fix_digest, resign=other_key))
    forged["payload/0000.bin"] = tampered_payload
    with pytest.raises(IntegrityError, match="SM4-GCM authentication failed"):
        open_envelope(build(forged), opening_key)


def test_tampered_wrapped_key_detected_even_if_manifest_is_resigned(
    sealed: bytes, opening_key: Sm2PrivateKey, other_key: Sm2PrivateKey
) -> None:
    kid = opening_key.public_key.key_id

    def corrupt_wrapped_key(doc: dict[str, Any]) -> None:
        wrapped = bytes.fromhex(doc["files"][0]["wrapped_keys"][kid])
        doc["files"][0]["wrapped_keys"][kid] = flip_bit(wrapped, len(wrapped) * 8 - 1).hex()

    with pytest.raises(DecryptionError):
        open_envelope(with_manifest(sealed, corrupt_wrapped_key, resign=other_key), opening_key)


def test_swapped_ciphertexts_detected_by_associated_data(
    sealed: bytes, opening_key: Sm2PrivateKey, other_key: Sm2PrivateKey
) -> None:
    """Swap two files' payloads together with all their key material: the GCM AAD binds each ciphertext
    to its file name, so the swap is still detected."""
    crypto_fields = ("ciphertext_sm3", "ciphertext_size", "key_commitment", "nonce", "wrapped_keys")
    items = entries(sealed)

    def swap(doc: dict[str, Any]) -> None:
        first, second = doc["files"][0], doc["files"][1]
        for field in crypto_fields:
            first[field], second[field] = second[field], first[field]

    forged = entries(with_manifest(sealed, swap, resign=other_key))
    forged["payload/0000.bin"], forged["payload/0001.bin"] = (
        items["payload/0001.bin"],
        items["payload/0000.bin"],
    )
    # v2 refuses it already at the key commitment, which names the file (the AAD would refuse it next)
    with pytest.raises(IntegrityError, match="key commitment"):
        open_envelope(build(forged), opening_key)


def test_missing_payload_detected(sealed: bytes, bidder_key: Sm2PrivateKey) -> None:
    items = entries(sealed)
    del items["payload/0001.bin"]
    with pytest.raises(IntegrityError, match="missing"):
        verify_envelope(build(items), bidder_key.public_key)


def test_truncated_payload_detected(sealed: bytes, bidder_key: Sm2PrivateKey) -> None:
    items = entries(sealed)
    items["payload/0001.bin"] = items["payload/0001.bin"][:-1]
    with pytest.raises(IntegrityError, match="manifest says"):
        verify_envelope(build(items), bidder_key.public_key)


# --- recipients ------------------------------------------------------------------------------------


def test_non_recipient_cannot_open(sealed: bytes, other_key: Sm2PrivateKey) -> None:
    with pytest.raises(NotARecipientError):
        open_envelope(sealed, other_key)


def test_open_without_expected_signer_still_checks_signature(
    sealed: bytes, opening_key: Sm2PrivateKey
) -> None:
    items = entries(sealed)
    items[SIGNATURE_ENTRY] = flip_bit(items[SIGNATURE_ENTRY], 300)
    with pytest.raises(SignatureError):
        open_envelope(build(items), opening_key)


# --- rejected containers ---------------------------------------------------------------------------


def test_unsigned_envelope_rejected(
    sealed: bytes, bidder_key: Sm2PrivateKey, opening_key: Sm2PrivateKey
) -> None:
    items = entries(sealed)
    del items[SIGNATURE_ENTRY]
    with pytest.raises(UnsignedEnvelopeError, match="not signed"):
        verify_envelope(build(items), bidder_key.public_key)
    with pytest.raises(UnsignedEnvelopeError):
        open_envelope(build(items), opening_key)
    with pytest.raises(UnsignedEnvelopeError, match="empty"):
        verify_envelope(build({**items, SIGNATURE_ENTRY: b""}), bidder_key.public_key)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda doc: doc["algorithms"].update(cipher="none"),
        lambda doc: doc.update(recipients=[]),
        lambda doc: doc["files"][0].update(wrapped_keys={}),
        lambda doc: doc.pop("algorithms"),
        lambda doc: doc["files"][0].update(ciphertext_size=doc["files"][0]["ciphertext_size"] - 16),
    ],
    ids=["cipher-none", "no-recipients", "no-wrapped-keys", "no-algorithms", "no-tag"],
)
def test_unencrypted_envelope_rejected_even_when_signed(
    sealed: bytes, bidder_key: Sm2PrivateKey, mutate: Callable[[dict[str, Any]], None]
) -> None:
    with pytest.raises(UnencryptedEnvelopeError):
        verify_envelope(with_manifest(sealed, mutate, resign=bidder_key), bidder_key.public_key)


def test_plain_zip_and_garbage_rejected(bidder_key: Sm2PrivateKey) -> None:
    with pytest.raises(EnvelopeFormatError, match="not a sealed envelope"):
        verify_envelope(build({"技术标.pdf": b"%PDF plain"}), bidder_key.public_key)
    with pytest.raises(EnvelopeFormatError, match="ZIP"):
        verify_envelope(b"definitely not a zip", bidder_key.public_key)


def test_extra_and_compressed_entries_rejected(sealed: bytes, bidder_key: Sm2PrivateKey) -> None:
    items = entries(sealed)
    with pytest.raises(EnvelopeFormatError, match="unexpected entries"):
        verify_envelope(build({**items, "payload/0099.bin": b"x"}), bidder_key.public_key)
    with pytest.raises(EnvelopeFormatError, match="compressed"):
        verify_envelope(build(items, compressed=frozenset({"payload/0000.bin"})), bidder_key.public_key)


def test_duplicate_entries_rejected(sealed: bytes, bidder_key: Sm2PrivateKey) -> None:
    out = BytesIO(sealed)
    with zipfile.ZipFile(out, "a") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr("payload/0000.bin", b"shadow")
    with pytest.raises(EnvelopeFormatError, match="duplicate"):
        verify_envelope(out.getvalue(), bidder_key.public_key)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda doc: doc.update(version=3), "unsupported envelope version"),
        (lambda doc: doc.update(format="other"), "format"),
        (lambda doc: doc.update(extra_field=1), "exactly the fields"),
        (lambda doc: doc["files"].reverse(), "sorted"),
        (lambda doc: doc["files"][0].update(name="../x"), "name"),
        (lambda doc: doc["files"][0].update(nonce="00"), "nonce"),
        (lambda doc: doc["algorithms"].update(digest="SHA256"), "algorithms"),
    ],
)
def test_malformed_signed_manifests_rejected(
    sealed: bytes, bidder_key: Sm2PrivateKey, mutate: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(EnvelopeFormatError, match=message):
        verify_envelope(with_manifest(sealed, mutate, resign=bidder_key), bidder_key.public_key)


def test_non_canonical_manifest_rejected_even_when_signed(sealed: bytes, bidder_key: Sm2PrivateKey) -> None:
    items = entries(sealed)
    pretty = json.dumps(json.loads(items[MANIFEST_ENTRY]), indent=1, ensure_ascii=False).encode()
    items.update({MANIFEST_ENTRY: pretty, SIGNATURE_ENTRY: bidder_key.sign(pretty)})
    with pytest.raises(EnvelopeFormatError, match="canonical"):
        verify_envelope(build(items), bidder_key.public_key)


# --- directory extraction --------------------------------------------------------------------------


def test_open_to_directory_refuses_to_overwrite(
    tmp_path: Path, sealed: bytes, opening_key: Sm2PrivateKey
) -> None:
    (tmp_path / "报价.xlsx").write_bytes(b"mine")
    with pytest.raises(FileExistsError):
        open_envelope_to_directory(sealed, opening_key, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["报价.xlsx"]
    assert (tmp_path / "报价.xlsx").read_bytes() == b"mine"


def test_open_to_directory_leaves_nothing_on_failure(
    tmp_path: Path, sealed: bytes, opening_key: Sm2PrivateKey, other_key: Sm2PrivateKey
) -> None:
    """The last file fails its tag check: the files decrypted before it must not remain."""
    items = entries(sealed)
    last = f"payload/{len(FILES) - 1:04d}.bin"
    tampered = flip_bit(items[last], 0)

    def fix_digest(doc: dict[str, Any]) -> None:
        doc["files"][-1]["ciphertext_sm3"] = sm3_hex(tampered)

    forged = entries(with_manifest(sealed, fix_digest, resign=other_key))
    forged[last] = tampered
    with pytest.raises(IntegrityError):
        open_envelope_to_directory(build(forged), opening_key, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_envelope_digest_forms_agree(sealed: bytes, tmp_path: Path) -> None:
    path = tmp_path / "e.zip"
    path.write_bytes(sealed)
    assert envelope_sm3(sealed) == envelope_sm3(path) == envelope_sm3(BytesIO(sealed)) == sm3_hex(sealed)
