"""X.509 certificates with SM2 keys from the recognised CAs (R3.2 互认), checked before one is registered.

The recognised CAs are configured, not typed in: every CA certificate (PEM or DER) in the folder
`settings.CA_ROOTS_DIR` (`GGZY_CA_ROOTS_DIR`), plus the files in `settings.CA_ROOT_FILES`
(`GGZY_CA_ROOT_FILES`), is a trust anchor — several CAs at once, each named by its subject CN. Each CA's
certificate revocation list lives in the same folder (`*.crl`, `*.crl.pem`, or an "X509 CRL" PEM block in
any file); it is recognised by its issuer name and its SM2 signature.

A certificate is accepted when:
  * it parses as X.509 (asn1crypto), its key is SM2 (id-ecPublicKey, curve 1.2.156.10197.1.301) and its
    signature algorithm is sm2sign-with-sm3 (1.2.156.10197.1.501);
  * a recognised CA issued it: the issuer name is the CA's subject and the SM2 signature (ID
    1234567812345678) over the TBSCertificate verifies with the CA's key; the CA itself is in its validity;
  * now is within its notBefore..notAfter;
  * the CA's current CRL (signed by the CA, nextUpdate not passed) is present and does not list its serial
    (without a current CRL the status is unknown and the certificate is refused, unless
    `GGZY_CA_REQUIRE_CRL=0`);
  * it is an end-entity certificate (not a CA) whose key usage, if stated, includes digitalSignature;
  * its subject names the entity's 统一社会信用代码. Convention (as Chinese CAs issue organisation
    certificates): the 18-character USCC is the subject **serialNumber** (2.5.4.5), or appears in an
    **OU** or the **CN** as a whole token (e.g. "CN=宁夏某某公司 91640100MA7XXXXXXX"; a code glued to
    other letters or digits does not count). Its check character must be right.

The SM2 primitives are ggzy_guomi's (the same module that seals bids); asn1crypto only parses and encodes.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings

from ggzy.kernel.codes import validate_uscc
from ggzy.kernel.errors import GgzyError, InvalidInput
from ggzy.kernel.timefmt import local_text, local_text_en
from ggzy.registry.rules import CA_MUTUAL_RECOGNITION
from ggzy_guomi import GuomiError, Sm2PublicKey, sm3_hex

log = logging.getLogger(__name__)

SM2_CURVE = "1.2.156.10197.1.301"
SM2_WITH_SM3 = "1.2.156.10197.1.501"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
USCC_TOKEN = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])")
# Extensions an end-entity certificate may mark critical (RFC 5280 4.2: refuse unknown critical ones).
KNOWN_CRITICAL = {
    "basic_constraints",
    "key_usage",
    "extended_key_usage",
    "subject_alt_name",
    "certificate_policies",
}
CERTIFICATE_EXTENSIONS = (".pem", ".crt", ".cer", ".der")
CRL_EXTENSIONS = (".crl",)


def refuse(code: str, zh: str, en: str, **details: object) -> InvalidInput:
    return InvalidInput(code, zh, en, rule=CA_MUTUAL_RECOGNITION, details=dict(details) or None)


# ---- parsing -------------------------------------------------------------------------------------


def _blocks(data: bytes, wanted: str) -> list[bytes]:
    """DER bodies of the PEM blocks labelled `wanted` in `data`, or `data` itself when it is DER."""
    if pem.detect(data):
        return [der for label, _, der in pem.unarmor(data, multiple=True) if label == wanted]
    return [data]


def parse_certificate(data: str | bytes) -> asn1_x509.Certificate:
    """The first certificate of a PEM text or a DER blob."""
    raw = data.encode("ascii", "replace") if isinstance(data, str) else bytes(data)
    try:
        ders = _blocks(raw.strip(), "CERTIFICATE")
        if not ders:
            raise ValueError("no CERTIFICATE block")
        cert = asn1_x509.Certificate.load(ders[0], strict=True)
        cert.native  # noqa: B018 - parses every field now, so a malformed one fails here
    except (ValueError, TypeError, KeyError) as exc:
        raise refuse(
            "certificate_format",
            "不是有效的X.509数字证书（PEM或DER）",
            f"Not a valid X.509 certificate (PEM or DER): {exc}",
        ) from exc
    return cert


def sm2_key(cert: asn1_x509.Certificate) -> Sm2PublicKey:
    """The certificate's SM2 public key; other key types are refused."""
    spki = cert["tbs_certificate"]["subject_public_key_info"]
    algorithm = spki["algorithm"]
    curve = algorithm["parameters"]
    if algorithm["algorithm"].dotted != EC_PUBLIC_KEY or curve.chosen.__class__.__name__ != "NamedCurve":
        raise _not_sm2()
    if curve.chosen.dotted != SM2_CURVE:
        raise _not_sm2()
    try:
        return Sm2PublicKey.from_der(spki.dump())
    except GuomiError as exc:
        raise _not_sm2() from exc


def _not_sm2() -> InvalidInput:
    return refuse(
        "certificate_not_sm2",
        "证书公钥不是SM2密钥（须为国密SM2证书）",
        "The certificate's key is not an SM2 key (a national-crypto SM2 certificate is required)",
    )


def signed_by(signed: asn1_x509.Certificate | asn1_crl.CertificateList, key: Sm2PublicKey) -> bool:
    """Whether `signed` carries a valid sm2sign-with-sm3 signature of `key` (ID 1234567812345678)."""
    if isinstance(signed, asn1_x509.Certificate):
        tbs, value = signed["tbs_certificate"], signed["signature_value"]
    else:
        tbs, value = signed["tbs_cert_list"], signed["signature"]
    outer = signed["signature_algorithm"]
    if outer["algorithm"].dotted != SM2_WITH_SM3 or tbs["signature"].dump() != outer.dump():
        return False
    try:
        key.verify(tbs.dump(), value.native)
    except GuomiError:
        return False
    return True


def name_text(name: asn1_x509.Name) -> str:
    return name.human_friendly


def ca_display_name(cert: asn1_x509.Certificate) -> str:
    attrs = cert.subject.native
    value = attrs.get("common_name") or attrs.get("organization_name") or cert.subject.human_friendly
    return (value[0] if isinstance(value, list) else str(value))[:100]


# ---- the recognised CAs --------------------------------------------------------------------------


@dataclass
class RecognisedCa:
    name: str
    certificate: asn1_x509.Certificate
    key: Sm2PublicKey
    source: Path
    crls: list[asn1_crl.CertificateList] = field(default_factory=list)


def _ca_files() -> list[Path]:
    files: list[Path] = []
    folder = Path(settings.CA_ROOTS_DIR) if settings.CA_ROOTS_DIR else None
    if folder is not None and folder.is_dir():
        files += sorted(p for p in folder.iterdir() if p.is_file())
    files += [Path(p) for p in settings.CA_ROOT_FILES]
    return files


def recognised_cas() -> list[RecognisedCa]:
    """The configured CAs, each with the CRLs it signed. Read from disk on every call (a handful of small
    files), so a CA or a new CRL dropped into the folder counts at once."""
    cas: list[RecognisedCa] = []
    crls: list[asn1_crl.CertificateList] = []
    for path in _ca_files():
        name = path.name.lower()
        try:
            data = path.read_bytes()
        except OSError as exc:
            log.warning("CA file %s unreadable: %s", path, exc)
            continue
        try:
            if pem.detect(data):
                for label, _, der in pem.unarmor(data, multiple=True):
                    if label == "CERTIFICATE":
                        _add_ca(cas, asn1_x509.Certificate.load(der), path)
                    elif label == "X509 CRL":
                        crls.append(asn1_crl.CertificateList.load(der))
            elif name.endswith(CRL_EXTENSIONS):
                crls.append(asn1_crl.CertificateList.load(data))
            elif name.endswith(CERTIFICATE_EXTENSIONS):
                _add_ca(cas, asn1_x509.Certificate.load(data), path)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("CA file %s is not a certificate or CRL: %s", path, exc)
    for revocation_list in crls:
        for ca in cas:
            if revocation_list.issuer == ca.certificate.subject and signed_by(revocation_list, ca.key):
                ca.crls.append(revocation_list)
                break
        else:
            log.warning("a CRL of %s matches no recognised CA", revocation_list.issuer.human_friendly)
    return cas


def _add_ca(cas: list[RecognisedCa], cert: asn1_x509.Certificate, path: Path) -> None:
    try:
        cert.native  # noqa: B018
        key = sm2_key(cert)
    except (GgzyError, ValueError, TypeError, KeyError) as exc:
        log.warning("CA certificate in %s skipped (not an SM2 certificate): %s", path, exc)
        return
    if not cert.ca:
        log.warning("certificate in %s skipped: not a CA certificate (basicConstraints cA)", path)
        return
    cas.append(RecognisedCa(ca_display_name(cert), cert, key, path))


def recognised_ca_names() -> list[str]:
    return [ca.name for ca in recognised_cas()]


# ---- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedCertificate:
    issuer: str
    serial: str  # upper-case hex, as CAs print it
    subject: str
    uscc: str
    public_key: Sm2PublicKey
    valid_from: datetime
    valid_until: datetime
    pem: str
    fingerprint: str  # SM3 of the DER


def _usccs_in_subject(cert: asn1_x509.Certificate) -> list[str]:
    """The valid USCCs in the subject's serialNumber, OU and CN values (the documented convention)."""
    found: list[str] = []
    for rdn in cert.subject.chosen:
        for atv in rdn:
            if atv["type"].native not in {"serial_number", "organizational_unit_name", "common_name"}:
                continue
            value = atv["value"].native
            for token in USCC_TOKEN.findall(str(value).upper()):
                try:
                    found.append(validate_uscc(token))
                except InvalidInput:
                    continue
    return found


def _issuer_of(cert: asn1_x509.Certificate, cas: list[RecognisedCa]) -> RecognisedCa:
    for ca in cas:
        if cert.issuer == ca.certificate.subject and signed_by(cert, ca.key):
            return ca
    names = "、".join(ca.name for ca in cas) or "（未配置）"
    raise refuse(
        "ca_not_recognised",
        f"证书颁发机构“{cert.issuer.human_friendly}”不在平台认可的电子认证服务机构中，或证书签名无效。认可的CA：{names}",
        f"The certificate is not validly signed by a recognised CA ('{cert.issuer.human_friendly}'); "
        f"recognised: {', '.join(ca.name for ca in cas) or 'none configured'}",
        issuer=cert.issuer.human_friendly,
    )


def _check_revocation(cert: asn1_x509.Certificate, ca: RecognisedCa, now: datetime) -> None:
    current = [c for c in ca.crls if c["tbs_cert_list"]["next_update"].native is not None]
    current = [c for c in current if c["tbs_cert_list"]["next_update"].native >= now]
    if not current:
        if ca.crls:
            raise refuse(
                "crl_stale",
                f"{ca.name}的证书吊销列表（CRL）已过更新期，无法确认证书状态，请稍后再试",
                f"The CRL of {ca.name} is past its next update: the certificate's status is unknown",
                ca=ca.name,
            )
        if settings.CA_REQUIRE_CRL:
            raise refuse(
                "crl_unavailable",
                f"平台未配置{ca.name}的证书吊销列表（CRL），无法确认证书状态",
                f"No CRL of {ca.name} is configured: the certificate's status is unknown",
                ca=ca.name,
            )
        return
    latest = max(current, key=lambda c: c["tbs_cert_list"]["this_update"].native)
    serial = cert.serial_number
    for entry in latest["tbs_cert_list"]["revoked_certificates"]:
        if entry["user_certificate"].native == serial:
            when = entry["revocation_date"].native
            raise refuse(
                "certificate_revoked",
                f"该证书已被{ca.name}吊销（{local_text(when)}），不能登记",
                f"The certificate was revoked by {ca.name} on {local_text_en(when)}",
                serial=f"{serial:X}",
            )


def verify_certificate(data: str | bytes, uscc: str, now: datetime) -> VerifiedCertificate:
    """Verify a certificate for the entity `uscc` at `now`; raise a refusal naming the failed check."""
    cert = parse_certificate(data)
    key = sm2_key(cert)
    if cert["signature_algorithm"]["algorithm"].dotted != SM2_WITH_SM3:
        raise refuse(
            "certificate_not_sm2",
            "证书签名算法不是SM2-with-SM3",
            "The certificate is not signed with sm2sign-with-sm3",
        )
    ca = _issuer_of(cert, recognised_cas())
    ca_validity = ca.certificate["tbs_certificate"]["validity"]
    if not ca_validity["not_before"].native <= now <= ca_validity["not_after"].native:
        raise refuse(
            "ca_expired",
            f"颁发机构{ca.name}的根证书不在有效期内",
            f"The certificate of the CA {ca.name} is not valid now",
        )
    valid_from, valid_until = cert.not_valid_before, cert.not_valid_after
    if now < valid_from:
        raise refuse(
            "certificate_not_yet_valid",
            f"证书尚未生效（生效时间 {local_text(valid_from)}）",
            f"The certificate is not valid before {local_text_en(valid_from)}",
        )
    if now > valid_until:
        raise refuse(
            "certificate_expired",
            f"证书已过期（失效时间 {local_text(valid_until)}）",
            f"The certificate expired at {local_text_en(valid_until)}",
        )
    _check_revocation(cert, ca, now)
    if cert.ca:
        raise refuse(
            "certificate_is_ca", "这是CA证书，不是主体证书", "This is a CA certificate, not an entity's"
        )
    unknown = sorted(set(cert.critical_extensions) - KNOWN_CRITICAL)
    if unknown:
        raise refuse(
            "certificate_extension",
            f"证书含有平台无法处理的关键扩展：{'、'.join(unknown)}",
            f"The certificate has critical extensions the platform does not process: {', '.join(unknown)}",
        )
    usage = cert.key_usage_value
    if usage is not None and "digital_signature" not in usage.native:
        raise refuse(
            "certificate_key_usage",
            "证书的密钥用法不含数字签名",
            "The certificate's key usage does not include digitalSignature",
        )
    found = _usccs_in_subject(cert)
    if not found:
        raise refuse(
            "certificate_uscc_missing",
            "证书主体中未找到统一社会信用代码（应在 serialNumber，或 OU、CN 中）",
            "The certificate subject names no USCC (expected in serialNumber, or in an OU or the CN)",
        )
    if uscc not in found:
        raise refuse(
            "certificate_uscc_mismatch",
            f"证书属于统一社会信用代码为{found[0]}的主体，不是{uscc}",
            f"The certificate belongs to the entity {found[0]}, not {uscc}",
            certificate_uscc=found[0],
        )
    der = cert.dump()
    return VerifiedCertificate(
        issuer=ca.name,
        serial=f"{cert.serial_number:X}",
        subject=cert.subject.human_friendly[:500],
        uscc=uscc,
        public_key=key,
        valid_from=valid_from,
        valid_until=valid_until,
        pem=pem.armor("CERTIFICATE", der).decode("ascii"),
        fingerprint=sm3_hex(der),
    )


# ---- proof of possession -------------------------------------------------------------------------


def challenge_message(uscc: str, nonce: str) -> bytes:
    """What the holder signs: bound to the purpose and the entity, so the signature serves nothing else
    (it is not a bid manifest, a document or a report)."""
    return f"GGZY 数字证书持有证明 / certificate proof of possession\nUSCC: {uscc}\nchallenge: {nonce}\n".encode()


def parse_signature(text: str) -> bytes:
    """A DER SM2 signature given as hex or base64."""
    import base64
    import binascii

    text = (text or "").strip()
    try:
        return bytes.fromhex(text)
    except ValueError:
        pass
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(
            "signature_format",
            "签名应为DER编码的SM2签名（hex或base64）",
            "The signature must be a DER SM2 signature in hex or base64",
        ) from exc
