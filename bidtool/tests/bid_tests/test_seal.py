"""`ggzy-bid seal` and `ggzy-bid decrypt --local-only`: refusals, metadata, round trip."""

import json
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

from bid_tests.conftest import BID_FILES, BID_FORM, LOT, Cli, make_bid_folder
from bid_tests.fake_platform import BIDDER
from ggzy_bid import TOOL_NAME
from ggzy_bid.bidform import parse_bid_form
from ggzy_bid.errors import BidFormError, InputError
from ggzy_bid.fingerprint import machine_fingerprint
from ggzy_bid.sealing import check_uscc
from ggzy_guomi import Sm2PrivateKey, envelope_sm3, open_envelope, verify_envelope


def seal(cli: Cli, folder: Path, key_file: Path, *extra: str | Path) -> tuple[int, str, str]:
    run = cli("seal", folder, "--key", key_file, "--lot", LOT, "--bidder", BIDDER, *extra)
    return run.code, run.stdout, run.stderr


def test_seal_and_local_decrypt_round_trip(
    tmp_path: Path,
    cli: Cli,
    bid_dir: Path,
    key_file: Path,
    bidder_key: Sm2PrivateKey,
    opening_key: Sm2PrivateKey,
    machine: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    pem = tmp_path / "opening.pub.pem"
    pem.write_text(opening_key.public_key.to_pem())
    code, out, err = seal(cli, bid_dir, key_file, "--opening-key", pem)
    assert code == 0, err
    envelope = tmp_path / f"{LOT}-{BIDDER}.gbe"  # the default name, in the current directory
    assert re.search(rf"^SM3: {envelope_sm3(envelope)}$", out, re.MULTILINE)

    manifest = verify_envelope(envelope, bidder_key.public_key)
    assert manifest.metadata == {
        "lot": LOT,
        "bidder": BIDDER,
        "fingerprint": machine_fingerprint(machine),
        "tool": TOOL_NAME,
    }
    assert {r.key_id for r in manifest.recipients} == {
        bidder_key.public_key.key_id,
        opening_key.public_key.key_id,
    }
    assert b"1234567.89" not in envelope.read_bytes()  # the price is sealed, not in the metadata
    expected = {"bid-form.json": (bid_dir / "bid-form.json").read_bytes(), **BID_FILES}
    assert open_envelope(envelope, opening_key, signer_public_key=bidder_key.public_key).files == expected

    run = cli("decrypt", envelope, "--key", key_file, "--local-only", "--out", tmp_path / "check")
    assert run.code == 0, run.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "check").iterdir()} == expected
    assert run.err == []
    assert cli.platform.log == []  # --local-only never contacts the server


def test_local_decrypt_with_another_key_fails(
    tmp_path: Path, cli: Cli, envelope: Path, other_key: Sm2PrivateKey
) -> None:
    other = tmp_path / "other.pem"
    other.write_text(other_key.to_pem())
    other.chmod(0o600)
    run = cli("decrypt", envelope, "--key", other, "--local-only", "--out", tmp_path / "x")
    assert run.code == 1
    assert "did not seal the envelope" in run.stderr
    assert not (tmp_path / "x").exists()


def test_seal_without_opening_key_has_only_the_bidder_as_recipient(
    tmp_path: Path, cli: Cli, bid_dir: Path, key_file: Path, bidder_key: Sm2PrivateKey
) -> None:
    out = tmp_path / "mine.gbe"
    assert seal(cli, bid_dir, key_file, "--out", out)[0] == 0
    assert [r.key_id for r in verify_envelope(out, bidder_key.public_key).recipients] == [
        bidder_key.public_key.key_id
    ]


def test_seal_refuses_a_folder_without_bid_form(tmp_path: Path, cli: Cli, key_file: Path) -> None:
    folder = make_bid_folder(tmp_path / "bid", form=None)
    code, _, err = seal(cli, folder, key_file, "--out", tmp_path / "x.gbe")
    assert code == 1
    assert "bid-form.json" in err
    assert "缺少" in err
    assert not (tmp_path / "x.gbe").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", 1234567.89),  # a JSON number, not a decimal string
        ("price", "0"),
        ("price", "0.00"),
        ("price", "-5"),
        ("price", "1,234.00"),
        ("price", "1e6"),
        ("price", "12.345"),
        ("price", " 12"),
        ("price", "abc"),
        ("duration_days", 0),
        ("duration_days", "365"),
        ("duration_days", True),
        ("quality", ""),
        ("project_manager", 7),
    ],
)
def test_seal_refuses_a_bad_bid_form_naming_the_field(
    tmp_path: Path, cli: Cli, key_file: Path, field: str, value: object
) -> None:
    folder = make_bid_folder(tmp_path / "bid", form={**BID_FORM, field: value})
    code, _, err = seal(cli, folder, key_file, "--out", tmp_path / "x.gbe")
    assert code == 1
    assert f"字段 {field}" in err
    assert f"（{field}: " in err
    assert not (tmp_path / "x.gbe").exists()


@pytest.mark.parametrize("field", ["price", "duration_days", "quality", "project_manager"])
def test_every_required_field_is_required(field: str) -> None:
    form = {k: v for k, v in BID_FORM.items() if k != field}
    with pytest.raises(BidFormError, match=f"字段 {field}：缺少") as info:
        parse_bid_form(json.dumps(form).encode())
    assert info.value.field == field


def test_bid_form_accepts_good_prices_and_extra_fields() -> None:
    for price in ("0.01", "1", "1234567.89", "100.5"):
        form = parse_bid_form(json.dumps({**BID_FORM, "price": price, "备注": "x"}).encode("utf-8-sig"))
        assert str(form.price) == price
    with pytest.raises(BidFormError, match="price"):
        parse_bid_form(
            b'{"price": "1.00", "price": "2.00", "duration_days": 1, "quality": "q", "project_manager": "p"}'
        )


@pytest.mark.parametrize("kind", ["subdirectory", "symlink", "hidden"])
def test_seal_refuses_anything_but_regular_files(
    tmp_path: Path, cli: Cli, bid_dir: Path, key_file: Path, kind: str
) -> None:
    if kind == "subdirectory":
        (bid_dir / "附件").mkdir()
        expected = "附件：子文件夹 (subdirectory)"
    elif kind == "symlink":
        os.symlink(key_file, bid_dir / "link.pdf")
        expected = "link.pdf：符号链接 (symbolic link)"
    else:
        (bid_dir / ".DS_Store").write_bytes(b"x")
        expected = ".DS_Store：隐藏文件 (hidden file)"
    code, _, err = seal(cli, bid_dir, key_file, "--out", tmp_path / "x.gbe")
    assert code == 1
    assert expected in err
    assert not (tmp_path / "x.gbe").exists()


def test_seal_refuses_writing_into_the_bid_folder_and_overwriting(
    tmp_path: Path, cli: Cli, bid_dir: Path, key_file: Path
) -> None:
    code, _, err = seal(cli, bid_dir, key_file, "--out", bid_dir / "x.gbe")
    assert code == 1
    assert "do not write the envelope into the bid folder" in err
    out = tmp_path / "x.gbe"
    assert seal(cli, bid_dir, key_file, "--out", out)[0] == 0
    first = out.read_bytes()
    code, _, err = seal(cli, bid_dir, key_file, "--out", out)
    assert code == 1
    assert "--force" in err
    assert out.read_bytes() == first
    assert seal(cli, bid_dir, key_file, "--out", out, "--force")[0] == 0
    assert out.read_bytes() != first


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--bidder", "9111000060003734IL", "other than I, O, Z, S, V"),
        ("--bidder", "9111000060003734", "must be 18"),
        ("--lot", "../etc", "lot code"),
        ("--lot", "标段一", "lot code"),
        ("--opening-key", "04abcd", "neither PEM text, a hex public key"),
        ("--opening-key", "04" + "11" * 64, "not a point on the SM2 curve"),
    ],
)
def test_seal_refuses_bad_identifiers(
    tmp_path: Path, cli: Cli, bid_dir: Path, key_file: Path, option: str, value: str, message: str
) -> None:
    argv = {"--lot": LOT, "--bidder": BIDDER, option: value}
    run = cli(
        "seal",
        bid_dir,
        "--key",
        key_file,
        *[x for kv in argv.items() for x in kv],
        "--out",
        tmp_path / "x.gbe",
    )
    assert run.code == 1
    assert message in run.stderr
    assert not (tmp_path / "x.gbe").exists()


def test_uscc_is_normalised_and_checked() -> None:
    assert check_uscc(" 91110000600037341l ") == "91110000600037341L"
    with pytest.raises(InputError):
        check_uscc("9111000060003734IL")  # I is never used


def test_seal_with_a_bad_key_file(tmp_path: Path, cli: Cli, bid_dir: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    code, _, err = seal(cli, bid_dir, bad, "--out", tmp_path / "x.gbe")
    assert code == 1
    assert "not a valid SM2 private key PEM" in err
    code, _, err = seal(cli, bid_dir, tmp_path / "missing.pem", "--out", tmp_path / "x.gbe")
    assert code == 1
    assert "cannot read private key file" in err


# The lot's form as the platform publishes it decides the fields (government procurement: 交货期, 品牌, 小微企业).
PROCUREMENT_FORM = {
    "fields": [
        {"name": "price", "label": "投标报价（元）", "kind": "amount", "required": True},
        {"name": "delivery_days", "label": "交货期（日）", "kind": "integer", "required": True},
        {"name": "brand", "label": "核心产品品牌", "kind": "text", "required": False},
        {"name": "sme", "label": "小微企业声明", "kind": "boolean", "required": False},
    ]
}


def test_a_lots_own_form_decides_the_fields() -> None:
    from ggzy_bid.bidform import form_fields_from_json

    fields = form_fields_from_json(PROCUREMENT_FORM)
    ok = parse_bid_form(json.dumps({"price": "4500000.00", "delivery_days": 30}).encode(), fields)
    assert ok.price == Decimal("4500000.00")  # brand and sme may be left out
    with pytest.raises(BidFormError) as missing:
        parse_bid_form(json.dumps({"price": "1.00", "duration_days": 30}).encode(), fields)
    assert missing.value.field == "delivery_days"
    with pytest.raises(BidFormError) as wrong:
        parse_bid_form(json.dumps({"price": "1.00", "delivery_days": 3, "sme": "是"}).encode(), fields)
    assert wrong.value.field == "sme"
    with pytest.raises(InputError):
        form_fields_from_json({"fields": [{"name": "price", "kind": "colour"}]})
