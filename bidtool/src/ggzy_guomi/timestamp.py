"""RFC 3161 time-stamp tokens: a minimal local authority (ECDSA P-256) and verification.

The local authority builds a real TimeStampResp (RFC 3161) whose token is CMS SignedData (RFC 5652)
over a DER TSTInfo, signed with ECDSA P-256 / SHA-256 by a key and self-signed certificate of its
own (critical EKU id-kp-timeStamping), distinct from the platform SM2 key. It is labelled
`LOCAL_TSA_LABEL`: it is NOT an independent authority. Verification uses the kept library
`rfc3161-client` (Trail of Bits), anchored in a TSA certificate the verifier supplies.
"""

import hashlib
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

LOCAL_TSA_LABEL = "local (embedded, not an independent authority)"
LOCAL_POLICY = "1.3.6.1.4.1.55555.1.1"  # private arc for the embedded local authority's policy


def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _len(len(body)) + body


def _seq(*parts: bytes) -> bytes:
    return _tlv(0x30, b"".join(parts))


def _set(*parts: bytes) -> bytes:
    return _tlv(0x31, b"".join(sorted(parts)))


def _int(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def _oid(dotted: str) -> bytes:
    nums = [int(x) for x in dotted.split(".")]
    body = bytes([nums[0] * 40 + nums[1]])
    for n in nums[2:]:
        chunk = [n & 0x7F]
        n >>= 7
        while n:
            chunk.append(0x80 | (n & 0x7F))
            n >>= 7
        body += bytes(reversed(chunk))
    return _tlv(0x06, body)


def _octets(data: bytes) -> bytes:
    return _tlv(0x04, data)


_SHA256 = _seq(_oid("2.16.840.1.101.3.4.2.1"), b"\x05\x00")
_ECDSA_SHA256 = _seq(_oid("1.2.840.10045.4.3.2"))
_ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_ID_CT_TSTINFO = "1.2.840.113549.1.9.16.1.4"


def new_local_authority(now: datetime) -> tuple[bytes, bytes]:
    """A fresh local TSA: (PKCS#8 PEM private key, PEM self-signed certificate)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "GGZY local TSA (not an independent authority)"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "GGZY embedded"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    return (
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        cert.public_bytes(serialization.Encoding.PEM),
    )


def local_timestamp(
    digest: bytes,
    *,
    key_pem: bytes,
    cert_pem: bytes,
    gen_time: datetime,
    serial: int,
    nonce: int | None = None,
) -> bytes:
    """A DER TimeStampResp (status granted) over a SHA-256 `digest`, signed by the local authority;
    `nonce` echoes the request's (RFC 3161 §2.4.2)."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the local TSA key must be an EC (P-256) key")
    cert = x509.load_pem_x509_certificate(cert_pem)
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    when = gen_time.astimezone(UTC).strftime("%Y%m%d%H%M%SZ").encode()
    tst_info = _seq(
        _int(1),
        _oid(LOCAL_POLICY),
        _seq(_SHA256, _octets(digest)),
        _int(serial),
        _tlv(0x18, when),
        *([_int(nonce)] if nonce is not None else []),
    )
    attrs = [
        _seq(_oid("1.2.840.113549.1.9.3"), _set(_oid(_ID_CT_TSTINFO))),
        _seq(_oid("1.2.840.113549.1.9.4"), _set(_octets(hashlib.sha256(tst_info).digest()))),
        _seq(  # signingCertificateV2 (RFC 5035): ESSCertIDv2 with the SHA-256 of the TSA certificate
            _oid("1.2.840.113549.1.9.16.2.47"),
            _set(_seq(_seq(_seq(_octets(hashlib.sha256(cert_der).digest()))))),
        ),
    ]
    signed_attrs = _set(*attrs)
    signature = key.sign(signed_attrs, ec.ECDSA(hashes.SHA256()))
    issuer_and_serial = _seq(cert.issuer.public_bytes(), _int(cert.serial_number))
    signer_info = _seq(
        _int(1),
        issuer_and_serial,
        _SHA256,
        b"\xa0" + signed_attrs[1:],
        _ECDSA_SHA256,
        _octets(signature),
    )
    signed_data = _seq(
        _int(3),
        _set(_SHA256),
        _seq(_oid(_ID_CT_TSTINFO), _tlv(0xA0, _octets(tst_info))),
        _tlv(0xA0, cert_der),
        _set(signer_info),
    )
    token = _seq(_oid(_ID_SIGNED_DATA), _tlv(0xA0, signed_data))
    return _seq(_seq(_int(0)), token)


def verify_timestamp(response_der: bytes, message: bytes, tsa_cert_pem: bytes) -> datetime:
    """Verify a TimeStampResp over SHA-256(`message`) against the given TSA certificate; its genTime.

    Raises `ValueError` if the token is malformed, signed by another authority or over another message.
    """
    cert = x509.load_pem_x509_certificate(tsa_cert_pem)
    try:
        response = decode_timestamp_response(response_der)
        verifier = VerifierBuilder().tsa_certificate(cert).add_root_certificate(cert).build()
        verifier.verify_message(response, message)
    except (VerificationError, ValueError) as exc:
        raise ValueError(f"time-stamp token refused: {exc}") from None
    gen_time = response.tst_info.gen_time
    return gen_time if gen_time.tzinfo else gen_time.replace(tzinfo=UTC)
