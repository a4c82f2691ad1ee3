"""Sealed bid envelopes: SM4-GCM encrypted files, SM2-wrapped keys, an SM2-signed canonical manifest.

Design
------
* Each file gets its own random 16-byte SM4 content key and random 12-byte nonce. Per-file keys (rather
  than one key per envelope) mean each (key, nonce) pair is used exactly once by construction, and a
  single file can be decrypted without exposing the others — the two-stage opening of 双信封 tenders
  (technical part first, price part later) unwraps only the keys it needs. The cost is one SM2
  encryption per file and recipient, about a millisecond each.
* Each content key is SM2-encrypted (DER C1C3C2) for every recipient: typically the bidder's own key
  (so the bidder can re-open their bid) and the tender's opening key. Recipients are named by key id =
  SM3 hex of the 65-byte public key.
* The GCM associated data binds each ciphertext to its envelope id and file name, so ciphertexts cannot
  be swapped between files or envelopes even by someone holding keys.
* The manifest (canonical JSON, see canonical.py) lists format/version, algorithms, envelope id, signer
  and recipient keys, and per file: name, size, SM3 of plaintext, size and SM3 of ciphertext||tag, nonce
  and the wrapped keys; plus caller metadata (tender id, bidder USCC, machine fingerprint…). The bidder
  signs the manifest bytes with SM2, so a server can check a whole upload — signature and ciphertext
  digests — without any decryption key (`verify_envelope`).
* Key release: at the opening a recipient may hand over the unwrapped content keys instead of a private
  key (`unwrap_file_keys`); anyone then opens the envelope with them (`open_envelope_with_keys`). The
  plaintext SM3 in the signed manifest is checked after decryption, so released keys can only ever yield
  the content the bidder signed.

Container (version 1)
---------------------
A ZIP file (stdlib `zipfile`, every entry STORED — ciphertext does not compress, and it rules out
decompression bombs), fixed timestamps 1980-01-01, containing exactly:

* ``payload/NNNN.bin`` — ciphertext || 16-byte GCM tag of the N-th file in manifest order (files are
  sorted by name; N is zero-padded to 4 digits). Entry names never come from user input.
* ``manifest.json`` — canonical JSON manifest, UTF-8.
* ``manifest.sig`` — DER SM2 signature (signer ID 1234567812345678) over the exact manifest.json bytes.

Readers reject duplicate, extra, compressed, ZIP-encrypted or directory entries, non-canonical manifests,
unknown fields and unsupported versions. ZIP64 is used automatically for entries over 4 GiB.
"""

import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from ggzy_guomi.canonical import CanonicalJsonError, JsonValue, canonical_json, parse_canonical_json
from ggzy_guomi.errors import (
    DecryptionError,
    EnvelopeFormatError,
    FormatError,
    GuomiError,
    IntegrityError,
    KeyFormatError,
    NotARecipientError,
    SignatureError,
    UnencryptedEnvelopeError,
    UnsignedEnvelopeError,
)
from ggzy_guomi.sm2 import Sm2PrivateKey, Sm2PublicKey
from ggzy_guomi.sm3 import Readable, Sm3Hasher, sm3_file, sm3_hex
from ggzy_guomi.sm4 import (
    KEY_SIZE,
    NONCE_SIZE,
    TAG_SIZE,
    Writable,
    sm4_decrypt_stream,
    sm4_encrypt_stream,
    sm4_generate_key,
    sm4_generate_nonce,
)

FORMAT = "ggzy-guomi-envelope"
VERSION = 2
READABLE_VERSIONS = frozenset({1, 2})
COMMITMENT_TAG = "ggzy-envelope-v2 key commitment"
LENGTH_PREFIX = 8
MIN_PADDED_SIZE = 4096
ALGORITHMS: Mapping[str, str] = {
    "cipher": "SM4-GCM",
    "digest": "SM3",
    "key_wrap": "SM2-C1C3C2-DER",
    "signature": "SM2-SM3-DER",
    "signer_id": "1234567812345678",
}
MANIFEST_ENTRY = "manifest.json"
SIGNATURE_ENTRY = "manifest.sig"
MAX_FILES = 1000
MAX_MANIFEST_SIZE = 4 << 20
MAX_METADATA_SIZE = 1 << 20
MAX_SIGNATURE_SIZE = 128
MAX_NAME_BYTES = 255

type FileSource = bytes | os.PathLike[str]
type EnvelopeSource = bytes | str | os.PathLike[str] | IO[bytes]

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_HEX = re.compile(r"[0-9a-f]*")
_WINDOWS_FORBIDDEN = set('<>:"|?*/\\')


# --- manifest model ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRef:
    """A signer or recipient: key id (SM3 hex of the 65-byte key) and the public key."""

    key_id: str
    public_key: Sm2PublicKey


@dataclass(frozen=True)
class FileRecord:
    """One sealed file as listed in the manifest. `wrapped_keys` maps recipient key id -> DER C1C3C2."""

    name: str
    size: int | None  # v1 only: exact plaintext size (v2 keeps it inside the encrypted stream)
    sm3: str | None  # v1 only: plaintext SM3 (v2 has none: it allowed offline guess tests)
    ciphertext_size: int
    ciphertext_sm3: str
    nonce: bytes
    wrapped_keys: Mapping[str, bytes]
    entry: str
    key_commitment: str | None = None  # v2 only: see `key_commitment`

    @property
    def padded_size(self) -> int:
        """Size of the encrypted stream without the tag (v2: padded, says only the size bucket)."""
        return self.ciphertext_size - TAG_SIZE


@dataclass(frozen=True)
class Manifest:
    """A parsed manifest; `raw` holds the exact bytes that were signed."""

    envelope_id: str
    signer: KeyRef
    recipients: tuple[KeyRef, ...]
    files: tuple[FileRecord, ...]
    metadata: Mapping[str, JsonValue]
    raw: bytes
    version: int = VERSION

    def file(self, name: str) -> FileRecord:
        for record in self.files:
            if record.name == name:
                return record
        raise KeyError(name)


@dataclass(frozen=True)
class OpenedEnvelope:
    """The result of `open_envelope`: the authenticated manifest and every decrypted file."""

    manifest: Manifest
    files: dict[str, bytes]


def _entry_name(index: int) -> str:
    return f"payload/{index:04d}.bin"


def _file_aad(envelope_id: str, name: str, version: int = VERSION) -> bytes:
    return canonical_json({"envelope_id": envelope_id, "format": FORMAT, "name": name, "version": version})


def key_commitment(envelope_id: str, name: str, key: bytes) -> str:
    """v2 commitment to a file's content key: SM3 hex of the canonical JSON
    ``{"envelope_id": <32 hex>, "key": <32 hex>, "name": <file name>, "tag": "ggzy-envelope-v2 key commitment"}``.

    SM3 is preimage resistant and the key is 128 random bits, so the commitment reveals nothing; it is
    collision resistant, so no second key matches it (SM4-GCM alone is not key-committing)."""
    return sm3_hex(
        canonical_json({"envelope_id": envelope_id, "key": key.hex(), "name": name, "tag": COMMITMENT_TAG})
    )


def padded_size(length: int) -> int:
    """v2 size bucket of a `length`-byte file: the encrypted stream is an 8-byte big-endian length prefix,
    the file, then zero bytes up to this size. Padmé rounding (the low bits of the size are zeroed, so a
    size leaks O(log log n) bits, overhead at most about 12 %) with a floor of 4 KiB: every file up to
    4088 bytes — every bid form — has the same padded size."""
    total = LENGTH_PREFIX + length
    if total <= MIN_PADDED_SIZE:
        return MIN_PADDED_SIZE
    exponent = total.bit_length() - 1
    low_bits = exponent - exponent.bit_length()
    mask = (1 << low_bits) - 1
    return (total + mask) & ~mask


class _PaddedReader:
    """Reads `length || data || zeros` (v2 plaintext stream) from a `length`-byte source."""

    def __init__(self, src: Readable, length: int) -> None:
        self._src = src
        self._length = length
        self._head = length.to_bytes(LENGTH_PREFIX, "big")
        self._data_read = 0
        self._zeros = padded_size(length) - LENGTH_PREFIX - length

    def read(self, size: int = -1, /) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        if self._data_read < self._length:
            chunk = self._src.read(min(size, self._length - self._data_read) if size > 0 else -1)
            if not chunk:
                raise GuomiError(
                    f"file shrank while being sealed ({self._length} -> {self._data_read} bytes)"
                )
            self._data_read += len(chunk)
            return chunk
        if self._src.read(1):
            raise GuomiError(f"file grew while being sealed (over {self._length} bytes)")
        count = self._zeros if size < 0 else min(size, self._zeros)
        self._zeros -= count
        return bytes(count)


class _UnpadSink:
    """Strips the v2 length prefix and padding while decrypting; `finish` checks they are canonical."""

    def __init__(self, sink: Writable) -> None:
        self._sink = sink
        self._head = b""
        self._length: int | None = None
        self._written = 0
        self._total = 0
        self._nonzero_padding = False

    def write(self, data: bytes, /) -> int:
        self._total += len(data)
        view = memoryview(data)
        if self._length is None:
            need = LENGTH_PREFIX - len(self._head)
            self._head += bytes(view[:need])
            view = view[need:]
            if len(self._head) < LENGTH_PREFIX:
                return len(data)
            self._length = int.from_bytes(self._head, "big")
        take = min(len(view), max(self._length - self._written, 0))
        if take:
            self._sink.write(bytes(view[:take]))
            self._written += take
        rest = view[take:]
        if rest and bytes(rest).count(0) != len(rest):
            self._nonzero_padding = True
        return len(data)

    def finish(self, what: str) -> int:
        if self._length is None or self._total != padded_size(self._length) or self._nonzero_padding:
            raise IntegrityError(f"{what}: the length prefix or padding inside the encrypted stream is wrong")
        return self._length


def check_file_name(name: object) -> str:
    """Validate a file name for sealing/extraction: one safe, portable path component."""
    if not isinstance(name, str) or not name:
        raise FormatError("file name must be a non-empty string")
    if name in {".", ".."} or name != name.strip() or name.endswith("."):
        raise FormatError(f"file name {name!r} is not allowed (dots/leading or trailing spaces)")
    if any(c in _WINDOWS_FORBIDDEN or unicodedata.category(c) in {"Cc", "Cs"} for c in name):
        raise FormatError(f"file name {name!r} contains a separator, control or reserved character")
    if unicodedata.normalize("NFC", name) != name:
        raise FormatError(f"file name {name!r} is not in Unicode NFC form")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise FormatError(f"file name longer than {MAX_NAME_BYTES} UTF-8 bytes")
    return name


def _check_names(names: Sequence[str]) -> None:
    if not names:
        raise FormatError("an envelope must contain at least one file")
    if len(names) > MAX_FILES:
        raise FormatError(f"at most {MAX_FILES} files per envelope")
    folded: set[str] = set()
    for name in names:
        check_file_name(name)
        if name.casefold() in folded:
            raise FormatError(f"file names collide when case is ignored: {name!r}")
        folded.add(name.casefold())


# --- manifest parsing (strict) ------------------------------------------------------------------------


def _fail(message: str) -> EnvelopeFormatError:
    return EnvelopeFormatError(f"bad manifest: {message}")


def _obj(value: Any, keys: set[str], what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"{what} must be an object")
    if set(value) != keys:
        raise _fail(f"{what} must have exactly the fields {sorted(keys)}, got {sorted(value)}")
    return value


def _hex(value: Any, size: int, what: str) -> str:
    if not isinstance(value, str) or len(value) != 2 * size or not _HEX.fullmatch(value):
        raise _fail(f"{what} must be {2 * size} lowercase hex digits")
    return value


def _int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _fail(f"{what} must be a non-negative integer")
    return value


def _key_ref(value: Any, what: str) -> KeyRef:
    obj = _obj(value, {"key_id", "public_key"}, what)
    try:
        key = Sm2PublicKey.from_hex(_hex(obj["public_key"], 65, f"{what}.public_key"))
    except KeyFormatError as exc:
        raise _fail(f"{what}.public_key: {exc}") from None
    if obj["key_id"] != key.key_id:
        raise _fail(f"{what}.key_id is not the SM3 of its public key")
    return KeyRef(key.key_id, key)


def _json(manifest_bytes: bytes) -> dict[str, Any]:
    try:
        value = parse_canonical_json(manifest_bytes)
    except CanonicalJsonError as exc:
        raise _fail(str(exc)) from None
    if not isinstance(value, dict):
        raise _fail("top level must be an object")
    return value


def _check_format(doc: dict[str, Any]) -> int:
    if doc.get("format") != FORMAT:
        raise _fail(f"format is {doc.get('format')!r}, expected {FORMAT!r}")
    version = doc.get("version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise EnvelopeFormatError(
            f"unsupported envelope version {version!r} (supported: {sorted(READABLE_VERSIONS)})"
        )
    return int(version)


def _embedded_signer(manifest_bytes: bytes) -> Sm2PublicKey:
    doc = _json(manifest_bytes)
    _check_format(doc)
    return _key_ref(doc.get("signer"), "signer").public_key


def _parse_manifest(manifest_bytes: bytes) -> Manifest:
    doc = _json(manifest_bytes)
    version = _check_format(doc)
    top = {"algorithms", "envelope_id", "files", "format", "metadata", "recipients", "signer", "version"}
    missing_crypto = {"algorithms", "recipients"} - set(doc)
    if missing_crypto:
        raise UnencryptedEnvelopeError(f"manifest lacks {sorted(missing_crypto)}: envelope is not encrypted")
    algorithms = doc["algorithms"]
    if not isinstance(algorithms, dict) or algorithms.get("cipher") != ALGORITHMS["cipher"]:
        cipher = algorithms.get("cipher") if isinstance(algorithms, dict) else None
        raise UnencryptedEnvelopeError(f"envelope cipher is {cipher!r}, only SM4-GCM envelopes are accepted")
    if algorithms != ALGORITHMS:
        raise _fail(f"unsupported algorithms {algorithms!r}")
    doc = _obj(doc, top, "manifest")
    envelope_id = _hex(doc["envelope_id"], 16, "envelope_id")
    signer = _key_ref(doc["signer"], "signer")

    if not isinstance(doc["recipients"], list) or not doc["recipients"]:
        raise UnencryptedEnvelopeError("envelope has no recipients: its content keys are not wrapped")
    recipients = tuple(_key_ref(r, f"recipients[{i}]") for i, r in enumerate(doc["recipients"]))
    recipient_ids = [r.key_id for r in recipients]
    if recipient_ids != sorted(set(recipient_ids)):
        raise _fail("recipients must be sorted by key_id and unique")

    if not isinstance(doc["files"], list):
        raise _fail("files must be a list")
    files: list[FileRecord] = []
    for index, value in enumerate(doc["files"]):
        what = f"files[{index}]"
        common = {"ciphertext_sm3", "ciphertext_size", "name", "nonce", "wrapped_keys"}
        obj = _obj(value, common | ({"size", "sm3"} if version == 1 else {"key_commitment"}), what)
        wrapped = obj["wrapped_keys"]
        if not isinstance(wrapped, dict) or not wrapped:
            raise UnencryptedEnvelopeError(f"{what} has no wrapped keys: it is not encrypted for anyone")
        if sorted(wrapped) != recipient_ids:
            raise _fail(f"{what}.wrapped_keys must have exactly one entry per recipient")
        for key_id, der_hex in wrapped.items():
            if not isinstance(der_hex, str) or not der_hex or len(der_hex) % 2 or not _HEX.fullmatch(der_hex):
                raise _fail(f"{what}.wrapped_keys[{key_id}] must be lowercase hex")
        ciphertext_size = _int(obj["ciphertext_size"], f"{what}.ciphertext_size")
        size: int | None = None
        if version == 1:
            size = _int(obj["size"], f"{what}.size")
            if ciphertext_size != size + TAG_SIZE:
                raise UnencryptedEnvelopeError(
                    f"{what}: ciphertext size is not size + {TAG_SIZE}-byte GCM tag"
                )
        else:
            stream = ciphertext_size - TAG_SIZE
            if stream < MIN_PADDED_SIZE or padded_size(stream - LENGTH_PREFIX) != stream:
                raise UnencryptedEnvelopeError(f"{what}: ciphertext size is not a v2 size bucket + GCM tag")
        try:
            name = check_file_name(obj["name"])
        except FormatError as exc:
            raise _fail(f"{what}.name: {exc}") from None
        files.append(
            FileRecord(
                name=name,
                size=size,
                sm3=_hex(obj["sm3"], 32, f"{what}.sm3") if version == 1 else None,
                ciphertext_size=ciphertext_size,
                ciphertext_sm3=_hex(obj["ciphertext_sm3"], 32, f"{what}.ciphertext_sm3"),
                nonce=bytes.fromhex(_hex(obj["nonce"], NONCE_SIZE, f"{what}.nonce")),
                wrapped_keys={k: bytes.fromhex(v) for k, v in wrapped.items()},
                entry=_entry_name(index),
                key_commitment=(
                    None if version == 1 else _hex(obj["key_commitment"], 32, f"{what}.key_commitment")
                ),
            )
        )
    names = [f.name for f in files]
    try:
        _check_names(names)
    except FormatError as exc:
        raise _fail(str(exc)) from None
    if names != sorted(names):
        raise _fail("files must be sorted by name")
    if not isinstance(doc["metadata"], dict):
        raise _fail("metadata must be an object")
    return Manifest(envelope_id, signer, recipients, tuple(files), doc["metadata"], manifest_bytes, version)


def _manifest_document(
    envelope_id: str,
    signer: Sm2PublicKey,
    recipients: Sequence[Sm2PublicKey],
    files: Sequence[dict[str, JsonValue]],
    metadata: Mapping[str, JsonValue],
) -> dict[str, JsonValue]:
    def ref(key: Sm2PublicKey) -> dict[str, JsonValue]:
        return {"key_id": key.key_id, "public_key": key.hex()}

    return {
        "algorithms": dict(ALGORITHMS),
        "envelope_id": envelope_id,
        "files": list(files),
        "format": FORMAT,
        "metadata": dict(metadata),
        "recipients": [ref(r) for r in recipients],
        "signer": ref(signer),
        "version": VERSION,
    }


# --- sealing -----------------------------------------------------------------------------------------


def _zip_info(name: str, size: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    info.file_size = size  # lets zipfile pick ZIP64 up front for entries over 4 GiB
    return info


@contextmanager
def _source_stream(source: FileSource) -> Iterator[tuple[Readable, int]]:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        yield BytesIO(data), len(data)
    elif isinstance(source, os.PathLike):
        with open(source, "rb") as fh:
            yield fh, os.fstat(fh.fileno()).st_size
    else:
        raise TypeError(
            f"file content must be bytes or an os.PathLike path (str is refused as ambiguous), "
            f"got {type(source).__name__}"
        )


def _write_envelope(
    out: IO[bytes],
    files: Mapping[str, FileSource],
    signer: Sm2PrivateKey,
    recipients: Sequence[Sm2PublicKey],
    metadata: Mapping[str, JsonValue],
) -> bytes:
    names = sorted(files)
    _check_names(names)
    unique = {key.key_id: key for key in recipients}
    if not unique:
        raise FormatError("an envelope needs at least one recipient public key")
    recipient_keys = [unique[k] for k in sorted(unique)]
    try:
        metadata_size = len(canonical_json(dict(metadata)))
    except CanonicalJsonError as exc:
        raise FormatError(f"metadata is not canonical-JSON-able: {exc}") from None
    if metadata_size > MAX_METADATA_SIZE:
        raise FormatError(f"metadata larger than {MAX_METADATA_SIZE} bytes")

    envelope_id = os.urandom(16).hex()
    records: list[dict[str, JsonValue]] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for index, name in enumerate(names):
            key, nonce = sm4_generate_key(), sm4_generate_nonce()
            with (
                _source_stream(files[name]) as (src, expected),
                archive.open(_zip_info(_entry_name(index), padded_size(expected) + TAG_SIZE), "w") as entry,
            ):
                padded = _PaddedReader(src, expected)
                result = sm4_encrypt_stream(key, nonce, padded, entry, aad=_file_aad(envelope_id, name))
            if result.input_size != padded_size(expected):
                raise GuomiError(f"{name!r} changed size while being sealed")
            wrapped: dict[str, JsonValue] = {r.key_id: r.encrypt(key).hex() for r in recipient_keys}
            records.append(
                {
                    "ciphertext_sm3": result.output_sm3.hex(),
                    "ciphertext_size": result.output_size,
                    "key_commitment": key_commitment(envelope_id, name, key),
                    "name": name,
                    "nonce": nonce.hex(),
                    "wrapped_keys": wrapped,
                }
            )
        document = _manifest_document(envelope_id, signer.public_key, recipient_keys, records, metadata)
        manifest_bytes = canonical_json(document)
        if len(manifest_bytes) > MAX_MANIFEST_SIZE:
            raise FormatError(f"manifest larger than {MAX_MANIFEST_SIZE} bytes")
        archive.writestr(_zip_info(MANIFEST_ENTRY), manifest_bytes)
        archive.writestr(_zip_info(SIGNATURE_ENTRY), signer.sign(manifest_bytes))
    return manifest_bytes


def seal_envelope(
    files: Mapping[str, FileSource],
    *,
    signer: Sm2PrivateKey,
    recipients: Sequence[Sm2PublicKey],
    metadata: Mapping[str, JsonValue] | None = None,
) -> bytes:
    """Seal `files` ({name: bytes or Path}) for `recipients`, signed by `signer`; return the container."""
    out = BytesIO()
    _write_envelope(out, files, signer, recipients, metadata or {})
    return out.getvalue()


def seal_envelope_to(
    dest: str | os.PathLike[str] | IO[bytes],
    files: Mapping[str, FileSource],
    *,
    signer: Sm2PrivateKey,
    recipients: Sequence[Sm2PublicKey],
    metadata: Mapping[str, JsonValue] | None = None,
) -> Manifest:
    """Like `seal_envelope` but streams into a file (written atomically when `dest` is a path)."""
    if not isinstance(dest, str | os.PathLike):
        return _parse_manifest(_write_envelope(dest, files, signer, recipients, metadata or {}))
    target = Path(dest)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            manifest_bytes = _write_envelope(fh, files, signer, recipients, metadata or {})
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return _parse_manifest(manifest_bytes)


# --- reading -----------------------------------------------------------------------------------------


class _Entry:
    """A zip entry stream whose zip-level failures (bad CRC…) become `IntegrityError`."""

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self._stream = stream
        self._name = name

    def read(self, size: int = -1, /) -> bytes:
        try:
            return self._stream.read(size)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise IntegrityError(f"envelope entry {self._name} is corrupted: {exc}") from None


class _Container:
    """A strictly checked envelope ZIP, opened for reading."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._zip = archive
        infos = archive.infolist()
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            raise EnvelopeFormatError("container has duplicate entries")
        for info in infos:
            if info.is_dir() or info.flag_bits & 0x1 or info.compress_type != zipfile.ZIP_STORED:
                raise EnvelopeFormatError(
                    f"entry {info.filename!r} is a directory, ZIP-encrypted or compressed"
                )
        self._infos = {info.filename: info for info in infos}

    def _read_small(self, name: str, limit: int) -> bytes:
        info = self._infos[name]
        if info.file_size > limit:
            raise EnvelopeFormatError(f"{name} is larger than {limit} bytes")
        with self._open(name) as stream:
            data = stream.read(limit + 1)
        if len(data) > limit:
            raise EnvelopeFormatError(f"{name} is larger than {limit} bytes")
        return data

    @contextmanager
    def _open(self, name: str) -> Iterator[_Entry]:
        try:
            stream = self._zip.open(self._infos[name])
        except (zipfile.BadZipFile, OSError) as exc:
            raise EnvelopeFormatError(f"cannot open entry {name}: {exc}") from None
        with stream:
            yield _Entry(stream, name)

    def manifest_and_signature(self) -> tuple[bytes, bytes]:
        if MANIFEST_ENTRY not in self._infos:
            raise EnvelopeFormatError(f"no {MANIFEST_ENTRY}: this is not a sealed envelope")
        if SIGNATURE_ENTRY not in self._infos:
            raise UnsignedEnvelopeError(f"no {SIGNATURE_ENTRY}: the envelope is not signed")
        manifest = self._read_small(MANIFEST_ENTRY, MAX_MANIFEST_SIZE)
        signature = self._read_small(SIGNATURE_ENTRY, MAX_SIGNATURE_SIZE)
        if not signature:
            raise UnsignedEnvelopeError(f"{SIGNATURE_ENTRY} is empty: the envelope is not signed")
        return manifest, signature

    def check_entries(self, manifest: Manifest) -> None:
        expected = {MANIFEST_ENTRY, SIGNATURE_ENTRY} | {f.entry for f in manifest.files}
        extra = set(self._infos) - expected
        if extra:
            raise EnvelopeFormatError(f"unexpected entries in container: {sorted(extra)}")
        for record in manifest.files:
            info = self._infos.get(record.entry)
            if info is None:
                raise IntegrityError(f"payload of {record.name!r} ({record.entry}) is missing")
            if info.file_size != record.ciphertext_size:
                raise IntegrityError(
                    f"payload of {record.name!r} is {info.file_size} bytes, "
                    f"manifest says {record.ciphertext_size}"
                )

    @contextmanager
    def payload(self, record: FileRecord) -> Iterator[_Entry]:
        with self._open(record.entry) as stream:
            yield stream


@contextmanager
def _container(source: EnvelopeSource) -> Iterator[_Container]:
    if isinstance(source, bytes | bytearray | memoryview):
        fileobj: IO[bytes] = BytesIO(bytes(source))
        owned = True
    elif isinstance(source, str | os.PathLike):
        fileobj = open(source, "rb")  # noqa: SIM115 - closed in finally below
        owned = True
    else:
        fileobj, owned = source, False
    try:
        try:
            archive = zipfile.ZipFile(fileobj, "r")
        except (zipfile.BadZipFile, EOFError, ValueError) as exc:
            raise EnvelopeFormatError(f"not a valid envelope container (ZIP): {exc}") from None
        with archive:
            yield _Container(archive)
    finally:
        if owned:
            fileobj.close()


def _authenticate(container: _Container, signer_public_key: Sm2PublicKey | None) -> Manifest:
    """Check the signature over the raw manifest bytes first, then parse them strictly."""
    manifest_bytes, signature = container.manifest_and_signature()
    key = signer_public_key if signer_public_key is not None else _embedded_signer(manifest_bytes)
    key.verify(manifest_bytes, signature)
    manifest = _parse_manifest(manifest_bytes)
    if manifest.signer.public_key != key:
        raise SignatureError("manifest names a different signer than the key that signed it")
    container.check_entries(manifest)
    return manifest


def _check_digest(what: str, size: int, digest: bytes, record_size: int, record_sm3: str) -> None:
    if size != record_size or digest.hex() != record_sm3:
        raise IntegrityError(f"{what} does not match the manifest (size or SM3 differs)")


def verify_envelope(envelope: EnvelopeSource, signer_public_key: Sm2PublicKey) -> Manifest:
    """Check signature, structure and every ciphertext digest without decrypting (done at upload).

    Raises `SignatureError` if not signed by `signer_public_key`, `IntegrityError` if any payload differs
    from the manifest, `EnvelopeFormatError` (or its Unsigned/Unencrypted subclasses) if malformed.
    """
    with _container(envelope) as container:
        manifest = _authenticate(container, signer_public_key)
        for record in manifest.files:
            hasher, size = Sm3Hasher(), 0
            with container.payload(record) as stream:
                while chunk := stream.read(1 << 20):
                    hasher.update(chunk)
                    size += len(chunk)
            _check_digest(
                f"payload of {record.name!r}",
                size,
                hasher.digest(),
                record.ciphertext_size,
                record.ciphertext_sm3,
            )
    return manifest


def peek_manifest(envelope: EnvelopeSource) -> Manifest:
    """Parse the manifest WITHOUT checking the signature or payloads — for routing/lookup only.

    E.g. to find the tender id and signer key id before fetching the key to call `verify_envelope`.
    Never trust its content before verification.
    """
    with _container(envelope) as container:
        manifest_bytes, _ = container.manifest_and_signature()
        return _parse_manifest(manifest_bytes)


def _unwrap_keys(manifest: Manifest, recipient_key: Sm2PrivateKey) -> dict[str, bytes]:
    """SM2-decrypt this recipient's wrapped content key of every file: {file name: 16-byte SM4 key}."""
    key_id = recipient_key.public_key.key_id
    if key_id not in {r.key_id for r in manifest.recipients}:
        raise NotARecipientError(f"key {key_id[:16]}… is not a recipient of envelope {manifest.envelope_id}")
    keys: dict[str, bytes] = {}
    for record in manifest.files:
        content_key = recipient_key.decrypt(record.wrapped_keys[key_id])
        if len(content_key) != KEY_SIZE:
            raise DecryptionError(f"wrapped key of {record.name!r} is not a {KEY_SIZE}-byte SM4 key")
        _check_commitment(manifest, record, content_key)
        keys[record.name] = content_key
    return keys


def _check_commitment(manifest: Manifest, record: FileRecord, key: bytes) -> None:
    """v2: a released or unwrapped key must be the one the signer committed to, before any decryption."""
    if (
        manifest.version >= 2
        and key_commitment(manifest.envelope_id, record.name, key) != record.key_commitment
    ):
        raise IntegrityError(
            f"content key of {record.name!r} does not match the key commitment in the manifest"
        )


def _check_keys(manifest: Manifest, keys: Mapping[str, bytes]) -> None:
    """Content keys supplied from outside (e.g. sent by a bidder): exactly one 16-byte key per file."""
    names = {record.name for record in manifest.files}
    missing, unknown = sorted(names - set(keys)), sorted(set(keys) - names)
    if missing or unknown:
        raise FormatError(
            f"content keys do not match the envelope's files: missing {missing}, unknown {unknown}"
        )
    for name, key in keys.items():
        if not isinstance(key, bytes) or len(key) != KEY_SIZE:
            raise KeyFormatError(f"content key of {name!r} must be {KEY_SIZE} bytes")


def _decrypt_files(
    container: _Container,
    manifest: Manifest,
    keys: Mapping[str, bytes],
    sink_for: Callable[[FileRecord], Writable],
) -> None:
    """Decrypt every file with its content key.

    The ciphertext is not hashed here: the GCM tag already rejects any changed byte. GCM alone is not
    key-committing, so a supplied key must also be the one the signer committed to: v2 checks the key
    commitment (before decrypting, in `_check_keys`/`_unwrap_keys`) and strips the padding, no plaintext
    hash; v1 checks the plaintext size and SM3 from the manifest. `verify_envelope` checks ciphertext
    digests, without keys.
    """
    v1 = manifest.version == 1
    for record in manifest.files:
        _check_commitment(manifest, record, keys[record.name])
        sink: Writable = sink_for(record)
        unpad = None if v1 else _UnpadSink(sink)
        with container.payload(record) as stream:
            result = sm4_decrypt_stream(
                keys[record.name],
                record.nonce,
                stream,
                sink if unpad is None else unpad,
                aad=_file_aad(manifest.envelope_id, record.name, manifest.version),
                hash_input=False,
                hash_output=v1,
            )
        if result.input_size != record.ciphertext_size:
            raise IntegrityError(
                f"payload of {record.name!r}: {result.input_size} bytes, the manifest says {record.ciphertext_size}"
            )
        if unpad is not None:
            unpad.finish(f"plaintext of {record.name!r}")
        else:
            assert record.size is not None
            assert record.sm3 is not None
            _check_digest(
                f"plaintext of {record.name!r}",
                result.output_size,
                result.output_sm3,
                record.size,
                record.sm3,
            )


def _open_in_memory(
    envelope: EnvelopeSource,
    signer_public_key: Sm2PublicKey | None,
    keys_for: Callable[[Manifest], Mapping[str, bytes]],
) -> OpenedEnvelope:
    sinks: dict[str, BytesIO] = {}

    def sink_for(record: FileRecord) -> Writable:
        sinks[record.name] = BytesIO()
        return sinks[record.name]

    with _container(envelope) as container:
        manifest = _authenticate(container, signer_public_key)
        _decrypt_files(container, manifest, keys_for(manifest), sink_for)
    return OpenedEnvelope(manifest, {name: sink.getvalue() for name, sink in sinks.items()})


def open_envelope(
    envelope: EnvelopeSource,
    recipient_key: Sm2PrivateKey,
    *,
    signer_public_key: Sm2PublicKey | None = None,
) -> OpenedEnvelope:
    """Authenticate, unwrap this recipient's keys, decrypt every file in memory and check its SM3.

    With `signer_public_key` the envelope must be signed by that key. Without it the signature is
    checked against the key named in the manifest, which proves integrity but not *who* sealed it.
    """
    return _open_in_memory(envelope, signer_public_key, lambda m: _unwrap_keys(m, recipient_key))


def unwrap_file_keys(
    envelope: EnvelopeSource,
    recipient_key: Sm2PrivateKey,
    *,
    signer_public_key: Sm2PublicKey | None = None,
) -> dict[str, bytes]:
    """Authenticate the manifest and unwrap this recipient's content keys: {file name: SM4 key}.

    Used when the key holder releases the keys rather than the files (the bidder at the opening): the
    keys alone open the envelope with `open_envelope_with_keys`. The signature and container structure
    are checked as in `open_envelope` (with `signer_public_key`, the signer must be that key); payloads
    are not read — `open_envelope_with_keys` checks them. Raises `NotARecipientError` if the key is not a
    recipient and `DecryptionError` if a wrapped key does not decrypt.
    """
    with _container(envelope) as container:
        manifest = _authenticate(container, signer_public_key)
    return _unwrap_keys(manifest, recipient_key)


def open_envelope_with_keys(
    envelope: EnvelopeSource,
    keys: Mapping[str, bytes],
    *,
    signer_public_key: Sm2PublicKey | None = None,
) -> OpenedEnvelope:
    """Like `open_envelope`, but with the per-file content keys ({file name: SM4 key}) instead of a
    recipient's private key — e.g. the keys a bidder submits at the opening (`unwrap_file_keys`).

    `keys` must name exactly the envelope's files (`FormatError` otherwise; `KeyFormatError` for a key
    that is not 16 bytes). A wrong key or altered data raises `IntegrityError`.
    """

    def checked(manifest: Manifest) -> Mapping[str, bytes]:
        _check_keys(manifest, keys)
        return keys

    return _open_in_memory(envelope, signer_public_key, checked)


def open_envelope_to_directory(
    envelope: EnvelopeSource,
    recipient_key: Sm2PrivateKey,
    dest_dir: str | os.PathLike[str],
    *,
    signer_public_key: Sm2PublicKey | None = None,
) -> Manifest:
    """Like `open_envelope` but streams each file into `dest_dir/<name>`.

    Files are written to temporary names and renamed only after every file has been authenticated,
    so a failure leaves nothing behind. Existing files are never overwritten (`FileExistsError`).
    """
    directory = Path(dest_dir)
    if not directory.is_dir():
        raise NotADirectoryError(f"{directory} is not a directory")
    temporary: dict[str, Path] = {}
    try:
        with _container(envelope) as container:
            manifest = _authenticate(container, signer_public_key)
            for record in manifest.files:
                if (directory / record.name).exists():
                    raise FileExistsError(f"{directory / record.name} already exists")
            handles: list[IO[bytes]] = []

            def sink_for(record: FileRecord) -> Writable:
                fd, tmp = tempfile.mkstemp(prefix=".ggzy-open-", suffix=".part", dir=directory)
                temporary[record.name] = Path(tmp)
                handles.append(os.fdopen(fd, "wb"))
                return handles[-1]

            try:
                _decrypt_files(container, manifest, _unwrap_keys(manifest, recipient_key), sink_for)
            finally:
                for handle in handles:
                    handle.close()
        for name, tmp in temporary.items():
            if (directory / name).exists():
                raise FileExistsError(f"{directory / name} appeared while opening")
            os.replace(tmp, directory / name)
    except BaseException:
        for tmp in temporary.values():
            tmp.unlink(missing_ok=True)
        raise
    return manifest


def envelope_sm3(envelope: EnvelopeSource) -> str:
    """SM3 hex of the whole container (what a receipt attests). File objects are read from offset 0."""
    if isinstance(envelope, bytes | bytearray | memoryview):
        return sm3_hex(bytes(envelope))
    if isinstance(envelope, str | os.PathLike):
        with open(envelope, "rb") as fh:
            return sm3_file(fh).hex()
    envelope.seek(0)
    return sm3_file(envelope).hex()
