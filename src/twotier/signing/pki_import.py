"""Import an agency's real certificate and key (PEM or PKCS#12) instead of a demo one.

The key is decrypted with the passphrase it came with, checked against the certificate, and written
to the PKI folder re-encrypted with TWOTIER_PKI_PASSPHRASE, like demo keys. Nothing is stored on error.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.db import transaction
from django.utils import timezone

from twotier.core.audit import audit_record
from twotier.core.errors import Conflict, FieldIssue, InvalidInput
from twotier.org.models import Unit
from twotier.signing import certs, conf, keystore
from twotier.signing.models import CertificateKind, CertificateSource, SigningCertificate
from twotier.signing.pki import describe, registry_row, retire_row

T = TypeVar("T")


def _invalid(field: str, rule: str, message: str) -> InvalidInput:
    return InvalidInput("The certificate cannot be imported", [FieldIssue(field=field, rule=rule, message=message)])


def _as_bytes(value: str | bytes | None) -> bytes | None:
    if value is None or value in ("", b""):
        return None
    return value.encode() if isinstance(value, str) else value


def _extension(cert: x509.Certificate, kind: type[T]) -> T | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value  # type: ignore[type-var]
    except x509.ExtensionNotFound:
        return None


def _check_certificate(cert: x509.Certificate, key: certs.PrivateKey, unit: Unit, now: dt.datetime) -> None:
    if not certs.public_keys_match(cert, key):
        raise _invalid("key_pem", "key_mismatch", "The private key does not belong to the certificate.")
    constraints = _extension(cert, x509.BasicConstraints)
    if constraints is not None and constraints.ca:
        raise _invalid("cert_pem", "ca_certificate", "This is a CA certificate, not a signing one.")
    usage = _extension(cert, x509.KeyUsage)
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise _invalid("cert_pem", "key_usage", "The certificate does not allow digitalSignature or nonRepudiation.")
    if now < cert.not_valid_before_utc:
        raise _invalid("cert_pem", "not_yet_valid", f"The certificate is valid from {cert.not_valid_before_utc}.")
    if now > cert.not_valid_after_utc:
        raise _invalid("cert_pem", "expired", f"The certificate expired on {cert.not_valid_after_utc}.")
    public = cert.public_key()
    if isinstance(public, rsa.RSAPublicKey) and public.key_size < 2048:
        raise _invalid("cert_pem", "weak_key", "RSA keys shorter than 2048 bits are not accepted.")
    if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise _invalid("cert_pem", "key_algorithm", "Only RSA and ECDSA certificates are supported.")
    carried = certs.find_agency_id(cert.subject)
    if carried and unit.agency_id and carried != unit.agency_id:
        raise _invalid(
            "cert_pem",
            "agency_mismatch",
            f"The certificate names agency {carried}, but unit {unit.code} is {unit.agency_id}.",
        )


def _register(
    *, actor: Any, unit: Unit, cert: x509.Certificate, key: certs.PrivateKey, chain: list[x509.Certificate]
) -> SigningCertificate:
    fingerprint = certs.fingerprint(cert)
    with transaction.atomic():
        existing = SigningCertificate.objects.select_for_update().filter(fingerprint_sha256=fingerprint).first()
        if existing is not None:
            if existing.unit_id == unit.pk and existing.is_active:
                return existing
            raise Conflict(
                "This certificate is already registered"
                + (" for another unit." if existing.unit_id != unit.pk else " and was deactivated."),
                code="certificate_registered",
            )
        _check_certificate(cert, key, unit, timezone.now())
        for old in SigningCertificate.objects.select_for_update().filter(
            unit=unit, kind=CertificateKind.AGENCY, is_active=True
        ):
            retire_row(actor, old, reason=f"replaced by imported certificate {fingerprint[:16]}")
        key_file = keystore.agency_key_path(fingerprint)
        keystore.write_secret(key_file, certs.encrypt_private_key(key, conf.pki_passphrase()))
        row = registry_row(
            cert=cert,
            kind=CertificateKind.AGENCY,
            source=CertificateSource.IMPORTED,
            unit=unit,
            key_file=key_file,
            chain=chain,
        )
        audit_record(
            actor=actor,
            action="signing.certificate_import",
            target=row,
            unit_id=unit.pk,
            changes=describe(row) | {"issuer": row.issuer, "chain_length": len(chain)},
        )
    return row


def pki_import_certificate(
    *,
    actor: Any,
    unit: Unit,
    cert_pem: str | bytes,
    key_pem: str | bytes,
    passphrase: str | bytes | None,
    chain_pem: str | bytes = "",
) -> SigningCertificate:
    """Register a real agency certificate (PEM; extra certificates after the first form the chain)."""
    try:
        found = certs.load_certs(cert_pem)
    except ValueError as exc:
        raise _invalid("cert_pem", "unreadable", "The certificate is not valid PEM or DER.") from exc
    if not found:
        raise _invalid("cert_pem", "required", "A certificate is required.")
    try:
        chain = found[1:] + certs.load_certs(chain_pem)
    except ValueError as exc:
        raise _invalid("chain_pem", "unreadable", "The chain is not valid PEM.") from exc
    data = _as_bytes(key_pem)
    if data is None:
        raise _invalid("key_pem", "required", "The private key is required.")
    try:
        key = certs.load_private_key(data, _as_bytes(passphrase))
    except TypeError as exc:
        # cryptography raises TypeError for a missing or superfluous password.
        raise _invalid("passphrase", "passphrase", "The key needs a passphrase, or none was expected.") from exc
    except ValueError as exc:
        raise _invalid(
            "passphrase", "wrong_passphrase", "The key cannot be read: wrong passphrase or not a key."
        ) from exc
    return _register(actor=actor, unit=unit, cert=found[0], key=key, chain=chain)


def pki_import_pkcs12(
    *, actor: Any, unit: Unit, pkcs12_data: bytes, passphrase: str | bytes | None
) -> SigningCertificate:
    """Register a real agency certificate from a PKCS#12 (.p12/.pfx) file with its key and chain."""
    try:
        key, cert, additional = pkcs12.load_key_and_certificates(pkcs12_data, _as_bytes(passphrase))
    except ValueError as exc:
        raise _invalid(
            "passphrase", "wrong_passphrase", "The PKCS#12 file cannot be read: wrong passphrase or damaged."
        ) from exc
    if cert is None or key is None:
        raise _invalid("pkcs12_data", "incomplete", "The PKCS#12 file must hold a certificate and its key.")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise _invalid("pkcs12_data", "key_algorithm", "Only RSA and ECDSA keys are supported.")
    return _register(actor=actor, unit=unit, cert=cert, key=key, chain=list(additional))
