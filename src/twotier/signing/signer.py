"""PAdES signing of PDFs with an agency's certificate.

`sign_pdf` is pure apart from one indexed read (the unit's active certificate fingerprint, so a
certificate deactivated by another process stops being used at once); keys come from the in-process
cache in `material`. `document_sign` is the service: it signs and writes the `signing.sign` audit event.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hashlib
from collections.abc import Coroutine
from io import BytesIO
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

from twotier.core.audit import audit_record
from twotier.core.errors import Conflict, FieldIssue, InvalidInput
from twotier.core.text import nfc
from twotier.org.models import Unit
from twotier.signing import material, selectors, stamp
from twotier.signing.models import SigningCertificate

T = TypeVar("T")
Box = tuple[int, int, int, int]


def vietnam_now() -> dt.datetime:
    """Return the current time in the configured zone (Asia/Ho_Chi_Minh, UTC+07:00)."""
    return timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE))


def _run(coro: Coroutine[Any, Any, T]) -> T:
    # pyHanko is async inside; from an async view (a running loop) run it on a helper thread instead.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _sign(pdf_signer: PdfSigner, writer: IncrementalPdfFileWriter, at: dt.datetime, reserve: int) -> bytes:
    # pyHanko's `sign_pdf` minus two costs we know in advance: the placeholder size (measured once per
    # key) and the signing time, which we set to Vietnam time (pyHanko would take the server's zone).
    session = pdf_signer.init_signing_session(writer)
    session.system_time = at
    tbs = session.prepare_tbs_document(
        validation_info=None,
        bytes_reserved=reserve,
        appearance_text_params={stamp.TIME_PARAM: at.isoformat(timespec="seconds")},
    )
    prepared, output = tbs.digest_tbs_document()
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=at),
    )
    await post.post_signature_processing(output)
    assert isinstance(output, BytesIO)  # pyHanko writes to a fresh BytesIO when given no output
    return output.getvalue()


def sign_pdf_with(
    pdf_bytes: bytes,
    *,
    signing: material.SigningMaterial,
    reason: str,
    location: str,
    field_name: str = "Signature1",
    signer_name: str | None = None,
    stamp_box: Box | None = None,
    stamp_page: int = 0,
    signed_at: dt.datetime | None = None,
) -> bytes:
    """Sign with explicit material: PAdES baseline B-B, SHA-256, certificate chain embedded, no database."""
    at = signed_at or vietnam_now()
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes))
    except (PdfError, ValueError) as exc:
        raise InvalidInput(
            "The file is not a PDF that can be signed",
            [FieldIssue(field="pdf", rule="pdf_unreadable", message=str(exc))],
        ) from exc
    if writer.prev.encrypted:
        # Also keeps the shared signer stateless: pyHanko patches it for PDF 2.0 MACs of encrypted files.
        raise InvalidInput(
            "Encrypted PDFs cannot be signed",
            [FieldIssue(field="pdf", rule="pdf_encrypted", message="Remove the password protection first.")],
        )
    meta = PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=nfc(reason),
        location=nfc(location),
        name=nfc(signer_name) if signer_name else None,
    )
    if stamp_box is None:
        pdf_signer = PdfSigner(meta, signing.signer)
    else:
        x1, y1, x2, y2 = stamp_box
        try:
            style = stamp.style_for(signing, width=x2 - x1, height=y2 - y1)
        except ValueError as exc:
            raise InvalidInput(
                "The stamp box is too small",
                [FieldIssue(field="stamp_box", rule="too_small", message=str(exc))],
            ) from exc
        pdf_signer = PdfSigner(
            meta,
            signing.signer,
            stamp_style=style,
            new_field_spec=SigFieldSpec(field_name, on_page=stamp_page, box=stamp_box),
        )
    try:
        return _run(_sign(pdf_signer, writer, at, signing.bytes_reserved))
    except SigningError as exc:
        raise Conflict(f"The PDF cannot be signed: {exc}", code="signing_failed") from exc
    except PdfError as exc:
        raise InvalidInput(
            "The file is not a PDF that can be signed",
            [FieldIssue(field="pdf", rule="pdf_unreadable", message=str(exc))],
        ) from exc


def _material_for_unit(unit: Unit) -> material.SigningMaterial:
    fingerprint = selectors.active_fingerprint_for(unit)
    if fingerprint is None:
        raise Conflict(
            f"{unit.name} has no active signing certificate: run `manage.py pki_issue {unit.code}` "
            "or import the agency's certificate.",
            code="no_signing_certificate",
        )
    signing = material.cached(fingerprint) or material.material_for(
        SigningCertificate.objects.get(fingerprint_sha256=fingerprint)
    )
    if signing.certificate.not_valid_after_utc <= timezone.now():
        raise Conflict(
            f"The signing certificate of {unit.name} expired on {signing.certificate.not_valid_after_utc:%Y-%m-%d}.",
            code="signing_certificate_expired",
        )
    return signing


def _sign_for_unit(pdf_bytes: bytes, *, unit: Unit, **options: Any) -> tuple[bytes, material.SigningMaterial]:
    signing = _material_for_unit(unit)
    return sign_pdf_with(pdf_bytes, signing=signing, **options), signing


def sign_pdf(
    pdf_bytes: bytes,
    *,
    unit: Unit,
    reason: str,
    location: str,
    field_name: str = "Signature1",
    signer_name: str | None = None,
    stamp_box: Box | None = None,
    stamp_page: int = 0,
) -> bytes:
    """Sign a PDF as `unit` (PAdES B-B, Vietnam time); optional visible stamp in `stamp_box` (points)."""
    signed, _ = _sign_for_unit(
        pdf_bytes,
        unit=unit,
        reason=reason,
        location=location,
        field_name=field_name,
        signer_name=signer_name,
        stamp_box=stamp_box,
        stamp_page=stamp_page,
    )
    return signed


def document_sign(
    *,
    actor: Any,
    unit: Unit,
    pdf_bytes: bytes,
    reason: str,
    location: str,
    target: models.Model | None = None,
    field_name: str = "Signature1",
    stamp_box: Box | None = None,
    stamp_page: int = 0,
) -> bytes:
    """Sign a PDF as `unit` and audit `signing.sign` with the certificate fingerprint and result SHA-256."""
    signed, signing = _sign_for_unit(
        pdf_bytes,
        unit=unit,
        reason=reason,
        location=location,
        field_name=field_name,
        stamp_box=stamp_box,
        stamp_page=stamp_page,
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="signing.sign",
            target=target,
            unit_id=unit.pk,
            target_label="" if target is not None else "PDF document",
            changes={
                "fingerprint": signing.fingerprint,
                "sha256": hashlib.sha256(signed).hexdigest(),
                "input_sha256": hashlib.sha256(pdf_bytes).hexdigest(),
                "size": len(signed),
                "reason": nfc(reason),
                "location": nfc(location),
                "field": field_name,
            },
        )
    return signed
