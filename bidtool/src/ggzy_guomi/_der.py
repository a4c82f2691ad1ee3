"""Just enough DER (ITU-T X.690) for the few SM2 structures GGZY exchanges.

Why hand-written: `cryptography` refuses SM2 keys ("curve 1.2.156.10197.1.301 is not supported") and
gmssl_pyx exposes no ASN.1 helpers, while we need to build and parse SubjectPublicKeyInfo / PKCS#8 keys
and to check signatures and ciphertexts strictly before handing them to C code. Only what those
structures use is supported: definite lengths (minimal), non-negative INTEGERs, OCTET STRING,
BIT STRING without unused bits, OBJECT IDENTIFIER (compared as encoded bytes), SEQUENCE and
context-specific constructed tags. Anything else is rejected with `DerError`.
"""

SEQUENCE = 0x30
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
OBJECT_IDENTIFIER = 0x06


class DerError(ValueError):
    """Malformed or non-canonical DER; callers translate it into a package error."""


def encode_length(length: int) -> bytes:
    if length < 0:
        raise DerError("negative length")
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    if len(body) > 4:
        raise DerError("length too large")
    return bytes([0x80 | len(body)]) + body


def encode_tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + encode_length(len(content)) + content


def encode_integer(value: int) -> bytes:
    """Encode a non-negative INTEGER (a leading 0x00 is added when the top bit is set)."""
    if value < 0:
        raise DerError("negative INTEGER not supported")
    # bit_length // 8 + 1 bytes is exactly the minimal two's-complement width of a non-negative value.
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return encode_tlv(INTEGER, body)


def encode_octet_string(data: bytes) -> bytes:
    return encode_tlv(OCTET_STRING, data)


def encode_bit_string(data: bytes) -> bytes:
    return encode_tlv(BIT_STRING, b"\x00" + data)


def encode_sequence(*parts: bytes) -> bytes:
    return encode_tlv(SEQUENCE, b"".join(parts))


class DerReader:
    """Sequential strict reader over one DER buffer."""

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)
        self._pos = 0

    def at_end(self) -> bool:
        return self._pos == len(self._data)

    def expect_end(self) -> None:
        if not self.at_end():
            raise DerError(f"{len(self._data) - self._pos} unexpected trailing byte(s)")

    def peek_tag(self) -> int | None:
        return None if self.at_end() else self._data[self._pos]

    def read(self, tag: int) -> bytes:
        """Read one TLV whose tag must be `tag`; return its content."""
        data, pos = self._data, self._pos
        if pos + 2 > len(data):
            raise DerError("truncated TLV header")
        if data[pos] != tag:
            raise DerError(f"expected tag 0x{tag:02x}, found 0x{data[pos]:02x}")
        first = data[pos + 1]
        pos += 2
        if first < 0x80:
            length = first
        else:
            count = first & 0x7F
            if count == 0:
                raise DerError("indefinite length is not DER")
            if count > 4 or pos + count > len(data):
                raise DerError("bad long-form length")
            length = int.from_bytes(data[pos : pos + count], "big")
            if data[pos] == 0 or length < 0x80:
                raise DerError("non-minimal length encoding")
            pos += count
        if pos + length > len(data):
            raise DerError("content runs past the end of the buffer")
        self._pos = pos + length
        return data[pos : pos + length]

    def read_integer(self) -> int:
        body = self.read(INTEGER)
        if not body:
            raise DerError("empty INTEGER")
        if body[0] & 0x80:
            raise DerError("negative INTEGER")
        if len(body) > 1 and body[0] == 0 and body[1] < 0x80:
            raise DerError("non-minimal INTEGER")
        return int.from_bytes(body, "big")

    def read_octet_string(self) -> bytes:
        return self.read(OCTET_STRING)

    def read_bit_string(self) -> bytes:
        body = self.read(BIT_STRING)
        if not body or body[0] != 0:
            raise DerError("BIT STRING with unused bits")
        return body[1:]

    def read_sequence(self) -> "DerReader":
        return DerReader(self.read(SEQUENCE))

    def read_context(self, number: int) -> "DerReader":
        """Read an explicit constructed context tag [number]."""
        return DerReader(self.read(0xA0 | number))
