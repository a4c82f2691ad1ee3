"""Receipts carry an RFC 3161 time-stamp token (issue 10 §2): from a TSA over HTTP when one is configured,
else from the embedded local authority; a TSA that fails or lies never stops a receipt."""

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from django.test import Client
from rfc3161_client._rust import parse_timestamp_request  # the library's own request parser, for the fake TSA

from ggzy.kernel import clock, timestamping
from ggzy.kernel.platform_key import platform_key
from ggzy_guomi import SignatureError, issue_receipt, verify_receipt
from ggzy_guomi.timestamp import LOCAL_TSA_LABEL, local_timestamp, new_local_authority

FIELDS = {
    "envelope_sm3": "ab" * 32,
    "tender_id": "E6401000001000101",
    "bidder_id": "91640100MA00000001",
    "receipt_no": "HZ0123456789ABCDEF",
    "extra": {"size": 1},
}

Answer = Callable[[bytes, int | None], bytes]


class FakeTsa:
    """A real RFC 3161 service over HTTP on 127.0.0.1, with its own authority key, whose answer a test
    can replace (a lying or broken TSA)."""

    def __init__(self) -> None:
        self.key_pem, self.cert_pem = new_local_authority(datetime.now(UTC))
        self.answer: Answer = self.honest
        self.requests = 0
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                tsa.requests += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = parse_timestamp_request(body)
                response = tsa.answer(request.message_imprint.message, request.nonce)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(response)))
                self.end_headers()
                self.wfile.write(response)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def honest(self, digest: bytes, nonce: int | None) -> bytes:
        return local_timestamp(
            digest, key_pem=self.key_pem, cert_pem=self.cert_pem, gen_time=clock.now(), serial=7, nonce=nonce
        )


@pytest.fixture
def tsa(settings: object, tmp_path: Path) -> Iterator[FakeTsa]:
    fake = FakeTsa()
    (tmp_path / "tsa.crt").write_bytes(fake.cert_pem)
    settings.TSA_URL = fake.url  # type: ignore[attr-defined]
    settings.TSA_CERT_FILE = str(tmp_path / "tsa.crt")  # type: ignore[attr-defined]
    yield fake
    fake.server.shutdown()


def receipt_now() -> bytes:
    return timestamping.issue_stamped_receipt(
        **FIELDS, server_time=clock.now().isoformat(), platform_key=platform_key()
    ).to_json()


def test_embedded_local_authority_stamps_and_says_what_it_is() -> None:
    receipt = receipt_now()
    fields = verify_receipt(
        receipt, platform_key().public_key, tsa_certificate=timestamping.tsa_certificate_pem()
    )
    assert fields.version == 2 and fields.tsa == LOCAL_TSA_LABEL
    certificate = x509.load_pem_x509_certificate(timestamping.tsa_certificate_pem())
    assert "not an independent authority" in certificate.subject.rfc4514_string()


def test_a_configured_tsa_stamps_over_http(tsa: FakeTsa) -> None:
    receipt = receipt_now()
    fields = verify_receipt(receipt, platform_key().public_key, tsa_certificate=tsa.cert_pem)
    assert fields.tsa == tsa.url and tsa.requests == 1
    # the local authority's certificate does not verify it: the token is the TSA's
    with pytest.raises(SignatureError):
        verify_receipt(
            receipt, platform_key().public_key, tsa_certificate=timestamping.local_tsa_certificate_pem()
        )


@pytest.mark.parametrize(
    "lie",
    [
        lambda tsa: lambda digest, nonce: tsa.honest(sha256(b"another message").digest(), nonce),
        lambda tsa: lambda digest, nonce: tsa.honest(digest, (nonce or 0) + 1),  # a replayed answer
        lambda tsa: lambda digest, nonce: local_timestamp(  # signed by someone else
            digest, **dict(zip(("key_pem", "cert_pem"), new_local_authority(clock.now()), strict=True)),
            gen_time=clock.now(), serial=1, nonce=nonce,
        ),
        lambda tsa: lambda digest, nonce: b"\x30\x03\x02\x01\x02",  # not a token at all
    ],
    ids=["other-message", "wrong-nonce", "other-signer", "garbage"],
)  # fmt: skip
def test_a_lying_tsa_is_not_believed(tsa: FakeTsa, lie: Callable[[FakeTsa], Answer]) -> None:
    tsa.answer = lie(tsa)
    receipt = receipt_now()
    fields = verify_receipt(
        receipt, platform_key().public_key, tsa_certificate=timestamping.local_tsa_certificate_pem()
    )
    assert fields.tsa.startswith(LOCAL_TSA_LABEL) and "fallback" in fields.tsa and tsa.url in fields.tsa
    with pytest.raises(SignatureError):
        verify_receipt(receipt, platform_key().public_key, tsa_certificate=tsa.cert_pem)


def test_an_unreachable_tsa_never_stops_a_receipt(tsa: FakeTsa, settings: object) -> None:
    tsa.server.shutdown()
    tsa.server.server_close()
    settings.TSA_TIMEOUT_SECONDS = 1  # type: ignore[attr-defined]
    fields = verify_receipt(receipt_now(), platform_key().public_key)
    assert "fallback" in (fields.tsa or "")


def test_attack_platform_key_mints_a_receipt_with_another_time() -> None:
    """The platform key alone can sign any server_time; the token binds the real one."""
    genuine = timestamping.issue_stamped_receipt(
        **FIELDS, server_time=clock.now().isoformat(), platform_key=platform_key()
    )
    backdated_time = (clock.now() - timedelta(hours=3)).isoformat()
    forged = issue_receipt(
        **FIELDS,
        server_time=backdated_time,
        platform_key=platform_key(),
        tsa=LOCAL_TSA_LABEL,
        timestamper=lambda payload: genuine.timestamp or b"",  # reuse a real token
    )
    certificate = timestamping.tsa_certificate_pem()
    verify_receipt(forged.to_json(), platform_key().public_key)  # the signature alone passes
    with pytest.raises(SignatureError, match="time-stamp"):
        verify_receipt(forged.to_json(), platform_key().public_key, tsa_certificate=certificate)


@pytest.mark.django_db
def test_the_tsa_certificate_is_published_with_the_platform_keys() -> None:
    keys = Client().get("/api/platform/keys").json()
    assert keys["tsa"] == LOCAL_TSA_LABEL
    assert keys["tsa_certificate_pem"].encode() == timestamping.tsa_certificate_pem()


def test_ggzy_bid_checks_the_time_stamp(tmp_path: Path) -> None:
    from ggzy_bid.cli import Runtime, main

    def run(*argv: str) -> tuple[int, str, str]:
        out: list[str] = []
        err: list[str] = []
        return main(list(argv), Runtime(stdout=out.append, stderr=err.append)), "\n".join(out), "\n".join(err)

    (tmp_path / "platform.pem").write_text(platform_key().public_key.to_pem())
    (tmp_path / "tsa.crt").write_bytes(timestamping.tsa_certificate_pem())
    (tmp_path / "receipt.json").write_bytes(receipt_now())
    args = ("--platform-key", str(tmp_path / "platform.pem"), "--tsa-cert", str(tmp_path / "tsa.crt"))
    code, out, err = run("verify-receipt", str(tmp_path / "receipt.json"), *args)
    assert code == 0, err
    assert f"时间戳有效 (time-stamp token is valid): {LOCAL_TSA_LABEL}" in out
    v1 = issue_receipt(**FIELDS, server_time=clock.now().isoformat(), platform_key=platform_key())
    (tmp_path / "v1.json").write_bytes(v1.to_json())
    code, _, err = run("verify-receipt", str(tmp_path / "v1.json"), *args)
    assert code == 1 and "no time-stamp token" in err
    assert run("verify-receipt", str(tmp_path / "v1.json"), *args[:2])[0] == 0  # v1 still verifies as before
