"""Shortcuts for the citizen-side tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from twotier.dossiers.models import Dossier
from twotier.dossiers.services.closing import dossier_approve, dossier_return_result
from twotier.dossiers.services.receipt import dossier_receive_registered
from twotier.dossiers.services.steps import dossier_forward
from twotier.dossiers.tests.test_uploads import PDF, PNG

ID_NUMBER = "096090001234"
SUBMIT_URL = "/dich-vu-cong/1.001193/nop-ho-so/"
RESULT_PDF = PDF


def upload(name: str = "to-khai.pdf", data: bytes = PDF, content_type: str = "application/pdf") -> SimpleUploadedFile:
    """A file as a browser would send it."""
    return SimpleUploadedFile(name, data, content_type=content_type)


def form_data(client: Any, unit_code: str = "CM-TANTHANH", **overrides: Any) -> dict[str, Any]:
    """A complete submission of 1.001193 (components TK and GCS; UQ optional), with the page's own key."""
    page = client.get(f"{SUBMIT_URL}?unit={unit_code}")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode())
    assert key, "the form carries an idempotency key"
    data: dict[str, Any] = {
        "unit": unit_code,
        "idempotency_key": key.group(1),
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": ID_NUMBER,
        "applicant_phone": "0912 345 678",
        "applicant_email": "an@example.com",
        "applicant_address": "Khóm 1, phường Tân Thành",
        "result_delivery": "desk",
        "confirm": "on",
        "file_1": upload("to-khai.pdf"),
        "file_2": upload("giay-chung-sinh.png", PNG, "image/png"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submitted_code(response: Any) -> str:
    """The dossier code of the redirect to the confirmation page."""
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.search(r"/dich-vu-cong/da-nop/([^/]+)/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def finish(desk: Any, dossier: Dossier, *, pdf: bytes | None = RESULT_PDF, returned: bool = False) -> Dossier:
    """Receive an online dossier and take it to 'processed' (9) with a result, or 'returned' (10)."""
    dossier_receive_registered(actor=desk.receiver, dossier_id=dossier.pk)
    dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    dossier_forward(actor=desk.specialist, dossier_id=dossier.pk)
    dossier_approve(
        actor=desk.leader, dossier_id=dossier.pk, result_name="Giấy khai sinh", result_number="12/2026", result_pdf=pdf
    )
    if returned:
        dossier_return_result(actor=desk.receiver, dossier_id=dossier.pk, delivery="desk")
    return Dossier.objects.get(pk=dossier.pk)


def files_in(root: Path) -> list[str]:
    """Every file under `root`, relative, sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []
