"""A small SM2 certificate authority: the demo CA of `ggzy demo` / `ggzy simulate`, and the CAs the test
suite builds. It writes what a real CA publishes — its certificate and its CRL — into the recognised-CA
folder (`settings.CA_ROOTS_DIR`); its private key stays in a separate file.

Certificates are encoded with asn1crypto and signed with ggzy_guomi's SM2 (sm2sign-with-sm3, ID
1234567812345678), as GM/T 0015 certificates are. This is the platform's demonstration authority, not a
real 电子认证服务机构: in production the folder holds the roots of the licensed CAs only.
"""

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings

from ggzy.kernel import clock
from ggzy.registry.certificates import SM2_WITH_SM3, ca_display_name
from ggzy_guomi import Sm2PrivateKey, Sm2PublicKey

DEMO_CA_NAME = "GGZY演示CA（仅供演示）"
_ALGORITHM = {"algorithm": SM2_WITH_SM3}


def _time(moment: datetime) -> asn1_x509.Time:
    moment = moment.astimezone(UTC).replace(microsecond=0)
    return asn1_x509.Time({"utc_time" if moment.year < 2050 else "general_time": moment})


def _name(attrs: dict[str, str]) -> asn1_x509.Name:
    return asn1_x509.Name.build(attrs, use_printable=False)


def _sign(tbs: asn1_x509.TbsCertificate, key: Sm2PrivateKey) -> asn1_x509.Certificate:
    return asn1_x509.Certificate(
        {"tbs_certificate": tbs, "signature_algorithm": _ALGORITHM, "signature_value": key.sign(tbs.dump())}
    )


def _extensions(*, ca: bool, usage: set[str]) -> list[dict[str, object]]:
    return [
        {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": ca}},
        {"extn_id": "key_usage", "critical": True, "extn_value": usage},
    ]


@dataclass
class CertificateAuthority:
    """An SM2 CA: its key, its self-signed certificate and the serials it has revoked."""

    key: Sm2PrivateKey
    certificate: asn1_x509.Certificate
    revoked: dict[int, datetime] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        name: str,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        organization: str = "GGZY",
    ) -> "CertificateAuthority":
        now = clock.now()
        key = Sm2PrivateKey.generate()
        subject = _name({"country_name": "CN", "organization_name": organization, "common_name": name})
        tbs = asn1_x509.TbsCertificate(
            {
                "version": "v3",
                "serial_number": secrets.randbits(63) | 1,
                "signature": _ALGORITHM,
                "issuer": subject,
                "validity": {
                    "not_before": _time(not_before or now - timedelta(days=3650)),
                    "not_after": _time(not_after or now + timedelta(days=7300)),
                },
                "subject": subject,
                "subject_public_key_info": asn1_keys.PublicKeyInfo.load(key.public_key.to_der()),
                "extensions": _extensions(ca=True, usage={"key_cert_sign", "crl_sign"}),
            }
        )
        return cls(key, _sign(tbs, key))

    @property
    def name(self) -> str:
        return ca_display_name(self.certificate)

    @property
    def certificate_pem(self) -> str:
        return pem.armor("CERTIFICATE", self.certificate.dump()).decode("ascii")

    def issue(
        self,
        uscc: str,
        holder: str,
        public_key: Sm2PublicKey,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        serial: int | None = None,
        where: str = "serial_number",
        ca: bool = False,
    ) -> str:
        """An organisation certificate (PEM) for the entity `uscc`. `where` puts the USCC in the subject's
        serialNumber (the default), an OU ("organizational_unit_name") or the CN ("common_name")."""
        now = clock.now()
        attrs = {"country_name": "CN", "organization_name": holder, "common_name": holder}
        if where == "common_name":
            attrs["common_name"] = f"{holder} {uscc}"
        else:
            attrs[where] = uscc
        tbs = asn1_x509.TbsCertificate(
            {
                "version": "v3",
                "serial_number": serial if serial is not None else secrets.randbits(63) | 1,
                "signature": _ALGORITHM,
                "issuer": self.certificate.subject,
                "validity": {
                    "not_before": _time(not_before or now - timedelta(days=1)),
                    "not_after": _time(not_after or now + timedelta(days=730)),
                },
                "subject": _name(attrs),
                "subject_public_key_info": asn1_keys.PublicKeyInfo.load(public_key.to_der()),
                "extensions": _extensions(
                    ca=ca,
                    usage={"key_cert_sign"} if ca else {"digital_signature", "non_repudiation"},
                ),
            }
        )
        return pem.armor("CERTIFICATE", _sign(tbs, self.key).dump()).decode("ascii")

    def revoke(self, certificate_pem: str, when: datetime | None = None) -> int:
        _, _, der = pem.unarmor(certificate_pem.encode("ascii"))
        serial = int(asn1_x509.Certificate.load(der).serial_number)
        self.revoked[serial] = when or clock.now()
        return serial

    def crl_pem(self, *, this_update: datetime | None = None, next_update: datetime | None = None) -> str:
        now = clock.now()
        tbs: dict[str, object] = {
            "version": "v2",
            "signature": _ALGORITHM,
            "issuer": self.certificate.subject,
            "this_update": _time(this_update or now - timedelta(days=1)),
            "next_update": _time(next_update or now + timedelta(days=1095)),
        }
        if self.revoked:
            tbs["revoked_certificates"] = [
                {"user_certificate": serial, "revocation_date": _time(when)}
                for serial, when in sorted(self.revoked.items())
            ]
        body = asn1_crl.TbsCertList(tbs)
        signed = asn1_crl.CertificateList(
            {
                "tbs_cert_list": body,
                "signature_algorithm": _ALGORITHM,
                "signature": self.key.sign(body.dump()),
            }
        )
        return pem.armor("X509 CRL", signed.dump()).decode("ascii")

    def publish(self, folder: Path, slug: str, *, with_crl: bool = True, **crl_times: datetime) -> None:
        """Write the CA certificate (`slug`.pem) and its current CRL (`slug`.crl.pem) into `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{slug}.pem").write_text(self.certificate_pem, encoding="ascii")
        if with_crl:
            (folder / f"{slug}.crl.pem").write_text(self.crl_pem(**crl_times), encoding="ascii")

    def save_key(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.key.to_pem(), encoding="ascii")
        path.chmod(0o600)


def demo_ca() -> CertificateAuthority:
    """The demo CA: created once (key in `settings.DEMO_CA_KEY_FILE`, certificate and CRL in the
    recognised-CA folder), then reused; its CRL is re-issued when it nears its next update."""
    folder = Path(settings.CA_ROOTS_DIR)
    key_file = Path(settings.DEMO_CA_KEY_FILE)
    cert_file = folder / "ggzy-demo-ca.pem"
    if key_file.exists() and cert_file.exists():
        key = Sm2PrivateKey.from_pem(key_file.read_bytes())
        _, _, der = pem.unarmor(cert_file.read_bytes())
        certificate = asn1_x509.Certificate.load(der)
        if Sm2PublicKey.from_der(certificate.public_key.dump()) == key.public_key:
            authority = CertificateAuthority(key, certificate)
            crl_file = folder / "ggzy-demo-ca.crl.pem"
            if crl_file.exists():
                _, _, crl_der = pem.unarmor(crl_file.read_bytes())
                tbs = asn1_crl.CertificateList.load(crl_der)["tbs_cert_list"]
                authority.revoked = {
                    e["user_certificate"].native: e["revocation_date"].native
                    for e in tbs["revoked_certificates"]
                }
                if tbs["next_update"].native > clock.now() + timedelta(days=30):
                    return authority
            authority.publish(folder, "ggzy-demo-ca")
            return authority
    authority = CertificateAuthority.create(DEMO_CA_NAME)
    authority.save_key(key_file)
    authority.publish(folder, "ggzy-demo-ca")
    return authority
