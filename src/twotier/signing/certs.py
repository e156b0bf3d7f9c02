"""Pure X.509 helpers: keys, the demo root CA, agency certificates, PEM and names. No database, no files."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

from twotier.org.models import AGENCY_ID_PATTERN

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

ROOT_COMMON_NAME = "TwoTier Demo Root CA — NOT FOR PRODUCTION"
ROOT_ORGANISATION = "TwoTier demo PKI"
ROOT_VALIDITY_YEARS = 20
AGENCY_VALIDITY_YEARS = 3
# Issued a minute in the past so a signing server whose clock lags slightly still accepts the certificate.
BACKDATE = dt.timedelta(minutes=1)

# Document-signing purposes. RFC 9336 is the standard one; Acrobat and Windows look for the other two.
EKU_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
EKU_MS_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")
EKU_ADOBE_AUTHENTIC_DOCUMENTS = ObjectIdentifier("1.2.840.113583.1.1.5")
AGENCY_EKUS = (EKU_DOCUMENT_SIGNING, EKU_MS_DOCUMENT_SIGNING, EKU_ADOBE_AUTHENTIC_DOCUMENTS)

_AGENCY_ID_RE = re.compile(AGENCY_ID_PATTERN.strip("^$"))


def new_private_key(key_type: str) -> PrivateKey:
    """Generate a private key of the given type (`ecdsa-p256` or `rsa-2048`)."""
    if key_type == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "rsa-2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unsupported key type {key_type!r}")


def key_type_of(key: object) -> str:
    """Describe a public or private key, e.g. `ecdsa-p256`, `rsa-2048`."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return f"rsa-{key.key_size}"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return {"secp256r1": "ecdsa-p256", "secp384r1": "ecdsa-p384", "secp521r1": "ecdsa-p521"}.get(
            key.curve.name, f"ecdsa-{key.curve.name}"
        )
    return type(key).__name__


def _years_later(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _ski(public_key: object) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(public_key)  # type: ignore[arg-type]


def _key_usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,  # a.k.a. nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def build_root_ca(key: PrivateKey, *, now: dt.datetime, common_name: str = ROOT_COMMON_NAME) -> x509.Certificate:
    """Return a self-signed root CA certificate (CA:true, keyCertSign + cRLSign) valid for 20 years."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ROOT_ORGANISATION),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )
    start = now - BACKDATE
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(_years_later(start, ROOT_VALIDITY_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signing=False), critical=True)
        .add_extension(_ski(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def agency_subject(*, unit_name: str, province_name: str, agency_id: str) -> x509.Name:
    """Return the subject of an agency certificate: CN=unit, O=province, C=VN, UID=electronic agency id."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, province_name[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, unit_name[:64]),
            x509.NameAttribute(NameOID.USER_ID, agency_id),
        ]
    )


def build_agency_certificate(
    *,
    public_key: object,
    subject: x509.Name,
    issuer_cert: x509.Certificate,
    issuer_key: PrivateKey,
    now: dt.datetime,
    years: int = AGENCY_VALIDITY_YEARS,
) -> x509.Certificate:
    """Return an end-entity document-signing certificate issued by `issuer_cert`."""
    start = now - BACKDATE
    end = min(_years_later(start, years), issuer_cert.not_valid_after_utc)
    issuer_ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(AGENCY_EKUS)), critical=False)
        .add_extension(_ski(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )


def encrypt_private_key(key: PrivateKey, passphrase: bytes) -> bytes:
    """Serialise a private key as encrypted PKCS#8 PEM (PBES2, AES-256-CBC)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def load_private_key(data: bytes, passphrase: bytes | None) -> PrivateKey:
    """Load a PEM or DER private key; raise ValueError/TypeError on a bad passphrase or format."""
    loader = serialization.load_pem_private_key if b"-----BEGIN" in data else serialization.load_der_private_key
    key = loader(data, passphrase)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TypeError(f"unsupported key algorithm {type(key).__name__}")
    return key


def cert_to_pem(cert: x509.Certificate) -> str:
    """Return the certificate as PEM text."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certs_to_pem(certs: list[x509.Certificate]) -> str:
    """Return several certificates as concatenated PEM text."""
    return "".join(cert_to_pem(c) for c in certs)


def load_certs(pem: str | bytes) -> list[x509.Certificate]:
    """Parse zero or more PEM certificates (or a single DER one)."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    if not data.strip():
        return []
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def fingerprint(cert: x509.Certificate) -> str:
    """Return the SHA-256 fingerprint of the certificate's DER encoding, lower-case hex."""
    return cert.fingerprint(hashes.SHA256()).hex()


def fingerprint_der(der: bytes) -> str:
    """Return the SHA-256 fingerprint of DER bytes, lower-case hex."""
    return hashlib.sha256(der).hexdigest()


def name_text(name: x509.Name) -> str:
    """Return a readable RFC 4514 rendering of a name, keeping Vietnamese letters as they are."""
    return name.rfc4514_string({NameOID.USER_ID: "UID"})


def find_agency_id(name: x509.Name) -> str:
    """Return the electronic agency id carried in a subject (UID, serialNumber or OU), or ''."""
    preferred = (NameOID.USER_ID, NameOID.SERIAL_NUMBER, NameOID.ORGANIZATIONAL_UNIT_NAME)
    for oid in preferred:
        for attribute in name.get_attributes_for_oid(oid):
            found = _AGENCY_ID_RE.search(str(attribute.value))
            if found:
                return found.group(0)
    return ""


def common_name(name: x509.Name) -> str:
    """Return the first CN of a name, or ''."""
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def public_keys_match(cert: x509.Certificate, key: PrivateKey) -> bool:
    """Return whether `key` is the private half of the certificate's public key."""
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return cert.public_key().public_bytes(der, spki) == key.public_key().public_bytes(der, spki)
