"""Writes for the demo PKI: the root CA, agency certificates, deactivation. Imports live in `pki_import`.

The root CA's files in the PKI folder are the source of truth: a fresh database re-registers the same
root, and a fresh folder creates a new root (retiring the old row). Every change is audited.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from django.db import transaction
from django.utils import timezone

from twotier.core.audit import audit_record
from twotier.core.errors import Conflict, FieldIssue, InvalidInput
from twotier.org.models import Unit, UnitType
from twotier.signing import certs, conf, keystore, material
from twotier.signing.models import CertificateKind, CertificateSource, SigningCertificate

# A demo certificate this close to expiry is replaced by `pki_init` / `pki_issue`.
RENEW_BEFORE = dt.timedelta(days=30)
# Unit types that sign results of administrative procedures and get a certificate from `pki_init`.
SIGNING_UNIT_TYPES = (UnitType.PROVINCE, UnitType.PROVINCE_DEPARTMENT, UnitType.COMMUNE, UnitType.WARD)


@dataclass(frozen=True)
class IssueResult:
    """A unit's certificate after `pki_issue_many`, and whether it was created by that call."""

    unit: Unit
    certificate: SigningCertificate
    created: bool


@dataclass(frozen=True)
class _Issuer:
    row: SigningCertificate
    cert: x509.Certificate
    key: certs.PrivateKey


def registry_row(
    *,
    cert: x509.Certificate,
    kind: str,
    source: str,
    unit: Unit | None,
    key_file: Path,
    chain: Sequence[x509.Certificate] = (),
) -> SigningCertificate:
    """Create the registry row describing `cert` (no audit; callers audit)."""
    return SigningCertificate.objects.create(
        kind=kind,
        source=source,
        unit=unit,
        subject=certs.name_text(cert.subject)[:500],
        issuer=certs.name_text(cert.issuer)[:500],
        agency_id=certs.find_agency_id(cert.subject),
        serial_number=format(cert.serial_number, "x")[:64],
        fingerprint_sha256=certs.fingerprint(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=certs.key_type_of(cert.public_key()),
        certificate_pem=certs.cert_to_pem(cert),
        chain_pem=certs.certs_to_pem(list(chain)),
        key_path=keystore.relative(key_file),
    )


def describe(row: SigningCertificate) -> dict[str, Any]:
    """Return the audit payload describing a certificate."""
    return {
        "fingerprint": row.fingerprint_sha256,
        "serial": row.serial_number,
        "subject": row.subject,
        "not_after": row.not_after.isoformat(),
        "key_type": row.key_type,
        "source": row.source,
    }


def _registered_root(base: Path) -> SigningCertificate | None:
    # Fast path for every call after the first: the files exist and their certificate is the active root.
    cert_path = base / keystore.ROOT_CERT_FILE
    if not (cert_path.exists() and (base / keystore.ROOT_KEY_FILE).exists()):
        return None
    fingerprint = certs.fingerprint(certs.load_certs(cert_path.read_bytes())[0])
    return SigningCertificate.objects.filter(
        fingerprint_sha256=fingerprint, kind=CertificateKind.ROOT, is_active=True
    ).first()


def _root_files(base: Path) -> tuple[x509.Certificate, bool]:
    cert_path, key_path = base / keystore.ROOT_CERT_FILE, base / keystore.ROOT_KEY_FILE
    if cert_path.exists() and key_path.exists():
        cert = certs.load_certs(cert_path.read_bytes())[0]
        try:
            key = certs.load_private_key(key_path.read_bytes(), conf.pki_passphrase())
        except (ValueError, TypeError) as exc:
            raise Conflict(f"{key_path} cannot be decrypted with TWOTIER_PKI_PASSPHRASE") from exc
        if not certs.public_keys_match(cert, key):
            raise Conflict(f"{key_path} does not belong to {cert_path}")
        return cert, False
    if cert_path.exists() or key_path.exists():
        raise Conflict(f"The PKI folder {base} holds only half of the root CA; restore or remove it.")
    key = certs.new_private_key(conf.key_type())
    cert = certs.build_root_ca(key, now=timezone.now())
    keystore.write_secret(key_path, certs.encrypt_private_key(key, conf.pki_passphrase()))
    keystore.write_public(cert_path, certs.cert_to_pem(cert).encode("ascii"))
    return cert, True


def retire_row(actor: Any, row: SigningCertificate, reason: str) -> None:
    """Deactivate a locked registry row inside the caller's transaction, audited; forget its cached key."""
    row.is_active = False
    row.deactivated_at = timezone.now()
    row.save(update_fields=["is_active", "deactivated_at"])
    audit_record(
        actor=actor,
        action="signing.certificate_deactivate",
        target=row,
        unit_id=row.unit_id,
        changes={"fingerprint": row.fingerprint_sha256, "reason": reason},
    )
    transaction.on_commit(lambda: material.forget(row.fingerprint_sha256))


def pki_init(*, actor: Any, root_dir: Path | None = None) -> SigningCertificate:
    """Create the demo root CA once (key + certificate files, registry row); later calls return it."""
    base = Path(root_dir) if root_dir else conf.pki_dir()
    registered = _registered_root(base)
    if registered is not None:
        return registered
    with keystore.pki_lock(base):
        cert, files_created = _root_files(base)
        fingerprint = certs.fingerprint(cert)
        with transaction.atomic():
            row = SigningCertificate.objects.filter(fingerprint_sha256=fingerprint).first()
            if row is not None and row.is_active:
                return row
            others = SigningCertificate.objects.select_for_update().filter(kind=CertificateKind.ROOT, is_active=True)
            for old in others:
                retire_row(actor, old, reason=f"replaced by demo root {fingerprint[:16]}")
            if row is None:
                row = registry_row(
                    cert=cert,
                    kind=CertificateKind.ROOT,
                    source=CertificateSource.DEMO,
                    unit=None,
                    key_file=base / keystore.ROOT_KEY_FILE,
                )
            else:
                row.is_active, row.deactivated_at = True, None
                row.save(update_fields=["is_active", "deactivated_at"])
            audit_record(
                actor=actor,
                action="signing.root_create" if files_created else "signing.root_register",
                target=row,
                changes=describe(row) | {"folder": str(base)},
            )
    return row


def _issuer(root: SigningCertificate) -> _Issuer:
    path = keystore.resolve(root.key_path)
    try:
        key = certs.load_private_key(path.read_bytes(), conf.pki_passphrase())
    except FileNotFoundError as exc:
        raise Conflict(f"The demo root key {path} is missing; run pki_init.") from exc
    except (ValueError, TypeError) as exc:
        raise Conflict(f"{path} cannot be decrypted with TWOTIER_PKI_PASSPHRASE.") from exc
    return _Issuer(row=root, cert=certs.load_certs(root.certificate_pem)[0], key=key)


def _province_names() -> dict[int, str]:
    return dict(Unit.objects.filter(type=UnitType.PROVINCE).values_list("pk", "name"))


def province_name_for(unit: Unit, provinces: dict[int, str] | None = None) -> str:
    """Return the name of the province the unit belongs to (its own name for a province or above)."""
    provinces = _province_names() if provinces is None else provinces
    ancestor_ids = [int(part) for part in unit.path.strip("/").split("/") if part.isdigit()]
    for pk in reversed(ancestor_ids):
        if pk in provinces:
            return provinces[pk]
    return unit.name


def _usable(row: SigningCertificate | None, root: SigningCertificate, now: dt.datetime) -> bool:
    if row is None:
        return False
    if row.source == CertificateSource.IMPORTED:
        return True
    return (
        row.chain_pem.strip() == root.certificate_pem.strip()
        and row.not_after - RENEW_BEFORE > now
        and keystore.resolve(row.key_path).exists()
    )


def _generate_keys(count: int, key_type: str) -> list[certs.PrivateKey]:
    # RSA key generation dominates a bulk issue (~80 ms each) and releases the GIL, so spread it.
    if count < 4 or key_type.startswith("ecdsa"):
        return [certs.new_private_key(key_type) for _ in range(count)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(lambda _: certs.new_private_key(key_type), range(count)))


def _check_units(units: Sequence[Unit]) -> None:
    missing = [u.code for u in units if not u.agency_id]
    if missing:
        raise InvalidInput(
            "A signing certificate needs the unit's electronic agency id",
            [
                FieldIssue(
                    field="unit",
                    rule="agency_id_required",
                    message=f"Unit {', '.join(missing)} has no electronic agency id.",
                )
            ],
        )


def _issue_one(*, actor: Any, unit: Unit, issuer: _Issuer, key: certs.PrivateKey, province: str) -> SigningCertificate:
    assert unit.agency_id  # checked by _check_units
    with transaction.atomic():
        for old in SigningCertificate.objects.select_for_update().filter(
            unit=unit, kind=CertificateKind.AGENCY, is_active=True
        ):
            retire_row(actor, old, reason="renewed")
        subject = certs.agency_subject(unit_name=unit.name, province_name=province, agency_id=unit.agency_id)
        cert = certs.build_agency_certificate(
            public_key=key.public_key(),
            subject=subject,
            issuer_cert=issuer.cert,
            issuer_key=issuer.key,
            now=timezone.now(),
        )
        key_file = keystore.agency_key_path(certs.fingerprint(cert))
        keystore.write_secret(key_file, certs.encrypt_private_key(key, conf.pki_passphrase()))
        row = registry_row(
            cert=cert,
            kind=CertificateKind.AGENCY,
            source=CertificateSource.DEMO,
            unit=unit,
            key_file=key_file,
            chain=[issuer.cert],
        )
        audit_record(
            actor=actor,
            action="signing.certificate_issue",
            target=row,
            unit_id=unit.pk,
            changes=describe(row),
        )
    return row


def pki_issue_many(*, actor: Any, units: Sequence[Unit], renew: bool = False) -> list[IssueResult]:
    """Make sure each unit has a usable certificate, issuing demo ones where needed (one transaction each)."""
    units = list(dict.fromkeys(units))
    _check_units(units)
    root = pki_init(actor=actor)
    now = timezone.now()
    current = {
        row.unit_id: row
        for row in SigningCertificate.objects.filter(unit__in=units, kind=CertificateKind.AGENCY, is_active=True)
    }
    if renew:
        imported = [u.code for u in units if (r := current.get(u.pk)) and r.source == CertificateSource.IMPORTED]
        if imported:
            raise Conflict(f"Unit {', '.join(imported)} signs with an imported certificate; import a new one instead.")
    needed = [u for u in units if renew or not _usable(current.get(u.pk), root, now)]
    keys = iter(_generate_keys(len(needed), conf.key_type()))
    issuer = _issuer(root) if needed else None
    provinces = _province_names()
    results = []
    needed_ids = {u.pk for u in needed}
    for unit in units:
        if unit.pk in needed_ids and issuer is not None:
            row = _issue_one(
                actor=actor,
                unit=unit,
                issuer=issuer,
                key=next(keys),
                province=province_name_for(unit, provinces),
            )
            results.append(IssueResult(unit=unit, certificate=row, created=True))
        else:
            results.append(IssueResult(unit=unit, certificate=current[unit.pk], created=False))
    return results


def pki_issue_agency_certificate(*, actor: Any, unit: Unit, renew: bool = False) -> SigningCertificate:
    """Return the unit's usable signing certificate, issuing a demo one if it has none (or `renew`)."""
    return pki_issue_many(actor=actor, units=[unit], renew=renew)[0].certificate


def pki_deactivate_certificate(*, actor: Any, certificate: SigningCertificate, reason: str) -> None:
    """Stop signing with a certificate (e.g. key compromise); the unit needs a new one to sign again."""
    if not reason.strip():
        raise InvalidInput(
            "Say why the certificate is deactivated",
            [FieldIssue(field="reason", rule="required", message="A reason is required.")],
        )
    with transaction.atomic():
        row = SigningCertificate.objects.select_for_update().get(pk=certificate.pk)
        if not row.is_active:
            return
        retire_row(actor, row, reason=reason.strip())
    certificate.is_active, certificate.deactivated_at = False, row.deactivated_at


def signing_units() -> list[Unit]:
    """Return the current units that `pki_init` equips with a certificate (by type, with an agency id)."""
    today = timezone.localdate()
    return list(
        Unit.objects.filter(type__in=SIGNING_UNIT_TYPES, agency_id__isnull=False, valid_from__lte=today)
        .exclude(agency_id="")
        .exclude(valid_to__lt=today)
        .order_by("path")
    )
