"""The electronic result: rendered from its template, signed as the agency, valid and intact."""

import io

import pytest
from pypdf import PdfReader

from twotier.core.errors import Conflict
from twotier.dossiers.models import Dossier
from twotier.dossiers.services.closing import dossier_approve, dossier_return_result
from twotier.dossiers.services.steps import dossier_forward
from twotier.dossiers.tests.helpers import receive
from twotier.signing import material, validator
from twotier.signing.pki import pki_init, pki_issue_agency_certificate


@pytest.fixture
def pki(settings, tmp_path):
    settings.TWOTIER_PKI_DIR = str(tmp_path / "pki")
    settings.TWOTIER_PKI_PASSPHRASE = "test-passphrase"
    settings.TWOTIER_PKI_KEY_TYPE = "ecdsa-p256"
    settings.TWOTIER_PKI_TRUST_ANCHORS = []
    settings.TWOTIER_PKI_TRUST_DEMO_ROOT = True
    material.clear()
    validator.clear_cache()
    yield
    material.clear()
    validator.clear_cache()


def _at_approval(desk):
    dossier = receive(desk)
    dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    dossier_forward(actor=desk.specialist, dossier_id=dossier.pk)
    dossier_forward(actor=desk.province_specialist, dossier_id=dossier.pk)
    return dossier


def test_approval_issues_a_signed_result_that_validates_intact(desk, pki):
    pki_init(actor=None)
    pki_issue_agency_certificate(actor=None, unit=desk.commune)
    dossier = _at_approval(desk)
    approved = dossier_approve(
        actor=desk.leader,
        dossier_id=dossier.pk,
        result_name="Giấy chứng nhận kết hôn",
        result_number="12/2026",
        issue_electronic=True,
    )
    result = approved.results.get()
    assert result.electronic and result.signed and result.signer_fingerprint
    data = result.file.open("rb").read()
    report = validator.validate_pdf(data)
    assert report.signed and report.intact and report.valid
    assert report.agency_id == desk.commune.agency_id
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert dossier.code in text and "Nguyễn Văn An" in text and "Giấy chứng nhận kết hôn" in text
    returned = dossier_return_result(actor=desk.receiver, dossier_id=dossier.pk, delivery="electronic")
    assert returned.status == 10


def test_without_a_certificate_approval_is_refused_and_nothing_changes(desk, pki):
    dossier = _at_approval(desk)
    before = Dossier.objects.get(pk=dossier.pk)
    with pytest.raises(Conflict, match="no active signing certificate"):
        dossier_approve(actor=desk.leader, dossier_id=dossier.pk, result_name="GCN", issue_electronic=True)
    after = Dossier.objects.get(pk=dossier.pk)
    assert (after.status, after.version, after.results.count()) == (before.status, before.version, 0)
