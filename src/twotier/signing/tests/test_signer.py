import asyncio
import datetime as dt
import hashlib
import re
import threading
import time
from io import BytesIO

import pytest
from asn1crypto import cms
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer

from twotier.core.actors import SystemActor
from twotier.core.errors import Conflict, InvalidInput
from twotier.core.models import AuditEvent
from twotier.signing import material
from twotier.signing.pki import pki_deactivate_certificate, pki_issue_agency_certificate
from twotier.signing.signer import document_sign, sign_pdf, sign_pdf_with
from twotier.signing.validator import validate_pdf

pytestmark = pytest.mark.django_db
ACTOR = SystemActor("pki-test")


def _signature(pdf: bytes, index: int = 0):
    return PdfFileReader(BytesIO(pdf)).embedded_regular_signatures[index]


def test_sign_pdf_makes_a_pades_signature_in_vietnam_time(ca_mau, birth_pdf):
    row = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    before = timezone.now().replace(microsecond=0)

    signed = sign_pdf(birth_pdf, unit=ca_mau.ward, reason="Cấp bản điện tử", location="Phường Tân Thành")

    assert signed.startswith(birth_pdf)  # an incremental update: the original bytes are untouched
    embedded = _signature(signed)
    sig = embedded.sig_object
    assert embedded.field_name == "Signature1"
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"
    assert (str(sig["/Reason"]), str(sig["/Location"])) == ("Cấp bản điện tử", "Phường Tân Thành")
    assert str(sig["/M"]).endswith("+07'00'")
    signed_data = embedded.signed_data
    signer_info = signed_data["signer_infos"][0]
    attributes = {a["type"].native for a in signer_info["signed_attrs"]}
    # PAdES baseline B-B: signing-certificate-v2 present, CMS signingTime absent (the time is /M).
    assert {"content_type", "message_digest", "signing_certificate_v2"} <= attributes
    assert "signing_time" not in attributes
    assert signer_info["digest_algorithm"]["algorithm"].native == "sha256"
    embedded_subjects = {c.chosen.subject.native["common_name"] for c in signed_data["certificates"]}
    assert embedded_subjects == {"Phường Tân Thành", "TwoTier Demo Root CA — NOT FOR PRODUCTION"}
    report = validate_pdf(signed)
    assert (report.signed, report.intact, report.valid) == (True, True, True)
    assert report.signatures[0].fingerprint == row.fingerprint_sha256
    assert before <= report.signed_at <= timezone.now()
    assert report.signed_at.utcoffset() == dt.timedelta(hours=7)
    assert isinstance(signed_data, cms.SignedData)


def test_keys_are_loaded_once_per_process(ca_mau, birth_pdf, monkeypatch):
    pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    loads = []
    real_load = material._load
    monkeypatch.setattr(material, "_load", lambda row: loads.append(row.pk) or real_load(row))

    for _ in range(3):
        sign_pdf(birth_pdf, unit=ca_mau.ward, reason="r", location="l")
    renewed = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward, renew=True)
    sign_pdf(birth_pdf, unit=ca_mau.ward, reason="r", location="l")

    assert len(loads) == 2
    assert loads[-1] == renewed.pk


def test_concurrent_first_use_loads_the_key_once(ca_mau, monkeypatch):
    row = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    loads = []
    real_load = material._load

    def slow_load(r):
        loads.append(r.pk)
        time.sleep(0.05)
        return real_load(r)

    monkeypatch.setattr(material, "_load", slow_load)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(material.material_for(row))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert loads == [row.pk]
    assert len({id(m) for m in seen}) == 1


def test_one_key_signs_from_many_threads_at_once(ca_mau, birth_pdf):
    row = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    signing = material.material_for(row)
    results = []

    def sign():
        results.append(sign_pdf_with(birth_pdf, signing=signing, reason="r", location="l"))

    threads = [threading.Thread(target=sign) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(results) == 6
    assert all(validate_pdf(r).valid for r in results)


def test_an_encrypted_pdf_is_refused(ca_mau, birth_pdf):
    pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    protected = copy_into_new_writer(PdfFileReader(BytesIO(birth_pdf)))
    protected.encrypt("owner", "user")
    out = BytesIO()
    protected.write(out)

    with pytest.raises(InvalidInput) as caught:
        sign_pdf(out.getvalue(), unit=ca_mau.ward, reason="r", location="l")
    assert [i.rule for i in caught.value.fields] == ["pdf_encrypted"]


def test_rsa_signatures_validate(settings, ca_mau, birth_pdf):
    settings.TWOTIER_PKI_KEY_TYPE = "rsa-2048"
    pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.commune)

    signed = sign_pdf(birth_pdf, unit=ca_mau.commune, reason="r", location="l")

    signer_info = _signature(signed).signed_data["signer_infos"][0]
    assert signer_info["signature_algorithm"]["algorithm"].native == "sha256_rsa"
    assert validate_pdf(signed).valid


def test_a_unit_without_certificate_cannot_sign(ca_mau, birth_pdf):
    with pytest.raises(Conflict) as caught:
        sign_pdf(birth_pdf, unit=ca_mau.commune, reason="r", location="l")
    assert caught.value.code == "no_signing_certificate"
    assert "pki_issue CM-KHANHAN" in caught.value.message


def test_a_deactivated_certificate_stops_signing_at_once(ca_mau, birth_pdf, django_capture_on_commit_callbacks):
    row = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    sign_pdf(birth_pdf, unit=ca_mau.ward, reason="r", location="l")  # warm the cache

    with django_capture_on_commit_callbacks(execute=True):
        pki_deactivate_certificate(actor=ACTOR, certificate=row, reason="key compromise")

    with pytest.raises(Conflict):
        sign_pdf(birth_pdf, unit=ca_mau.ward, reason="r", location="l")
    assert material.cached(row.fingerprint_sha256) is None


def test_a_missing_key_file_is_a_clear_error(ca_mau, birth_pdf, pki_dir):
    row = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    (pki_dir / row.key_path).unlink()

    with pytest.raises(Conflict) as caught:
        sign_pdf(birth_pdf, unit=ca_mau.ward, reason="r", location="l")
    assert caught.value.code == "signing_key_missing"


def test_not_a_pdf_is_invalid_input(ca_mau):
    pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)

    with pytest.raises(InvalidInput) as caught:
        sign_pdf(b"GIF89a not a pdf", unit=ca_mau.ward, reason="r", location="l")
    assert [(i.field, i.rule) for i in caught.value.fields] == [("pdf", "pdf_unreadable")]


def test_signing_the_same_field_twice_is_a_conflict(ca_mau, birth_pdf):
    pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    signed = sign_pdf(birth_pdf, unit=ca_mau.ward, reason="r", location="l")

    with pytest.raises(Conflict):
        sign_pdf(signed, unit=ca_mau.ward, reason="r", location="l")


def test_document_sign_audits_fingerprint_and_digest(ca_mau, birth_pdf):
    row = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    actor = SystemActor("dossiers")

    signed = document_sign(
        actor=actor,
        unit=ca_mau.ward,
        pdf_bytes=birth_pdf,
        reason="Cấp bản điện tử",
        location="Phường Tân Thành",
        target=ca_mau.ward,
    )

    event = AuditEvent.objects.get(action="signing.sign")
    assert (event.actor_label, event.unit_id, event.target_id) == (
        "system:dossiers",
        ca_mau.ward.pk,
        str(ca_mau.ward.pk),
    )
    assert event.changes["fingerprint"] == row.fingerprint_sha256
    assert event.changes["sha256"] == hashlib.sha256(signed).hexdigest()
    assert event.changes["input_sha256"] == hashlib.sha256(birth_pdf).hexdigest()
    assert event.changes["reason"] == "Cấp bản điện tử"


def test_document_sign_writes_nothing_when_signing_fails(ca_mau, birth_pdf):
    with pytest.raises(Conflict):
        document_sign(actor=ACTOR, unit=ca_mau.ward, pdf_bytes=birth_pdf, reason="r", location="l")
    assert not AuditEvent.objects.filter(action="signing.sign").exists()


def test_signing_works_from_inside_an_event_loop(ca_mau, birth_pdf):
    row = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    signing = material.material_for(row)

    async def in_async_view():
        return sign_pdf_with(birth_pdf, signing=signing, reason="r", location="l")

    assert validate_pdf(asyncio.run(in_async_view())).valid


def test_visible_stamp_embeds_vietnamese_text_and_the_time(ca_mau, birth_pdf):
    pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)

    signed = sign_pdf(
        birth_pdf,
        unit=ca_mau.ward,
        reason="Cấp bản điện tử",
        location="Phường Tân Thành",
        stamp_box=(340, 700, 560, 770),
    )

    report = validate_pdf(signed)
    assert report.valid
    reader = PdfFileReader(BytesIO(signed))
    widget = reader.root["/AcroForm"]["/Fields"][0]
    assert [float(v) for v in widget["/Rect"]] == [340, 700, 560, 770]
    appearance = widget["/AP"]["/N"]
    content = re.sub(rb"\\(\d{3})", lambda m: bytes([int(m.group(1), 8)]), appearance.data)
    local_time = report.signed_at.isoformat(timespec="seconds")
    assert local_time.encode() in content
    stamp_xobjects = list(appearance["/Resources"]["/XObject"].values())
    fonts = _fonts(stamp_xobjects)
    assert any("DejaVu" in str(f["/BaseFont"]) for f in fonts)
    text = "".join(_to_unicode_text(f) for f in fonts)
    for letter in "ýởờưđảỉ":
        assert letter in text, letter


def test_a_stamp_box_that_is_too_small_is_rejected(ca_mau, birth_pdf):
    pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)

    with pytest.raises(InvalidInput) as caught:
        sign_pdf(birth_pdf, unit=ca_mau.ward, reason="r", location="l", stamp_box=(0, 0, 50, 20))
    assert [i.field for i in caught.value.fields] == ["stamp_box"]


def _fonts(xobjects):
    found = []
    stack = [x.get_object() for x in xobjects]
    while stack:
        obj = stack.pop()
        resources = obj.get("/Resources")
        if resources is None:
            continue
        resources = resources.get_object()
        fonts = resources.get("/Font")
        found.extend(f.get_object() for f in (fonts.get_object().values() if fonts else ()))
        xobjects = resources.get("/XObject")
        stack.extend(x.get_object() for x in (xobjects.get_object().values() if xobjects else ()))
    return found


def _to_unicode_text(font):
    if "/ToUnicode" not in font:
        return ""
    cmap = font["/ToUnicode"].get_object().data.decode("latin-1")
    chars = []
    for token in cmap.split("<")[1:]:
        hex_value = token.split(">")[0]
        if len(hex_value) == 4:
            chars.append(chr(int(hex_value, 16)))
    return "".join(chars)
