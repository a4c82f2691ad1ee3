"""Crash safety of the sealed-bid intake: `kill -9` the real server while 50 bidders upload, restart it,
and check that what the bidders hold and what the platform keeps still agree.

The clients are the real bidder tool (`ggzy_bid.client.UploadClient`), the server is `ggzy serve` on a
database of its own (SQLite file, or a dedicated PostgreSQL database when GGZY_DATABASE_URL names one).
"""

import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from ggzy.reliability.tests.harness import PYTHON, LiveServer, Platform, platform_env, seal_for
from ggzy_bid.client import UploadClient, UploadResult
from ggzy_guomi import Sm2PrivateKey, envelope_sm3, sm3_file, verify_receipt

CLIENTS = 50
ABANDONING = 5  # the last bidders start an upload, send one chunk and never come back
ENVELOPE_BYTES = 192 * 1024
CHUNK = 32 * 1024
KILL_AFTER_RECEIPTS = 8


@dataclass
class Bidder:
    index: int
    token: str
    envelope: Path
    sm3: str
    results: list[UploadResult]
    errors: list[BaseException]


def client(server: LiveServer, bidder: Bidder, http: httpx.Client) -> UploadClient:
    # Few quick retries: a client cut off by the crash gives up during the outage and runs again later,
    # as a bidder runs `ggzy-bid upload` again.
    return UploadClient(http, server.url, bidder.token, chunk_size=CHUNK, max_attempts=2, backoff=0.05)


def upload(server: LiveServer, bidder: Bidder) -> None:
    with httpx.Client(timeout=30) as http:
        try:
            bidder.results.append(client(server, bidder, http).upload(bidder.envelope))
        except Exception as exc:
            bidder.errors.append(exc)


def abandon(server: LiveServer, platform: Platform, bidder: Bidder) -> str:
    """Start an upload and send the first chunk only: an unfinished upload, never completed."""
    with httpx.Client(timeout=30) as http:
        session = client(server, bidder, http).start_upload(
            platform.lot, bidder.envelope.stat().st_size, bidder.sm3
        )
        data = bidder.envelope.read_bytes()[:CHUNK]
        response = http.put(
            f"{server.url}/api/bids/uploads/{session.upload_id}",
            content=data,
            headers={
                "Authorization": f"Bearer {bidder.token}",
                "Content-Range": f"bytes 0-{len(data) - 1}/{bidder.envelope.stat().st_size}",
            },
        )
        assert response.status_code == 200, response.text
        return session.upload_id


def test_kill_9_during_the_upload_crush_loses_no_receipt_and_leaves_no_half_bid(
    live_platform: Platform, tmp_path: Path
) -> None:
    platform = live_platform
    work = tmp_path / "bidders"
    bidders = []
    for i, info in enumerate(platform.bidders[:CLIENTS]):
        path = seal_for(platform, info, work, price=f"2450{i:04d}.00", size=ENVELOPE_BYTES)
        bidders.append(Bidder(i, info.token, path, envelope_sm3(path), [], []))
    finishing, abandoning = bidders[:-ABANDONING], bidders[-ABANDONING:]
    server = LiveServer(platform.db).start()
    try:
        abandoned = {abandon(server, platform, b) for b in abandoning}

        # Phase 1: the crush, cut by SIGKILL once a few receipts are out.
        threads = [threading.Thread(target=upload, args=(server, b)) for b in finishing]
        for t in threads:
            t.start()
        limit = time.monotonic() + 60
        while sum(len(b.results) for b in finishing) < KILL_AFTER_RECEIPTS and time.monotonic() < limit:
            time.sleep(0.005)
        server.kill()
        for t in threads:
            t.join(timeout=60)
        cut_off = [b for b in finishing if not b.results]
        assert cut_off, "the kill came after every upload had finished: nothing was tested"
        assert len(cut_off) < len(finishing), "no receipt before the kill"

        # Phase 2: restart; every cut-off bidder runs the upload again and resumes where it stopped.
        server.start()
        threads = [threading.Thread(target=upload, args=(server, b)) for b in cut_off]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert all(b.results for b in finishing), [
            (b.index, repr(b.errors[-1]) if b.errors else None) for b in finishing if not b.results
        ]
        resumed = [b.index for b in cut_off if b.results[-1].resumed_from > 0]
        assert resumed, "no cut-off upload resumed from the bytes the server already had"
    finally:
        server.stop()

    key = Sm2PrivateKey.from_pem(platform.platform_key_file.read_bytes()).public_key
    bids = {
        row[0]: row
        for row in platform.db.rows(
            "SELECT b.receipt_no, b.receipt, b.envelope, b.envelope_sm3, b.status, b.size, u.public_id,"
            " u.status, e.uscc FROM bidding_bid b JOIN bidding_upload u ON u.id = b.upload_id"
            " JOIN registry_entity e ON e.id = b.bidder_id"
        )
    }

    # Every receipt a client holds names a stored envelope with exactly the SM3 it attests.
    for bidder in finishing:
        for result in bidder.results:
            fields = result.receipt.fields
            assert fields.envelope_sm3 == bidder.sm3
            assert fields.receipt_no in bids, (
                f"bidder {bidder.index} holds receipt {fields.receipt_no}, no bid"
            )
            _, receipt, envelope, digest, _, size, _, upload_status, uscc = bids[fields.receipt_no]
            assert (digest, size, upload_status, uscc) == (
                bidder.sm3,
                bidder.envelope.stat().st_size,
                "complete",
                platform.bidders[bidder.index].uscc,
            )
            assert verify_receipt(receipt.encode(), key) == fields
            with open(platform.media_root / envelope, "rb") as stored:
                assert sm3_file(stored).hex() == bidder.sm3

    # Every bid the platform accepted has a valid receipt for its stored bytes (even one whose answer was
    # lost in the crash), and each finishing bidder has exactly one bid standing.
    standing: dict[str, list[str]] = {}
    for receipt_no, receipt, envelope, digest, status, _, _, upload_status, uscc in bids.values():
        fields = verify_receipt(receipt.encode(), key)
        assert (fields.receipt_no, fields.envelope_sm3, fields.bidder_id) == (receipt_no, digest, uscc)
        assert fields.tender_id == platform.lot
        assert upload_status == "complete"
        with open(platform.media_root / envelope, "rb") as stored:
            assert sm3_file(stored).hex() == digest
        if status == "submitted":
            standing.setdefault(uscc, []).append(receipt_no)
        else:
            assert status == "superseded", status
    assert {u: len(r) for u, r in standing.items()} == {platform.bidders[b.index].uscc: 1 for b in finishing}

    # Incomplete uploads are not bids.
    uploads = platform.db.rows("SELECT public_id, status FROM bidding_upload")
    complete = {public_id for public_id, status in uploads if status == "complete"}
    assert complete == {row[6] for row in bids.values()}
    unfinished = {public_id for public_id, status in uploads if status == "uploading"}
    assert abandoned <= unfinished

    # The audit chain survived the crash.
    check = subprocess.run(
        [PYTHON, "-m", "ggzy", "verify_audit"], env=platform_env(platform.db), capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_two_workers_creating_the_platform_key_agree_on_one(settings, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The embedded platform creates its SM2 key on first use; with several workers (uvicorn --workers)
    two of them can get there together. Both must end up with the same key, and neither may fail.
    Worker A is held inside key generation until worker B has created the key file."""
    from ggzy.kernel import platform_key as module

    settings.PLATFORM_KEY_FILE = tmp_path / "keys" / "platform.key.pem"
    real_generate = Sm2PrivateKey.generate
    a_generating, b_done = threading.Event(), threading.Event()

    def generate() -> Sm2PrivateKey:
        if not a_generating.is_set():
            a_generating.set()
            b_done.wait(10)
        return real_generate()

    monkeypatch.setattr(module.Sm2PrivateKey, "generate", staticmethod(generate))
    found: dict[str, str] = {}
    failures: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            found[name] = module.platform_key.__wrapped__().public_key.key_id
        except BaseException as exc:
            failures.append(exc)

    a = threading.Thread(target=worker, args=("a",))
    a.start()
    assert a_generating.wait(10)
    worker("b")
    b_done.set()
    a.join(10)
    if failures:
        raise failures[0]
    assert found["a"] == found["b"]
