"""Issue 11 §2: certificates are real X.509 SM2 certificates from the recognised CAs (R3.2 互认), checked
for validity, revocation (each CA's CRL) and the entity's USCC, and registered by their holder with proof
of possession of the key.

The suite builds its own CA hierarchy: two recognised CAs (each with its CRL in the recognised-CA folder)
and one CA nobody configured. Attack first: on the old code any SM2 public key, pasted with a CA's name,
became an entity's "certificate".
"""

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from ggzy.kernel import clock
from ggzy.kernel.errors import GgzyError
from ggzy.kernel.models import AuditEvent
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import issue_certificate_challenge, register_certificate, register_entity
from ggzy.registry.certificates import challenge_message, recognised_ca_names, verify_certificate
from ggzy.registry.democa import CertificateAuthority
from ggzy.registry.models import Certificate, Entity
from ggzy.registry.schemas import CertificateIn
from ggzy.testing import account_form, actor_of, entity_form, new_uscc, register_key
from ggzy_guomi import Sm2PrivateKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def cas(vclock: object) -> dict[str, CertificateAuthority]:
    """Two recognised CAs with their CRLs, and a CA that is not recognised."""
    folder = settings.CA_ROOTS_DIR
    ningxia = CertificateAuthority.create("宁夏数字证书认证中心（测试）", organization="NXCA")
    cfca = CertificateAuthority.create("CFCA SM2 OCA（测试）", organization="CFCA")
    ningxia.publish(folder, "nxca")
    cfca.publish(folder, "cfca")
    rogue = CertificateAuthority.create("GGZY演示CA（仅供演示）")  # same name as a CA, never configured
    return {"nxca": ningxia, "cfca": cfca, "rogue": rogue}


@pytest.fixture
def entity(network: dict) -> Entity:
    return register_entity(Actor.anonymous(), entity_form(), account_form("alpha"))


def submit(entity: Entity, key: Sm2PrivateKey, pem: str, *, signer: Sm2PrivateKey | None = None) -> Any:
    actor = actor_of("alpha")
    challenge = issue_certificate_challenge(actor, entity.uscc)
    signature = (signer or key).sign(challenge_message(entity.uscc, challenge.nonce))
    return register_certificate(
        actor,
        entity.uscc,
        CertificateIn(certificate=pem, challenge=challenge.nonce, signature=signature.hex()),
    )


def refused(entity: Entity, key: Sm2PrivateKey, pem: str, **kw: Any) -> GgzyError:
    with pytest.raises(GgzyError) as err:
        submit(entity, key, pem, **kw)
    assert err.value.zh and err.value.en  # Chinese and English
    assert not Certificate.objects.exists()
    return err.value


def test_a_self_declared_key_is_not_a_certificate(cas: dict, entity: Entity, client: Client) -> None:
    """The attack of the old code: paste any SM2 key with a recognised CA's name."""
    client.force_login(entity.accounts.get().user)
    key = Sm2PrivateKey.generate()
    old_form = {
        "issuer": "CFCA",
        "serial": "SELF-1",
        "public_key": key.public_key.to_pem(),
        "valid_from": clock.now().isoformat(),
        "valid_until": (clock.now() + timedelta(days=365)).isoformat(),
    }
    response = client.post(
        f"/api/registry/entities/{entity.uscc}/certificates", old_form, content_type="application/json"
    )
    assert response.status_code == 422
    assert not Certificate.objects.exists()
    # Nor does a bare key in the certificate field.
    assert refused(entity, key, key.public_key.to_pem()).code == "certificate_format"


@pytest.mark.parametrize("ca", ["nxca", "cfca"])
def test_a_good_certificate_from_each_recognised_ca(cas: dict, entity: Entity, ca: str) -> None:
    key = Sm2PrivateKey.generate()
    cert = submit(entity, key, cas[ca].issue(entity.uscc, entity.name, key.public_key))
    assert cert.issuer == cas[ca].name
    assert cert.key_id == key.public_key.key_id
    assert entity.uscc in cert.subject
    assert cert.pem.startswith("-----BEGIN CERTIFICATE-----")
    event = AuditEvent.objects.get(action="registry.register_certificate")
    assert event.payload["fingerprint"] == cert.fingerprint
    assert set(recognised_ca_names()) == {cas["nxca"].name, cas["cfca"].name}


@pytest.mark.parametrize("where", ["organizational_unit_name", "common_name"])
def test_the_uscc_may_also_be_in_an_ou_or_the_cn(cas: dict, entity: Entity, where: str) -> None:
    key = Sm2PrivateKey.generate()
    assert submit(entity, key, cas["cfca"].issue(entity.uscc, entity.name, key.public_key, where=where))


def test_a_certificate_from_an_unrecognised_ca_is_refused(cas: dict, entity: Entity) -> None:
    key = Sm2PrivateKey.generate()
    err = refused(entity, key, cas["rogue"].issue(entity.uscc, entity.name, key.public_key))
    assert err.code == "ca_not_recognised"
    assert err.rule is not None and "第44条" in err.rule.citation


def test_a_forged_signature_of_a_recognised_ca_is_refused(cas: dict, entity: Entity) -> None:
    """Same issuer name as a recognised CA, signed by another key."""
    key = Sm2PrivateKey.generate()
    impostor = CertificateAuthority(Sm2PrivateKey.generate(), cas["nxca"].certificate)
    assert refused(entity, key, impostor.issue(entity.uscc, entity.name, key.public_key)).code == (
        "ca_not_recognised"
    )


def test_a_revoked_certificate_is_refused(cas: dict, entity: Entity) -> None:
    key = Sm2PrivateKey.generate()
    pem = cas["nxca"].issue(entity.uscc, entity.name, key.public_key)
    cas["nxca"].revoke(pem, clock.now() - timedelta(hours=1))
    cas["nxca"].publish(settings.CA_ROOTS_DIR, "nxca")  # the CA's new CRL
    assert refused(entity, key, pem).code == "certificate_revoked"


def test_an_expired_certificate_is_refused(cas: dict, entity: Entity) -> None:
    key = Sm2PrivateKey.generate()
    pem = cas["cfca"].issue(
        entity.uscc,
        entity.name,
        key.public_key,
        not_before=clock.now() - timedelta(days=800),
        not_after=clock.now() - timedelta(days=1),
    )
    assert refused(entity, key, pem).code == "certificate_expired"
    future = cas["cfca"].issue(
        entity.uscc, entity.name, key.public_key, not_before=clock.now() + timedelta(days=2)
    )
    assert refused(entity, key, future).code == "certificate_not_yet_valid"


def test_a_certificate_of_another_entity_is_refused(cas: dict, entity: Entity) -> None:
    key = Sm2PrivateKey.generate()
    other = new_uscc()
    err = refused(entity, key, cas["nxca"].issue(other, "别的公司", key.public_key))
    assert err.code == "certificate_uscc_mismatch"
    assert other in err.zh


def test_no_uscc_in_the_subject_is_refused(cas: dict, entity: Entity) -> None:
    key = Sm2PrivateKey.generate()
    pem = cas["nxca"].issue("91640104MA7ABCDE1X"[:17] + "Q", entity.name, key.public_key)  # bad check digit
    assert refused(entity, key, pem).code == "certificate_uscc_missing"


def test_possession_of_the_key_is_proven(cas: dict, entity: Entity) -> None:
    """A genuine certificate of the entity, but the submitter does not hold its key."""
    key = Sm2PrivateKey.generate()
    pem = cas["nxca"].issue(entity.uscc, entity.name, key.public_key)
    assert refused(entity, key, pem, signer=Sm2PrivateKey.generate()).code == "possession_not_proven"
    assert submit(entity, key, pem)


def test_the_challenge_is_single_use_short_lived_and_personal(cas: dict, entity: Entity) -> None:
    from ggzy.registry.actions import add_entity_user

    key = Sm2PrivateKey.generate()
    pem = cas["nxca"].issue(entity.uscc, entity.name, key.public_key)
    actor = actor_of("alpha")
    challenge = issue_certificate_challenge(actor, entity.uscc)
    form = CertificateIn(
        certificate=pem,
        challenge=challenge.nonce,
        signature=key.sign(challenge_message(entity.uscc, challenge.nonce)).hex(),
    )
    # Another administrator of the same entity cannot redeem alpha's challenge.
    add_entity_user(actor, entity.uscc, account_form("alpha2"), is_admin=True)
    with pytest.raises(GgzyError) as err:
        register_certificate(actor_of("alpha2"), entity.uscc, form)
    assert err.value.code == "challenge_invalid"
    # Expired after its short life.
    clock.advance(timedelta(seconds=settings.CERTIFICATE_CHALLENGE_SECONDS + 1))
    with pytest.raises(GgzyError) as err:
        register_certificate(actor, entity.uscc, form)
    assert err.value.code == "challenge_invalid"
    assert submit(entity, key, pem)  # a fresh one works


def test_a_replayed_challenge_is_refused(cas: dict, entity: Entity) -> None:
    key, second = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    actor = actor_of("alpha")
    challenge = issue_certificate_challenge(actor, entity.uscc)
    message = challenge_message(entity.uscc, challenge.nonce)
    pem = cas["nxca"].issue(entity.uscc, entity.name, key.public_key)
    register_certificate(
        actor,
        entity.uscc,
        CertificateIn(certificate=pem, challenge=challenge.nonce, signature=key.sign(message).hex()),
    )
    pem2 = cas["cfca"].issue(entity.uscc, entity.name, second.public_key)
    with pytest.raises(GgzyError) as err:
        register_certificate(
            actor,
            entity.uscc,
            CertificateIn(certificate=pem2, challenge=challenge.nonce, signature=second.sign(message).hex()),
        )
    assert err.value.code == "challenge_invalid"


def test_without_a_current_crl_the_status_is_unknown(cas: dict, entity: Entity) -> None:
    key = Sm2PrivateKey.generate()
    pem = cas["cfca"].issue(entity.uscc, entity.name, key.public_key)
    (settings.CA_ROOTS_DIR / "cfca.crl.pem").unlink()
    assert refused(entity, key, pem).code == "crl_unavailable"
    cas["cfca"].publish(
        settings.CA_ROOTS_DIR,
        "cfca",
        this_update=clock.now() - timedelta(days=10),
        next_update=clock.now() - timedelta(days=1),
    )
    assert refused(entity, key, pem).code == "crl_stale"


def test_a_ca_certificate_is_not_an_entity_certificate(cas: dict, entity: Entity) -> None:
    key = Sm2PrivateKey.generate()
    pem = cas["nxca"].issue(entity.uscc, entity.name, key.public_key, ca=True)
    assert refused(entity, key, pem).code == "certificate_is_ca"


def test_the_same_certificate_twice_is_a_conflict(cas: dict, entity: Entity) -> None:
    key = Sm2PrivateKey.generate()
    pem = cas["nxca"].issue(entity.uscc, entity.name, key.public_key)
    submit(entity, key, pem)
    with pytest.raises(GgzyError) as err:
        submit(entity, key, pem)
    assert err.value.code == "certificate_exists"


def test_openssl_certificates_are_accepted(cas: dict, entity: Entity, tmp_path: Any) -> None:
    """Interoperability: a CA and a certificate made by the OpenSSL command line (SM2, SM3, ID
    1234567812345678), as Chinese CAs' tools make them."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("no openssl command")
    run = lambda *args: subprocess.run(["openssl", *args], cwd=tmp_path, check=True, capture_output=True)  # noqa: E731
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", "ca.key")
    run("req", "-x509", "-new", "-key", "ca.key", "-sm3", "-sigopt", "distid:1234567812345678",
        "-subj", "/C=CN/O=OpenSSL Test/CN=OpenSSL SM2 CA", "-days", "3650", "-out", "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    key = Sm2PrivateKey.generate()
    (tmp_path / "leaf.key").write_text(key.to_pem())
    run("req", "-new", "-key", "leaf.key", "-sm3", "-sigopt", "distid:1234567812345678",
        "-subj", f"/C=CN/O=Test/CN=Test/serialNumber={entity.uscc}", "-out", "leaf.csr")  # fmt: skip
    (tmp_path / "ext.cnf").write_text("keyUsage=critical,digitalSignature,nonRepudiation\n")
    run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-sm3",
        "-sigopt", "distid:1234567812345678", "-vfyopt", "distid:1234567812345678",
        "-days", "365", "-set_serial", "4660", "-extfile", "ext.cnf", "-out", "leaf.pem")  # fmt: skip
    shutil.copy(tmp_path / "ca.pem", settings.CA_ROOTS_DIR / "openssl-ca.pem")
    settings.CA_REQUIRE_CRL = False  # this CA publishes no CRL
    from datetime import UTC, datetime

    now = datetime.now(UTC)  # OpenSSL dates its certificates by the real clock
    verified = verify_certificate((tmp_path / "leaf.pem").read_text(), entity.uscc, now)
    assert (verified.issuer, verified.serial) == ("OpenSSL SM2 CA", "1234")
    assert verified.public_key == key.public_key


def test_register_key_helper_is_what_the_suites_use(cas: dict, entity: Entity) -> None:
    key = Sm2PrivateKey.generate()
    cert = register_key("alpha", entity.uscc, key, ca=cas["cfca"])
    assert cert.issuer == cas["cfca"].name


# ---- re-checked against the CAs' current CRLs (a certificate revoked after its registration) -------------


def test_a_certificate_revoked_after_registration_stops_signing(cas: dict, entity: Entity) -> None:
    """Attack first: on the old code a certificate, once registered, stayed good whatever its CA published
    later: a stolen key, revoked by the CA, still signed bids."""
    from ggzy.kernel import chronograph
    from ggzy.kernel.models import Notification
    from ggzy.registry.queries import active_certificate

    key = Sm2PrivateKey.generate()
    pem = cas["nxca"].issue(entity.uscc, entity.name, key.public_key)
    cert = submit(entity, key, pem)
    clock.advance(timedelta(hours=2))
    chronograph.sweep()
    assert Certificate.objects.get(pk=cert.pk).revoked_at is None  # not due yet: checked daily
    cas["nxca"].revoke(pem, clock.now())
    cas["nxca"].publish(settings.CA_ROOTS_DIR, "nxca")  # the CA's new CRL
    assert active_certificate(entity, cert.key_id) is not None  # still in use until checked
    clock.advance(timedelta(days=1))
    chronograph.sweep()
    stopped = Certificate.objects.get(pk=cert.pk)
    assert stopped.revoked_at == clock.now() and stopped.next_check is None
    assert "吊销" in stopped.revoked_reason
    assert active_certificate(entity, cert.key_id) is None  # it signs nothing any more
    told = Notification.objects.filter(recipient=User.objects.get(username="alpha").pk)
    assert told.filter(subject="数字证书已停用").exists()
    assert AuditEvent.objects.filter(action="registry.recheck_certificate").count() == 1


def test_a_good_certificate_is_checked_again_daily_and_an_unknown_status_sooner(
    cas: dict, entity: Entity
) -> None:
    from ggzy.kernel import chronograph
    from ggzy.registry.rules import CERTIFICATE_RECHECK, CERTIFICATE_RECHECK_UNKNOWN

    key = Sm2PrivateKey.generate()
    cert = submit(entity, key, cas["cfca"].issue(entity.uscc, entity.name, key.public_key))
    clock.advance(CERTIFICATE_RECHECK)
    chronograph.sweep()
    assert Certificate.objects.get(pk=cert.pk).next_check == clock.now() + CERTIFICATE_RECHECK
    (settings.CA_ROOTS_DIR / "cfca.crl.pem").unlink()  # the CRL is gone: the status is unknown
    clock.advance(CERTIFICATE_RECHECK)
    chronograph.sweep()
    kept = Certificate.objects.get(pk=cert.pk)
    assert kept.revoked_at is None and kept.next_check == clock.now() + CERTIFICATE_RECHECK_UNKNOWN
