import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from twotier.core.actors import SystemActor
from twotier.core.errors import InvalidInput
from twotier.signing import certs
from twotier.signing.material import material_from
from twotier.signing.pki import pki_issue_agency_certificate
from twotier.signing.signer import sign_pdf, sign_pdf_with
from twotier.signing.validator import validate_pdf

pytestmark = pytest.mark.django_db
ACTOR = SystemActor("pki-test")


@pytest.fixture
def signed_pdf(ca_mau, birth_pdf):
    pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    return sign_pdf(birth_pdf, unit=ca_mau.ward, reason="Cấp bản điện tử", location="Phường Tân Thành")


def _flip(pdf: bytes, index: int) -> bytes:
    data = bytearray(pdf)
    data[index] ^= 0x01
    return bytes(data)


def test_a_signed_pdf_is_valid_and_intact(signed_pdf):
    report = validate_pdf(signed_pdf)

    assert (report.signed, report.intact, report.valid) == (True, True, True)
    assert report.signer_subject == "UID=000.01.30.H12,CN=Phường Tân Thành,O=Tỉnh Cà Mau,C=VN"
    assert report.agency_id == "000.01.30.H12"
    assert (report.coverage, report.modification_level, report.covers_entire_file) == ("entire_file", "none", True)
    assert report.reasons == ()
    assert report.signed_at.utcoffset() == dt.timedelta(hours=7)
    assert timezone.now() - report.signed_at < dt.timedelta(minutes=1)
    (only,) = report.signatures
    assert (only.field_name, only.signing_reason, only.location) == (
        "Signature1",
        "Cấp bản điện tử",
        "Phường Tân Thành",
    )
    assert (only.cryptographically_valid, only.trusted) == (True, True)


def test_a_byte_flipped_inside_the_signed_range_breaks_integrity(signed_pdf, birth_pdf):
    header_comment = signed_pdf.index(b"\n") + 2  # the binary comment on line 2 of the original file
    in_a_stream = signed_pdf.index(b"stream\n") + 20  # the first compressed content stream

    for index in (header_comment, in_a_stream):
        assert index < len(birth_pdf)  # inside the first /ByteRange segment
        report = validate_pdf(_flip(signed_pdf, index))

        assert (report.signed, report.intact, report.valid) == (True, False, False)
        assert "The signed bytes were changed after signing" in report.reasons[0]


def test_content_added_in_an_incremental_update_makes_it_invalid(signed_pdf):
    writer = IncrementalPdfFileWriter(BytesIO(signed_pdf))
    forged = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 72 Td (KHONG HOP LE) Tj ET"))
    writer.add_stream_to_page(0, forged)
    out = BytesIO()
    writer.write(out)

    report = validate_pdf(out.getvalue())

    assert (report.signed, report.intact, report.valid) == (True, True, False)
    assert (report.coverage, report.modification_level) == ("entire_revision", "other")
    assert report.reasons == ("The document was changed after signing in a way not allowed (other).",)


def test_a_countersignature_keeps_both_signatures_valid(ca_mau, signed_pdf):
    pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.province)

    both = sign_pdf(signed_pdf, unit=ca_mau.province, reason="Xác nhận", location="Cà Mau", field_name="Signature2")

    report = validate_pdf(both)
    assert (report.signed, report.intact, report.valid) == (True, True, True)
    assert [s.field_name for s in report.signatures] == ["Signature1", "Signature2"]
    assert [s.coverage for s in report.signatures] == ["entire_revision", "entire_file"]
    assert [s.modification_level for s in report.signatures] == ["form_filling", "none"]
    assert report.agency_id == "000.00.00.H12"  # the flat fields describe the last signature


def test_a_certificate_from_an_untrusted_root_is_intact_but_not_valid(ca_mau, birth_pdf, rogue_ca):
    pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)  # the demo root exists and is trusted
    cert, key = rogue_ca.issue(name="Phường Tân Thành", agency_id="000.01.30.H12", key_type="ecdsa-p256")
    forged = sign_pdf_with(birth_pdf, signing=material_from(cert, key, [rogue_ca.cert]), reason="r", location="l")

    report = validate_pdf(forged)

    assert (report.signed, report.intact, report.valid) == (True, True, False)
    (only,) = report.signatures
    assert (only.cryptographically_valid, only.trusted) == (True, False)
    assert report.agency_id == "000.01.30.H12"  # claims are reported, but not believed
    assert any("does not chain to a trusted root" in r for r in report.reasons)


def test_the_demo_root_can_be_distrusted(settings, signed_pdf):
    settings.TWOTIER_PKI_TRUST_DEMO_ROOT = False

    report = validate_pdf(signed_pdf)

    assert (report.intact, report.valid) == (True, False)


def test_an_extra_trust_anchor_file_is_honoured(settings, tmp_path, birth_pdf, rogue_ca):
    cert, key = rogue_ca.issue(name="Xã Khánh An", agency_id="000.02.30.H12", key_type="ecdsa-p256")
    signed = sign_pdf_with(birth_pdf, signing=material_from(cert, key, [rogue_ca.cert]), reason="r", location="l")
    anchors = tmp_path / "anchors.pem"
    anchors.write_text(certs.cert_to_pem(rogue_ca.cert))
    assert validate_pdf(signed).valid is False

    settings.TWOTIER_PKI_TRUST_ANCHORS = [str(anchors)]

    assert validate_pdf(signed).valid is True


def test_an_expired_signing_certificate_is_not_valid(birth_pdf, settings, tmp_path, national_ca):
    cert, key = national_ca.issue(name="Xã Khánh An", agency_id="000.02.30.H12", years=1, backdate_days=400)
    signed = sign_pdf_with(birth_pdf, signing=material_from(cert, key, [national_ca.cert]), reason="r", location="l")
    anchors = tmp_path / "national.pem"
    anchors.write_text(certs.cert_to_pem(national_ca.cert))
    settings.TWOTIER_PKI_TRUST_ANCHORS = [str(anchors)]

    report = validate_pdf(signed)

    assert (report.intact, report.valid) == (True, False)
    assert report.signatures[0].trusted is False


def test_an_unsigned_pdf_is_reported_as_not_signed(birth_pdf):
    report = validate_pdf(birth_pdf)

    assert (report.signed, report.intact, report.valid) == (False, False, False)
    assert (report.signatures, report.reasons) == ((), ("The document is not signed.",))


def test_a_file_that_is_not_a_pdf_is_invalid_input():
    with pytest.raises(InvalidInput) as caught:
        validate_pdf(b"PK\x03\x04 a zip file")
    assert [(i.field, i.rule) for i in caught.value.fields] == [("pdf", "pdf_unreadable")]


def test_a_garbled_signature_container_is_a_verdict_not_a_crash(signed_pdf):
    start = signed_pdf.index(b"/Contents <") + len(b"/Contents <")
    garbled = signed_pdf[:start] + b"00" * 40 + signed_pdf[start + 80 :]

    report = validate_pdf(garbled)

    assert (report.signed, report.intact, report.valid) == (True, False, False)
    assert report.reasons[0].startswith("The signature cannot be read")
