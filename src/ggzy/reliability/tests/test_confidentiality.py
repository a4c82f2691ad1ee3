"""Sealed means sealed: before the deadline, neither the database (dumped the way an operator would, and
its raw files) nor the file store, the keys folder or the server's log holds any bid plaintext or price;
and no public answer (project, notice, change feed, search, OCDS, national data set) names a bidder.

Bids go in through the real path: the bidder tool seals and uploads to the real server over HTTP.
"""

import json
import secrets
from pathlib import Path

import httpx

from ggzy.reliability.tests.harness import LiveServer, Platform, files_under, seal_for
from ggzy_bid.client import UploadClient
from ggzy_guomi import envelope_sm3

PRICES = ["24512345.67", "23498765.43", "22376543.21", "21765432.19"]


def forms_of(secret: bytes) -> list[bytes]:
    """The ways a secret could show up in a dump: raw UTF-8, JSON \\u escapes, hex (bytea)."""
    text = secret.decode("utf-8")
    escaped = json.dumps(text).strip('"').encode()
    return [secret, escaped, secret.hex().encode()]


def test_nothing_readable_of_a_bid_is_kept_before_the_deadline(
    live_platform: Platform, tmp_path: Path
) -> None:
    platform = live_platform
    marker = f"绝密技术方案-GGZY-{secrets.token_hex(6)}".encode()
    secrets_to_find = [marker, *(p.encode() for p in PRICES), *(p.split(".")[0].encode() for p in PRICES)]
    server = LiveServer(platform.db).start()
    try:
        with httpx.Client(timeout=30) as http:
            for i, price in enumerate(PRICES):
                bidder = platform.bidders[i]
                path = seal_for(
                    platform, bidder, tmp_path / "bids", price=price, size=96 * 1024, marker=marker
                )
                assert marker in (path.parent / path.stem / "technical.txt").read_bytes()  # the control
                UploadClient(http, server.url, bidder.token, chunk_size=32 * 1024).upload(path)
            # One more bidder stops half-way: the part file on the server is ciphertext too.
            bidder = platform.bidders[len(PRICES)]
            path = seal_for(
                platform, bidder, tmp_path / "bids", price="20999999.99", size=96 * 1024, marker=marker
            )
            secrets_to_find += [b"20999999.99", b"20999999"]
            client = UploadClient(http, server.url, bidder.token)
            session = client.start_upload(platform.lot, path.stat().st_size, envelope_sm3(path))
            half = path.read_bytes()[: path.stat().st_size // 2]
            answer = http.put(
                f"{server.url}/api/bids/uploads/{session.upload_id}",
                content=half,
                headers={
                    "Authorization": f"Bearer {bidder.token}",
                    "Content-Range": f"bytes 0-{len(half) - 1}/{path.stat().st_size}",
                },
            )
            assert answer.status_code == 200, answer.text

            # Nobody — operator, regulator, principal — learns who bid before the deadline.
            for role in ("operator", "regulator", "principal"):
                headers = {"Authorization": f"Bearer {platform.tokens[role]}"}
                answer = http.get(f"{server.url}/api/bids/{platform.lot}/bidders", headers=headers)
                assert (answer.status_code, answer.json()["code"]) == (403, "bidders_sealed"), role
                answer = http.get(f"{server.url}/api/bids/{platform.lot}/opening", headers=headers)
                assert answer.status_code == 404, role

            # Nor does the public side — portal data, change feed, OCDS — name a bidder or a price.
            public = {
                path: http.get(f"{server.url}{path}")
                for path in (
                    "/api/disclosure/feed",
                    f"/api/disclosure/search?q={platform.project}",
                    f"/api/disclosure/ocds/{platform.project}/record",
                    f"/api/disclosure/gcjs/{platform.project}",
                    f"/api/trading/projects/{platform.project}",
                    f"/api/trading/notices/{platform.notice_id}",
                )
            }
            assert public[f"/api/trading/projects/{platform.project}"].status_code == 200
            bidders = [platform.bidders[i].uscc for i in range(len(PRICES) + 1)]
            for path, answer in public.items():
                if answer.status_code == 404:
                    continue  # not served by this version of the portal
                assert answer.status_code == 200, (path, answer.status_code)
                assert not [u for u in bidders if u in answer.text], (
                    path,
                    "names a bidder before the deadline",
                )
                assert not [p for p in PRICES if p in answer.text or p.split(".")[0] in answer.text], path

        running_files = {p: p.read_bytes() for p in platform.db.raw_files()}  # SQLite with its WAL
        dump = platform.db.dump()
    finally:
        server.stop()

    stored = files_under(platform.db.var_dir)
    assert any(p.suffix == ".gbe" for p in stored) and any(p.suffix == ".part" for p in stored)
    haystacks = {"database dump": dump}
    haystacks |= {f"database file {p.name} (server running)": data for p, data in running_files.items()}
    haystacks |= {str(p.relative_to(platform.db.var_dir)): p.read_bytes() for p in stored}
    # The dump is real: it names the lot and the bidders that uploaded.
    assert platform.lot.encode() in dump
    assert all(platform.bidders[i].uscc.encode() in dump for i in range(len(PRICES)))
    leaks = [
        (where, secret.decode())
        for where, data in haystacks.items()
        for secret in secrets_to_find
        for form in forms_of(secret)
        if form in data
    ]
    assert not leaks, leaks
