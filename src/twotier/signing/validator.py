"""Validate the signatures in a PDF: intact, cryptographically valid, trusted, and not modified since.

Trust anchors are the active demo root (unless TWOTIER_PKI_TRUST_DEMO_ROOT is off) plus the PEM files in
TWOTIER_PKI_TRUST_ANCHORS. They are parsed once and cached; the pyHanko `ValidationContext` built around
them is cheap (~0.05 ms) and made per call on purpose: a context fixes "now" when it is created and
accumulates per-document caches, so a long-lived shared one would drift in time and grow without bound.
No network access: revocation is soft-fail and nothing is fetched.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from io import BytesIO
from zoneinfo import ZoneInfo

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from twotier.core.errors import FieldIssue, InvalidInput
from twotier.signing import certs, conf
from twotier.signing.models import CertificateKind, SigningCertificate

logger = logging.getLogger(__name__)

# A document-signing certificate may carry either usage (Vietnamese CAs commonly set both).
KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)


@dataclass(frozen=True)
class SignatureInfo:
    """The verdict on one signature in the file."""

    field_name: str
    intact: bool
    valid: bool
    cryptographically_valid: bool
    trusted: bool
    signer_subject: str
    agency_id: str
    fingerprint: str
    signed_at: dt.datetime | None
    coverage: str
    modification_level: str | None
    signing_reason: str
    location: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class SignatureReport:
    """The verdict on a whole PDF; the flat fields describe its last (outermost) signature."""

    signed: bool
    intact: bool
    valid: bool
    signer_subject: str = ""
    agency_id: str = ""
    signed_at: dt.datetime | None = None
    coverage: str | None = None
    modification_level: str | None = None
    reasons: tuple[str, ...] = ()
    signatures: tuple[SignatureInfo, ...] = field(default_factory=tuple)

    @property
    def covers_entire_file(self) -> bool:
        """Return whether the last signature covers every byte of the file."""
        return self.coverage == "entire_file"


AnchorKey = tuple[str | None, tuple[tuple[str, int | None], ...]]
_trust_lock = threading.Lock()
_trust_cache: dict[AnchorKey, tuple[asn1_x509.Certificate, ...]] = {}


def _anchor_key() -> AnchorKey:
    root: str | None = None
    if conf.trust_demo_root():
        root = (
            SigningCertificate.objects.filter(kind=CertificateKind.ROOT, is_active=True)
            .values_list("fingerprint_sha256", flat=True)
            .first()
        )
    files: list[tuple[str, int | None]] = []
    for path in conf.trust_anchor_files():
        try:
            files.append((str(path), path.stat().st_mtime_ns))
        except FileNotFoundError:
            files.append((str(path), None))
    return root, tuple(files)


def _load_anchors(key: AnchorKey) -> tuple[asn1_x509.Certificate, ...]:
    root, files = key
    found: list[x509.Certificate] = []
    if root is not None:
        found.extend(certs.load_certs(SigningCertificate.objects.get(fingerprint_sha256=root).certificate_pem))
    for path, mtime in files:
        if mtime is None:
            logger.warning("trust anchor file %s does not exist", path)
            continue
        with open(path, "rb") as handle:
            found.extend(certs.load_certs(handle.read()))
    return tuple(asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in found)


def trust_anchors() -> tuple[asn1_x509.Certificate, ...]:
    """Return the trusted root certificates, parsed once per configuration (thread-safe)."""
    key = _anchor_key()
    cached = _trust_cache.get(key)
    if cached is not None:
        return cached
    with _trust_lock:
        if key not in _trust_cache:
            _trust_cache.clear()
            _trust_cache[key] = _load_anchors(key)
        return _trust_cache[key]


def clear_cache() -> None:
    """Forget the parsed trust anchors (they reload on the next validation)."""
    with _trust_lock:
        _trust_cache.clear()


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)) if moment else None


def _problems(status: PdfSignatureStatus, trusted_ok: bool) -> list[str]:
    problems = []
    if not status.intact:
        problems.append("The signed bytes were changed after signing (the document digest does not match).")
    if not status.valid:
        problems.append("The signature value does not verify against the signer's certificate.")
    if not trusted_ok:
        indic = status.trust_problem_indic
        indication = getattr(indic, "name", str(indic)) if indic is not None else "unknown"
        problems.append(f"The signer's certificate does not chain to a trusted root ({indication}).")
    level = status.modification_level
    if status.coverage is not None and status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        problems.append("The signature does not cover the whole revision it belongs to.")
    elif level is None or not status.docmdp_ok:
        label = level.name.lower() if level is not None else "unknown"
        problems.append(f"The document was changed after signing in a way not allowed ({label}).")
    return problems


def _info(embedded: EmbeddedPdfSignature, status: PdfSignatureStatus) -> SignatureInfo:
    signer_cert = x509.load_der_x509_certificate(status.signing_cert.dump())
    problems = _problems(status, status.trusted)
    sig_object = embedded.sig_object
    return SignatureInfo(
        field_name=str(embedded.field_name),
        intact=bool(status.intact),
        valid=not problems,
        cryptographically_valid=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        signer_subject=certs.name_text(signer_cert.subject),
        agency_id=certs.find_agency_id(signer_cert.subject),
        fingerprint=certs.fingerprint(signer_cert),
        signed_at=_local(status.signer_reported_dt),
        coverage=status.coverage.name.lower() if status.coverage is not None else "unclear",
        modification_level=status.modification_level.name.lower() if status.modification_level else None,
        signing_reason=str(sig_object.get("/Reason", "")),
        location=str(sig_object.get("/Location", "")),
        reasons=tuple(problems),
    )


def _broken(embedded: EmbeddedPdfSignature, exc: Exception) -> SignatureInfo:
    return SignatureInfo(
        field_name=str(embedded.field_name),
        intact=False,
        valid=False,
        cryptographically_valid=False,
        trusted=False,
        signer_subject="",
        agency_id="",
        fingerprint="",
        signed_at=None,
        coverage="unclear",
        modification_level=None,
        signing_reason="",
        location="",
        reasons=(f"The signature cannot be read: {exc}",),
    )


def validate_pdf(pdf_bytes: bytes) -> SignatureReport:
    """Validate every signature in a PDF against the configured trust anchors (no network access)."""
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes))
        reader.root  # noqa: B018 (reads the trailer and catalogue now, so a broken file fails here)
    except (PdfError, ValueError) as exc:
        raise InvalidInput(
            "The file is not a readable PDF",
            [FieldIssue(field="pdf", rule="pdf_unreadable", message=str(exc))],
        ) from exc
    try:
        embedded_signatures = list(reader.embedded_regular_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        # The catalogue names a signature whose container cannot even be parsed.
        return SignatureReport(
            signed=True, intact=False, valid=False, reasons=(f"The signature cannot be read: {exc}",)
        )
    if not embedded_signatures:
        return SignatureReport(signed=False, intact=False, valid=False, reasons=("The document is not signed.",))
    anchors = trust_anchors()
    infos = []
    for embedded in embedded_signatures:
        context = ValidationContext(trust_roots=list(anchors), allow_fetching=False, revocation_mode="soft-fail")
        try:
            status = validate_pdf_signature(embedded, context, key_usage_settings=KEY_USAGE)
        except Exception as exc:  # uploaded files are hostile input: a broken signature is a verdict, not a 500
            logger.info("signature %s cannot be validated: %s", embedded.field_name, exc)
            infos.append(_broken(embedded, exc))
            continue
        infos.append(_info(embedded, status))
    last = infos[-1]
    several = len(infos) > 1
    reasons = tuple(f"{i.field_name}: {r}" if several else r for i in infos for r in i.reasons)
    return SignatureReport(
        signed=True,
        intact=all(i.intact for i in infos),
        valid=all(i.valid for i in infos),
        signer_subject=last.signer_subject,
        agency_id=last.agency_id,
        signed_at=last.signed_at,
        coverage=last.coverage,
        modification_level=last.modification_level,
        reasons=reasons,
        signatures=tuple(infos),
    )
