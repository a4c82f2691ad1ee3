"""`ggzy-bid decrypt` (key release at the opening) and `ggzy-bid verify-receipt`."""

import json
from pathlib import Path

import pytest

from bid_tests.conftest import BID_FILES, LOT, Cli
from bid_tests.fake_platform import OPENED_AT, SERVER, TOKEN, FakePlatform, error
from ggzy_guomi import Sm2PrivateKey, envelope_sm3, open_envelope, peek_manifest, sm3_hex


@pytest.fixture
def uploaded(cli: Cli, envelope: Path) -> Path:
    run = cli("upload", envelope, "--server", SERVER, "--token", TOKEN)
    assert run.code == 0, run.stderr
    return envelope


def decrypt(cli: Cli, envelope: Path, key_file: Path) -> tuple[int, str, str]:
    run = cli("decrypt", envelope, "--key", key_file, "--server", SERVER, "--token", TOKEN)
    return run.code, run.stdout, run.stderr


def test_decrypt_posts_exactly_the_keys_that_open_the_envelope(
    cli: Cli, platform: FakePlatform, uploaded: Path, key_file: Path, opening_key: Sm2PrivateKey
) -> None:
    code, out, err = decrypt(cli, uploaded, key_file)
    assert code == 0, err
    (request,) = [r for r in platform.requests("POST") if r.url.path.endswith("/decrypt")]
    assert request.url.path == f"/api/bids/{LOT}/decrypt"
    body = json.loads(request.content)
    assert set(body) == {"sm3", "keys"}
    assert body["sm3"] == envelope_sm3(uploaded)
    # the keys are the envelope's content keys (the opening key unwraps the very same ones) …
    manifest = peek_manifest(uploaded)
    kid = opening_key.public_key.key_id
    assert body["keys"] == {f.name: opening_key.decrypt(f.wrapped_keys[kid]).hex() for f in manifest.files}
    # … and the platform opened the bid with them alone
    opened = platform.opened[LOT]
    assert opened.files == open_envelope(uploaded, opening_key).files
    assert {k: opened.files[k] for k in BID_FILES} == BID_FILES
    assert f"解密时间 (opened at): {OPENED_AT}" in out


def test_decrypt_with_a_key_that_is_not_a_recipient_sends_nothing(
    tmp_path: Path, cli: Cli, platform: FakePlatform, uploaded: Path, other_key: Sm2PrivateKey
) -> None:
    other = tmp_path / "other.pem"
    other.write_text(other_key.to_pem())
    other.chmod(0o600)
    requests_before = len(platform.log)
    code, _, err = decrypt(cli, uploaded, other)
    assert code == 1
    assert "did not seal the envelope" in err
    assert len(platform.log) == requests_before


def test_decrypt_refusal_is_printed_with_its_rule(
    cli: Cli, platform: FakePlatform, uploaded: Path, key_file: Path
) -> None:
    platform.refuse["decrypt"] = error(
        409,
        "opening_not_started",
        "开标尚未开始，不能解密",
        "The opening has not started yet",
        rule={
            "citation": "《招标投标法》第三十四条",
            "text": "开标应当在招标文件确定的提交投标文件截止时间的同一时间公开进行。",
        },
    )
    code, out, err = decrypt(cli, uploaded, key_file)
    assert code == 1
    assert "开标尚未开始，不能解密" in err
    assert "The opening has not started yet" in err
    assert "《招标投标法》第三十四条" in err
    assert out == ""
    assert platform.opened == {}


def test_decrypt_keys_that_do_not_open_are_refused_by_the_platform(
    cli: Cli, platform: FakePlatform, uploaded: Path, key_file: Path, tmp_path: Path, bid_dir: Path
) -> None:
    """A re-sealed copy of the same folder has other content keys and another SM3: the platform finds no
    such bid, so keys of one envelope can never be mistaken for another's."""
    resealed = tmp_path / "again.gbe"
    run = cli(
        "seal", bid_dir, "--key", key_file, "--lot", LOT, "--bidder", "91110000600037341L", "--out", resealed
    )
    assert run.code == 0
    code, _, err = decrypt(cli, resealed, key_file)
    assert code == 1
    assert "no such bid" in err


def test_decrypt_needs_a_server_or_local_only(
    cli: Cli, uploaded: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        cli("decrypt", uploaded, "--key", key_file)
    assert info.value.code == 2
    assert "--local-only" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli("decrypt", uploaded, "--key", key_file, "--local-only")


# --- verify-receipt ------------------------------------------------------------------------------------


@pytest.fixture
def platform_pem(tmp_path: Path, platform_key: Sm2PrivateKey) -> Path:
    path = tmp_path / "platform.pub.pem"
    path.write_text(platform_key.public_key.to_pem())
    return path


def receipt_of(envelope: Path) -> Path:
    return envelope.with_name(envelope.name + ".receipt.json")


def test_verify_receipt_offline(cli: Cli, uploaded: Path, platform_pem: Path) -> None:
    run = cli("verify-receipt", receipt_of(uploaded), "--platform-key", platform_pem, "--envelope", uploaded)
    assert run.code == 0, run.stderr
    assert "回执有效 (receipt is valid)，且与信封一致" in run.stdout
    assert envelope_sm3(uploaded) in run.stdout
    assert cli("verify-receipt", receipt_of(uploaded), "--platform-key", platform_pem).code == 0


def test_verify_receipt_fails_when_the_digest_differs(
    tmp_path: Path, cli: Cli, uploaded: Path, platform_pem: Path
) -> None:
    other = tmp_path / "other.gbe"
    other.write_bytes(uploaded.read_bytes() + b"\0")
    run = cli("verify-receipt", receipt_of(uploaded), "--platform-key", platform_pem, "--envelope", other)
    assert run.code == 1
    assert "the receipt attests a different envelope" in run.stderr
    assert sm3_hex(other.read_bytes()) in run.stderr


def test_verify_receipt_fails_when_tampered_or_with_another_key(
    tmp_path: Path, cli: Cli, uploaded: Path, platform_pem: Path, other_key: Sm2PrivateKey
) -> None:
    receipt = receipt_of(uploaded)
    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(receipt.read_bytes().replace(b"2026-03-02T09:00:00", b"2026-03-01T09:00:00"))
    assert tampered.read_bytes() != receipt.read_bytes()
    run = cli("verify-receipt", tampered, "--platform-key", platform_pem)
    assert run.code == 1
    assert "signature or format is invalid" in run.stderr
    run = cli("verify-receipt", receipt, "--platform-key", other_key.public_key.hex())
    assert run.code == 1
    assert "signature or format is invalid" in run.stderr
