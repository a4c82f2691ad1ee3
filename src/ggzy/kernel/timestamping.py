"""Trusted time for receipts: RFC 3161 time-stamp tokens (issue 10 §2).

A receipt's `server_time` is the platform's word; the token is a time-stamping authority's. Production
sets `GGZY_TSA_URL` (an RFC 3161 service over HTTP) and `GGZY_TSA_CERT_FILE` (its certificate, PEM;
`GGZY_TSA_ROOTS_FILE` for the CA chain if the certificate is not pinned directly). Without them the
platform runs an **embedded local authority**: a separate ECDSA P-256 key and self-signed certificate
under var/keys, labelled as such in every receipt ("local (embedded, not an independent authority)"). It
is held by the operator, so it proves nothing against the operator; only an independent TSA does.

Every token is verified against the configured certificate before it goes into a receipt. If the TSA
cannot be reached, the upload still gets its receipt (a bid must never fail at the deadline because a
third party is down), stamped by the local authority and naming it, and a warning is logged.
"""

import logging
import secrets
from datetime import UTC, datetime
from functools import cache
from hashlib import sha256
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from django.conf import settings
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from ggzy.kernel import clock
from ggzy.kernel.platform_key import create_key_file
from ggzy_guomi import Receipt, issue_receipt
from ggzy_guomi.timestamp import LOCAL_TSA_LABEL, local_timestamp, new_local_authority

logger = logging.getLogger(__name__)

TSA_CONTENT_TYPE = "application/timestamp-query"


class TimestampError(Exception):
    """The authority did not answer with a valid token for this message."""


def tsa_name() -> str:
    return settings.TSA_URL or LOCAL_TSA_LABEL


def tsa_certificate_pem() -> bytes:
    """The certificate receipts' tokens verify against (published with the platform keys)."""
    if settings.TSA_URL:
        return Path(settings.TSA_CERT_FILE).read_bytes()
    return local_tsa_certificate_pem()


def local_tsa_certificate_pem() -> bytes:
    return _local_authority()[1]


def issue_stamped_receipt(**fields: Any) -> Receipt:
    """`ggzy_guomi.issue_receipt` with a time-stamp token over the payload (a v2 receipt) from the
    configured authority; if it fails, from the local authority, and the receipt's `tsa` says so."""
    local_name = LOCAL_TSA_LABEL
    if settings.TSA_URL:
        try:
            return issue_receipt(**fields, tsa=settings.TSA_URL, timestamper=_remote_stamp)
        except (TimestampError, httpx.HTTPError, OSError) as exc:
            logger.warning(
                "TSA %s failed (%s): receipt stamped by the local authority", settings.TSA_URL, exc
            )
            local_name = f"{LOCAL_TSA_LABEL}; fallback, {settings.TSA_URL} failed"
    return issue_receipt(**fields, tsa=local_name, timestamper=_local_stamp)


def _remote_stamp(message: bytes) -> bytes:
    """A token from the configured TSA, checked (signer, message imprint, nonce) before it is used."""
    request = (
        TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    answer = httpx.post(
        settings.TSA_URL,
        content=request.as_bytes(),
        headers={"Content-Type": TSA_CONTENT_TYPE},
        timeout=settings.TSA_TIMEOUT_SECONDS,
    )
    if answer.status_code != 200:
        raise TimestampError(f"HTTP {answer.status_code}")
    certificate = x509.load_pem_x509_certificate(Path(settings.TSA_CERT_FILE).read_bytes())
    builder = VerifierBuilder.from_request(request).tsa_certificate(certificate)
    roots = Path(settings.TSA_ROOTS_FILE).read_bytes() if settings.TSA_ROOTS_FILE else None
    for root in x509.load_pem_x509_certificates(roots) if roots else [certificate]:
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify_message(decode_timestamp_response(answer.content), message)
    except (VerificationError, ValueError) as exc:
        raise TimestampError(f"invalid token: {exc}") from None
    return answer.content


def _local_stamp(message: bytes) -> bytes:
    key_pem, cert_pem = _local_authority()
    return local_timestamp(
        sha256(message).digest(),
        key_pem=key_pem,
        cert_pem=cert_pem,
        gen_time=clock.now(),
        serial=secrets.randbits(63),
    )


@cache
def _local_authority() -> tuple[bytes, bytes]:
    """(key PEM, certificate PEM) of the embedded authority: one file, created once beside the platform
    key, so the key and its certificate always travel together."""
    path = Path(settings.LOCAL_TSA_KEY_FILE)
    if not path.exists():
        # Valid from the earlier of the wall clock and the platform clock: verifiers check the certificate
        # against their own wall clock, whatever the (virtual, in tests and simulations) platform time is.
        since = min(datetime.now(UTC), clock.now())
        create_key_file(path, b"".join(new_local_authority(since)))
    pem = path.read_bytes()
    split = pem.index(b"-----BEGIN CERTIFICATE-----")
    return pem[:split], pem[split:]


def local_authority_cache_clear() -> None:
    """Forget the loaded local authority (tests give each test its own key file)."""
    _local_authority.cache_clear()
