"""Test-data helpers (factories) shared by the test suites and the simulator."""

import itertools
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ggzy.kernel.codes import build_uscc
from ggzy.kernel.roles import Actor
from ggzy.registry.schemas import AccountIn, ContactIn, EntityForm

if TYPE_CHECKING:
    from ggzy.kernel.models import Notification
    from ggzy.registry.democa import CertificateAuthority
    from ggzy.registry.models import Certificate, Entity
    from ggzy_guomi import Sm2PrivateKey, Sm2PublicKey

PASSWORD = "Secret-pass-2026"  # noqa: S105 - test accounts only

_serial = itertools.count(1)


def actor_of(username: str) -> Actor:
    from django.contrib.auth.models import User

    from ggzy.registry.auth import actor_for_user

    return actor_for_user(User.objects.get(username=username), "10.0.0.1")


def new_uscc(region: str = "640104", prefix: str = "91") -> str:
    return build_uscc(prefix, region, f"{next(_serial):08d}")


def entity_form(
    uscc: str | None = None, *, region: str = "640104", kinds: list[str] | None = None, **extra: Any
) -> EntityForm:

    data: dict[str, Any] = {
        "uscc": uscc or new_uscc(region),
        "name": f"宁夏测试建设工程有限公司{next(_serial)}",
        "kinds": kinds or ["bidder"],
        "legal_representative": "张建国",
        "address": "银川市兴庆区测试路1号",
        "region_code": region,
        "contacts": [ContactIn(name="刘海燕", mobile="13995000001", email="liu@example.cn")],
    }
    data.update(extra)
    return EntityForm(**data)


def account_form(username: str) -> AccountIn:
    return AccountIn(username=username, password=PASSWORD, name="赵志强", mobile="13995000002")


# ---- tendering ----------------------------------------------------------------------------------


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    """A Beijing wall-clock time."""
    from django.utils import timezone

    return timezone.make_aware(datetime(y, m, d, hh, mm))


def entity_with_key(kind: str, username: str, region: str = "640104") -> tuple["Entity", "Sm2PrivateKey"]:
    """A registered entity whose administrator `username` holds an SM2 key with a recognised certificate
    (issued by the demo CA, registered through the proof-of-possession challenge)."""
    from ggzy.registry.actions import register_entity
    from ggzy_guomi import Sm2PrivateKey

    entity = register_entity(
        Actor.anonymous(), entity_form(kinds=[kind], region=region), account_form(username)
    )
    key = Sm2PrivateKey.generate()
    register_key(username, entity.uscc, key)
    return entity, key


def register_key(
    username: str, uscc: str, key: "Sm2PrivateKey", ca: "CertificateAuthority | None" = None, **issue: Any
) -> "Certificate":
    """As an entity's administrator does it: `ca` (the demo CA by default) issues a certificate for `key`
    to the entity, the administrator gets a challenge, signs it with `key` and registers the certificate.
    `issue` goes to `CertificateAuthority.issue` (validity, serial, where the USCC is)."""
    from ggzy.registry.actions import issue_certificate_challenge, register_certificate
    from ggzy.registry.certificates import challenge_message
    from ggzy.registry.democa import demo_ca
    from ggzy.registry.models import Entity
    from ggzy.registry.schemas import CertificateIn

    authority = ca or demo_ca()
    holder = Entity.objects.get(uscc=uscc).name
    certificate = authority.issue(issue.pop("for_uscc", uscc), holder, key.public_key, **issue)
    actor = actor_of(username)
    challenge = issue_certificate_challenge(actor, uscc)
    signature = key.sign(challenge_message(uscc, challenge.nonce))
    return register_certificate(
        actor,
        uscc,
        CertificateIn(certificate=certificate, challenge=challenge.nonce, signature=signature.hex()),
    )


def bid_form(price: str, manager: str = "张工") -> bytes:
    import json

    form = {"price": price, "duration_days": 365, "quality": "合格", "project_manager": manager}
    return json.dumps(form, ensure_ascii=False).encode("utf-8")


def procurement_bid_form(price: str, brand: str = "", sme: bool = False) -> bytes:
    """The bid form of government procurement's tendering (trading.specs.PROCUREMENT_TENDER_SPEC)."""
    import json

    form = {"price": price, "delivery_days": 30, "brand": brand, "sme": sme}
    return json.dumps(form, ensure_ascii=False).encode("utf-8")


def seal_bid(
    lot_code: str,
    bidder: "Entity",
    key: "Sm2PrivateKey",
    price: str,
    extra: bytes = b"",
    also_for: "Sm2PublicKey | None" = None,
    form: bytes | None = None,
) -> bytes:
    """An envelope as `ggzy-bid seal` makes it (bid form + a technical file), sealed for the bidder."""
    from ggzy_guomi import JsonValue, seal_envelope

    files = {"bid-form.json": form or bid_form(price), "technical.txt": extra or "施工组织设计".encode()}
    metadata: dict[str, JsonValue] = {
        "lot": lot_code,
        "bidder": bidder.uscc,
        "fingerprint": {
            "mac_sm3": "0" * 64,
            "cpu_sm3": "1" * 64,
            "disk_sm3": "2" * 64,
            "tool_version": "test",
        },
    }
    recipients = [key.public_key] + ([also_for] if also_for is not None else [])
    return seal_envelope(files, signer=key, recipients=recipients, metadata=metadata)


def downgrade_to_v1(envelope: bytes, key: "Sm2PrivateKey") -> bytes:
    """The same sealed bid in envelope format v1, as a pre-issue-10 `ggzy-bid` wrote it (files unpadded,
    plaintext size and SM3 in the clear manifest), re-signed with the bidder's `key`, which must be one of
    its recipients. For tests of tenders that still accept v1; the golden v1 file in bidtool's tests
    checks that the real old writer's output still opens."""
    import io
    import json
    import zipfile

    from ggzy_guomi import canonical_json, open_envelope, sm3_hex, sm4_encrypt, unwrap_file_keys
    from ggzy_guomi.envelope import FORMAT, MANIFEST_ENTRY, SIGNATURE_ENTRY

    files = open_envelope(envelope, key).files
    keys = unwrap_file_keys(envelope, key)
    with zipfile.ZipFile(io.BytesIO(envelope)) as archive:
        doc = json.loads(archive.read(MANIFEST_ENTRY))
    doc["version"] = 1
    payloads: dict[str, bytes] = {}
    for index, record in enumerate(doc["files"]):
        name = record.pop("name")
        aad = canonical_json(
            {"envelope_id": doc["envelope_id"], "format": FORMAT, "name": name, "version": 1}
        )
        sealed = sm4_encrypt(keys[name], bytes.fromhex(record["nonce"]), files[name], aad)
        del record["key_commitment"]
        record.update(
            name=name,
            size=len(files[name]),
            sm3=sm3_hex(files[name]),
            ciphertext_size=len(sealed),
            ciphertext_sm3=sm3_hex(sealed),
        )
        payloads[f"payload/{index:04d}.bin"] = sealed
    manifest = canonical_json(doc)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        entries = {MANIFEST_ENTRY: manifest, SIGNATURE_ENTRY: key.sign(manifest), **payloads}
        for entry, data in entries.items():
            archive.writestr(zipfile.ZipInfo(entry, (1980, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


class CapturingNotifier:
    """A test SMS/e-mail gateway: what it was handed to send, in order (settings.NOTIFIER)."""

    sent: list[tuple[int, str, str]] = []  # (recipient id, subject, body)

    def send(self, notification: "Notification") -> None:
        CapturingNotifier.sent.append((notification.recipient_id, notification.subject, notification.body))
