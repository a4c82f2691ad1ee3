"""bid_intake — the deadline crush: N bidders upload 1 MB sealed envelopes at once to the real server.

Production shape: uvicorn with several worker processes, GGZY_DEBUG=0, a secret key, ALLOWED_HOSTS, on a
dedicated PostgreSQL database. Each client thread uploads for its own registered bidders (own certificate,
own token), one after another: POST /api/bids/uploads → PUT the envelope (one chunk) → POST …/complete.
Figure: accepted bids per second; latency is that of the whole upload (start + chunks + complete).

Baseline, same threads and database: write the same bytes to a file (fsynced, as the platform does) and
INSERT one row per bid.
"""

import os
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from common import emit, note, percentile, postgres_url, skipped

from ggzy.reliability.tests.harness import (
    LiveServer,
    Platform,
    dedicated_database,
    prepare_platform,
    seal_for,
)
from ggzy_guomi import envelope_sm3

ENVELOPE_BYTES = 1024 * 1024
WARM_UP_SECONDS = 3.0


@dataclass
class Envelope:
    token: str
    lot: str
    data: bytes
    sm3: str


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)

    def failed(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


def upload_once(http: httpx.Client, url: str, envelope: Envelope) -> None:
    headers = {"Authorization": f"Bearer {envelope.token}"}
    size = len(envelope.data)
    start = http.post(
        f"{url}/api/bids/uploads",
        json={"lot": envelope.lot, "size": size, "sm3": envelope.sm3},
        headers=headers,
    )
    if start.status_code not in (200, 201):
        raise RuntimeError(f"start {start.status_code} {start.text[:120]}")
    body = start.json()
    upload_id, offset, chunk = body["upload_id"], body["offset"], body["chunk_size"]
    while offset < size:
        data = envelope.data[offset : offset + chunk]
        put = http.put(
            f"{url}/api/bids/uploads/{upload_id}",
            content=data,
            headers={**headers, "Content-Range": f"bytes {offset}-{offset + len(data) - 1}/{size}"},
        )
        if put.status_code != 200:
            raise RuntimeError(f"chunk {put.status_code} {put.text[:120]}")
        offset = put.json()["offset"]
    done = http.post(f"{url}/api/bids/uploads/{upload_id}/complete", headers=headers)
    if done.status_code != 201:
        raise RuntimeError(f"complete {done.status_code} {done.text[:120]}")


def crush(url: str, envelopes: list[Envelope], clients: int, seconds: float) -> tuple[Tally, float]:
    """`clients` threads, each cycling through its own share of the bidders, for `seconds` after a warm-up."""
    tally = Tally()
    warm_until = time.monotonic() + WARM_UP_SECONDS
    stop_at = warm_until + seconds

    def client(share: list[Envelope]) -> None:
        with httpx.Client(timeout=60) as http:
            i = 0
            while time.monotonic() < stop_at:
                envelope = share[i % len(share)]
                i += 1
                began = time.monotonic()
                try:
                    upload_once(http, url, envelope)
                except Exception as exc:
                    if began >= warm_until:
                        tally.failed(str(exc)[:200])
                    continue
                ended = time.monotonic()
                if began >= warm_until and ended <= stop_at:
                    tally.ok(ended - began)

    threads = [threading.Thread(target=client, args=(envelopes[c::clients],)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally, seconds


def baseline(db_url: str, data_dir: Path, clients: int, seconds: float) -> Tally:
    """The same bytes to a file (fsync) plus one INSERT per bid (autocommit), same threads, same database."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, bidder text, sm3 char(64), size bigint,"
            " path text, stored_at timestamptz DEFAULT now())"
        )
    payload = os.urandom(ENVELOPE_BYTES)
    tally = Tally()
    stop_at = time.monotonic() + seconds

    def client(c: int) -> None:
        with psycopg.connect(db_url, autocommit=True) as connection:
            n = 0
            while time.monotonic() < stop_at:
                began = time.monotonic()
                path = data_dir / f"{c}-{n}.gbe"
                n += 1
                with open(path, "wb") as out:
                    out.write(payload)
                    out.flush()
                    os.fsync(out.fileno())
                connection.execute(
                    "INSERT INTO bench_baseline (bidder, sm3, size, path) VALUES (%s, %s, %s, %s)",
                    (f"bidder{c}", "0" * 64, len(payload), str(path)),
                )
                tally.ok(time.monotonic() - began)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally


def run(seconds: float = 60, clients: int = 16, bidders: int = 64, workers: int = 2) -> dict[str, Any]:
    pg = postgres_url()
    if pg is None:
        return skipped("bid_intake", "PostgreSQL not reachable (set GGZY_DATABASE_URL)")
    work = Path(tempfile.mkdtemp(prefix="ggzy-bench-intake-"))
    production = {
        "GGZY_DEBUG": "0",
        "GGZY_SECRET_KEY": secrets.token_urlsafe(40),
        "GGZY_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    db = dedicated_database(work / "var", "bench", postgres=pg)
    server: LiveServer | None = None
    try:
        note(f"bid_intake: preparing {bidders} bidders on a dedicated PostgreSQL database")
        platform: Platform = prepare_platform(db, bidders, env=production)
        envelopes = []
        for i, bidder in enumerate(platform.bidders):
            path = seal_for(platform, bidder, work / "sealed", price=f"2400{i:04d}.00", size=ENVELOPE_BYTES)
            envelopes.append(Envelope(bidder.token, platform.lot, path.read_bytes(), envelope_sm3(path)))
        shutil.rmtree(work / "sealed")
        server = LiveServer(db, workers=workers, env=production).start()
        note(
            f"bid_intake: {clients} clients for {seconds:g} s (+{WARM_UP_SECONDS:g} s warm-up), {workers} workers"
        )
        tally, measured = crush(server.url, envelopes, clients, seconds)
        server.stop()
        accepted = db.rows("SELECT count(*) FROM bidding_bid")[0][0]
        note(f"bid_intake: baseline for {seconds / 2:g} s")
        (work / "baseline").mkdir()
        base = baseline(db.url, work / "baseline", clients, seconds / 2)
        figure = len(tally.latencies) / measured
        base_rate = len(base.latencies) / (seconds / 2)
        return emit(
            "bid_intake",
            figure,
            "bids/s",
            base_rate,
            figure / base_rate if base_rate else 0.0,
            {
                "clients": clients,
                "bidders": bidders,
                "workers": workers,
                "seconds": seconds,
                "envelope_bytes": ENVELOPE_BYTES,
                "database": "postgresql",
                "accepted_in_window": len(tally.latencies),
                "bid_rows_total": accepted,
                "errors": len(tally.errors),
                "first_errors": tally.errors[:3],
                "p50_s": round(percentile(tally.latencies, 50), 4),
                "p99_s": round(percentile(tally.latencies, 99), 4),
                "baseline_p50_s": round(percentile(base.latencies, 50), 4),
                "baseline_p99_s": round(percentile(base.latencies, 99), 4),
                "targets": {"bids_per_s": ">= 100", "p99_s": "< 1", "errors": 0},
                "ratio_is": "figure / baseline (higher is better)",
            },
        )
    finally:
        if server is not None:
            server.stop()
        db.drop()
        shutil.rmtree(work, ignore_errors=True)
