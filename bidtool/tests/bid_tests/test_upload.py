"""`ggzy-bid upload` against the in-memory platform: chunks, resuming, retries, errors, receipts."""

import json
from pathlib import Path

import httpx
import pytest

from bid_tests.conftest import LOT, Cli
from bid_tests.fake_platform import BIDDER, SERVER, SERVER_TIME, TOKEN, FakePlatform, error
from ggzy_bid.client import UploadClient
from ggzy_bid.errors import ProtocolError, TransferError
from ggzy_guomi import Receipt, Sm2PrivateKey, envelope_sm3, sm3_hex, verify_receipt


def upload(cli: Cli, envelope: Path, *extra: str | Path) -> tuple[int, str, str, list[float]]:
    run = cli("upload", envelope, "--server", SERVER, "--token", TOKEN, *extra)
    return run.code, run.stdout, run.stderr, run.sleeps


def put_ranges(platform: FakePlatform) -> list[str]:
    return [r.headers["Content-Range"] for r in platform.requests("PUT")]


def assert_received_intact(platform: FakePlatform, envelope: Path) -> None:
    (upload_record,) = platform.uploads.values()
    assert bytes(upload_record.data) == envelope.read_bytes()
    assert upload_record.complete


def test_upload_in_chunks_and_save_a_verified_receipt(
    cli: Cli, platform: FakePlatform, envelope: Path, platform_key: Sm2PrivateKey
) -> None:
    size = envelope.stat().st_size
    assert size > 4 * platform.chunk_size
    code, out, err, sleeps = upload(cli, envelope)
    assert code == 0, err
    assert_received_intact(platform, envelope)
    ranges = put_ranges(platform)
    assert ranges[0] == f"bytes 0-255/{size}"
    assert ranges[-1] == f"bytes {(len(ranges) - 1) * 256}-{size - 1}/{size}"
    assert len(ranges) == -(-size // 256)
    create = json.loads(platform.requests("POST")[0].content)
    assert create == {"lot": LOT, "size": size, "sm3": envelope_sm3(envelope)}
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in platform.requests())
    assert sleeps == []

    receipt_file = envelope.with_name(envelope.name + ".receipt.json")
    fields = verify_receipt(receipt_file.read_bytes(), platform_key.public_key)
    assert fields.envelope_sm3 == envelope_sm3(envelope)
    assert f"回执编号 (receipt no): {fields.receipt_no}" in out
    assert f"服务器时间 (server time): {SERVER_TIME}" in out


def test_client_chunk_size_caps_the_servers(cli: Cli, platform: FakePlatform, envelope: Path) -> None:
    assert upload(cli, envelope, "--chunk-size", "100")[0] == 0
    assert put_ranges(platform)[:2] == [
        f"bytes 0-99/{envelope.stat().st_size}",
        f"bytes 100-199/{envelope.stat().st_size}",
    ]
    assert_received_intact(platform, envelope)


def test_offset_mismatch_409_resumes_from_the_servers_offset(
    cli: Cli, platform: FakePlatform, envelope: Path
) -> None:
    platform.put_faults = {4: "rewind"}  # before the 4th chunk the server loses half of what it had
    code, _, err, _ = upload(cli, envelope)
    assert code == 0, err
    assert 409 in platform.statuses("PUT")
    ranges = put_ranges(platform)
    assert ranges[3].startswith("bytes 768-")
    assert ranges[4].startswith("bytes 384-")  # resent from the offset in the 409's details
    assert "384" in err
    assert_received_intact(platform, envelope)


def test_transient_errors_are_retried_after_re_reading_the_offset(
    cli: Cli, platform: FakePlatform, envelope: Path
) -> None:
    platform.put_faults = {2: "connect", 4: "lost", 6: "503", 7: "503"}
    code, _, err, sleeps = upload(cli, envelope)
    assert code == 0, err
    assert sleeps == [0.5, 0.5, 0.5, 1.0]  # backoff doubles while failures are consecutive
    sequence = [(r.method, s) for r, s in platform.log]
    for index, (method, status) in enumerate(sequence):
        if method == "PUT" and status in ("ConnectError", "ReadError", 503):
            assert sequence[index + 1] == ("GET", 200)  # the offset is re-read before retrying
    assert 409 not in platform.statuses("PUT")  # the "lost" chunk was not sent twice
    ranges = put_ranges(platform)
    assert ranges[1] == ranges[2]  # the chunk that never arrived is sent again
    assert ranges[3].startswith("bytes 512-767/")
    assert ranges[4].startswith("bytes 768-")  # after the lost answer for 512-767: continue at 768
    assert_received_intact(platform, envelope)


def test_retries_are_bounded(platform: FakePlatform, envelope: Path) -> None:
    platform.put_faults = dict.fromkeys(range(1, 100), "503")
    sleeps: list[float] = []
    with platform.client() as http:
        client = UploadClient(http, SERVER, TOKEN, sleep=sleeps.append)
        with pytest.raises(TransferError, match="run the same command again"):
            client.upload(envelope)
    assert sleeps == [0.5, 1.0, 2.0, 4.0]
    assert len(platform.requests("PUT")) == 5


def test_an_interrupted_upload_resumes_in_a_second_run(
    cli: Cli, platform: FakePlatform, envelope: Path
) -> None:
    size = envelope.stat().st_size
    platform.down_after = 600  # the network goes away once 768 bytes (3 chunks) are stored
    code, _, err, sleeps = upload(cli, envelope)
    assert code == 1
    assert "run the same command again to resume" in err
    assert len(sleeps) == 4
    assert platform.stored() == 768
    first_run = len(platform.log)

    platform.down_after = None
    code, out, err, _ = upload(cli, envelope)
    assert code == 0, err
    second = platform.log[first_run:]
    assert (second[0][0].method, second[0][1]) == ("POST", 200)  # the existing upload, not a new one
    second_puts = [r for r, _ in second if r.method == "PUT"]
    assert second_puts[0].headers["Content-Range"].startswith("bytes 768-")
    assert sum(len(r.content) for r in second_puts) == size - 768
    assert "768" in err  # the bidder is told it resumed
    assert_received_intact(platform, envelope)
    assert "回执编号" in out


def test_server_error_json_is_printed_with_its_rule(cli: Cli, platform: FakePlatform, envelope: Path) -> None:
    platform.refuse["create"] = error(
        403,
        "bid_deadline_passed",
        "投标截止时间已过，不再接收投标文件",
        "The bid deadline has passed; no more bids are accepted",
        rule={
            "citation": "《招标投标法》第二十八条",
            "text": "在招标文件要求提交投标文件的截止时间后送达的投标文件，招标人应当拒收。",
        },
    )
    code, out, err, _ = upload(cli, envelope)
    assert code == 1
    assert "投标截止时间已过，不再接收投标文件" in err
    assert "The bid deadline has passed; no more bids are accepted" in err
    assert "《招标投标法》第二十八条" in err
    assert "bid_deadline_passed" in err
    assert out == ""
    assert platform.requests("PUT") == []


def test_a_bad_token_is_reported(cli: Cli, platform: FakePlatform, envelope: Path) -> None:
    run = cli("upload", envelope, "--server", SERVER, "--token", "wrong")
    assert run.code == 1
    assert "missing or invalid token" in run.stderr
    assert "HTTP 401" in run.stderr


def test_receipt_with_another_digest_is_rejected(cli: Cli, platform: FakePlatform, envelope: Path) -> None:
    platform.receipt_sm3 = sm3_hex(b"some other envelope")
    code, out, err, _ = upload(cli, envelope)
    assert code == 1
    assert "the receipt attests a different envelope" in err
    assert envelope_sm3(envelope) in err
    assert not envelope.with_name(envelope.name + ".receipt.json").exists()
    kept = envelope.with_name(envelope.name + ".receipt.unverified.json")
    assert Receipt.from_json(kept.read_bytes())  # kept as evidence
    assert "回执编号" not in out


def test_receipt_signed_by_another_key_is_rejected(
    cli: Cli, platform: FakePlatform, envelope: Path, other_key: Sm2PrivateKey
) -> None:
    platform.receipt_key = other_key
    code, _, err, _ = upload(cli, envelope)
    assert code == 1
    assert "signature or format is invalid" in err
    assert not envelope.with_name(envelope.name + ".receipt.json").exists()


def test_pinned_platform_key_must_match_the_served_one(
    tmp_path: Path,
    cli: Cli,
    platform: FakePlatform,
    envelope: Path,
    other_key: Sm2PrivateKey,
    platform_key: Sm2PrivateKey,
) -> None:
    pinned = tmp_path / "platform.pub.pem"
    pinned.write_text(other_key.public_key.to_pem())
    code, _, err, _ = upload(cli, envelope, "--platform-key", pinned)
    assert code == 1
    assert "differs from the pinned one" in err
    pinned.write_text(platform_key.public_key.to_pem())
    assert upload(cli, envelope, "--platform-key", pinned)[0] == 0


def test_a_file_that_is_not_an_intact_envelope_is_not_uploaded(
    tmp_path: Path, cli: Cli, platform: FakePlatform, envelope: Path
) -> None:
    junk = tmp_path / "junk.gbe"
    junk.write_bytes(b"PK not really")
    code, _, err, _ = upload(cli, junk)
    assert code == 1
    assert "not an intact envelope" in err
    damaged = tmp_path / "damaged.gbe"
    data = bytearray(envelope.read_bytes())
    data[100] ^= 1
    damaged.write_bytes(bytes(data))
    assert upload(cli, damaged)[0] == 1
    assert platform.log == []


def test_protocol_violations_are_reported(platform: FakePlatform, envelope: Path) -> None:
    platform.refuse["create"] = httpx.Response(
        201, json={"upload_id": "x", "offset": 10**9, "chunk_size": 10}
    )
    with platform.client() as http, pytest.raises(ProtocolError, match="offset"):
        UploadClient(http, SERVER, TOKEN).upload(envelope)


def test_bad_server_url_and_missing_token(cli: Cli, envelope: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = cli("upload", envelope, "--server", "ftp://x", "--token", TOKEN)
    assert run.code == 1
    assert "invalid server URL" in run.stderr
    monkeypatch.delenv("GGZY_BID_TOKEN", raising=False)
    run = cli("upload", envelope, "--server", SERVER)
    assert run.code == 1
    assert "no API token" in run.stderr
    monkeypatch.setenv("GGZY_BID_TOKEN", TOKEN)
    assert cli("upload", envelope, "--server", SERVER).code == 0


def test_bidder_metadata_is_what_was_sealed(platform: FakePlatform, envelope: Path, cli: Cli) -> None:
    assert upload(cli, envelope)[0] == 0
    (record,) = platform.uploads.values()
    assert (record.lot, record.bidder) == (LOT, BIDDER)
