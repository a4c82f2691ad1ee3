"""A receipt is provably in the audit chain, as of checkpoints the bidder kept (issue 10 §2)."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from ggzy.bidding.models import Bid
from ggzy.evaluation.tests.conftest import Opened, opened
from ggzy.kernel import audit
from ggzy.kernel.platform_key import platform_key
from ggzy.trading.tests.conftest import tender
from ggzy_bid.cli import Runtime, main
from ggzy_guomi import issue_receipt

__all__ = ["opened", "tender"]

pytestmark = pytest.mark.django_db


def run(*argv: str) -> tuple[int, str, str]:
    out: list[str] = []
    err: list[str] = []
    code = main(list(argv), Runtime(stdout=out.append, stderr=err.append))
    return code, "\n".join(out), "\n".join(err)


@pytest.fixture
def files(opened: Opened, tmp_path: Path) -> dict[str, Path]:
    bid = Bid.objects.get(receipt_no=opened.receipts[0])
    client = Client()
    client.force_login(User.objects.get(username="tb0"))
    response = client.get(f"/api/services/receipts/{bid.receipt_no}/inclusion")
    assert response.status_code == 200, response.content
    paths = {name: tmp_path / f"{name}.json" for name in ("receipt", "proof", "kept")}
    paths["receipt"].write_text(bid.receipt)
    paths["proof"].write_text(response.content.decode())
    call_command("audit_checkpoints", "--out", str(paths["kept"]))
    paths["key"] = tmp_path / "platform.pem"
    paths["key"].write_text(platform_key().public_key.to_pem())
    return paths


def test_a_real_receipt_is_in_the_chain(files: dict[str, Path]) -> None:
    proof = json.loads(files["proof"].read_text())
    assert set(proof) == {
        "format",
        "version",
        "tree_size",
        "leaf_index",
        "event",
        "payload",
        "path",
        "checkpoint",
    }
    assert proof["event"]["action"] == "bidding.complete_upload"
    code, out, err = run(
        "verify-receipt", str(files["receipt"]), "--platform-key", str(files["key"]),
        "--checkpoints", str(files["kept"]), "--proof", str(files["proof"]),
    )  # fmt: skip
    assert code == 0, err
    assert "审计链包含该回执" in out


def test_only_the_owner_gets_the_proof(opened: Opened) -> None:
    client = Client()
    client.force_login(User.objects.get(username="tb1"))
    other = client.get(f"/api/services/receipts/{opened.receipts[0]}/inclusion")
    missing = client.get("/api/services/receipts/HZ0000000000000000/inclusion")
    assert other.status_code == missing.status_code == 404
    assert other.json()["code"] == missing.json()["code"] == "receipt_not_found"


def test_attack_receipt_minted_with_the_platform_key(files: dict[str, Path], opened: Opened) -> None:
    """The platform key signs a receipt with a number the chain does not contain: its signature is
    valid (the old verify-receipt accepted it), the chain refuses it."""
    real = json.loads(files["receipt"].read_text())["payload"]
    forged = issue_receipt(
        envelope_sm3=real["envelope_sm3"],
        server_time=real["server_time"],
        tender_id=real["tender_id"],
        bidder_id=real["bidder_id"],
        receipt_no="HZ7777777777777777",
        platform_key=platform_key(),
        extra=real["extra"],
    )
    path = files["receipt"].with_name("forged.json")
    path.write_bytes(forged.to_json())
    assert run("verify-receipt", str(path), "--platform-key", str(files["key"]))[0] == 0  # the old check
    code, _, err = run(
        "verify-receipt", str(path), "--platform-key", str(files["key"]),
        "--checkpoints", str(files["kept"]), "--proof", str(files["proof"]),
    )  # fmt: skip
    assert code == 1 and "does not contain this receipt" in err and "HZ7777777777777777" in err
    # A proof forged to name the number (its event rehashed) no longer leads to the kept root.
    proof = json.loads(files["proof"].read_text())
    proof["payload"]["receipt_no"] = "HZ7777777777777777"
    proof["event"]["payload_digest"] = audit.sm3_hex(audit.canonical_bytes(proof["payload"]))
    files["proof"].write_text(json.dumps(proof))
    code, _, err = run(
        "verify-receipt", str(path), "--platform-key", str(files["key"]),
        "--checkpoints", str(files["kept"]), "--proof", str(files["proof"]),
    )  # fmt: skip
    assert code == 1 and "not in the audit chain" in err


def test_checkpoints_need_a_proof_or_a_server(files: dict[str, Path]) -> None:
    code, _, err = run(
        "verify-receipt", str(files["receipt"]), "--platform-key", str(files["key"]),
        "--checkpoints", str(files["kept"]),
    )  # fmt: skip
    assert code == 1 and "--proof" in err


def test_no_proof_before_the_deadline(opened: Opened) -> None:
    """Its leaf index is the event's place in the chain: two proofs of one bidder before the deadline
    would count the bids and downloads in between."""
    from ggzy.kernel import clock
    from ggzy.trading.models import Notice

    Notice.objects.filter(pk=opened.tender.notice.pk).update(bid_deadline=clock.now() + timedelta(days=1))
    client = Client()
    client.force_login(User.objects.get(username="tb0"))
    answer = client.get(f"/api/services/receipts/{opened.receipts[0]}/inclusion")
    assert answer.status_code == 403 and answer.json()["code"] == "inclusion_after_deadline"
