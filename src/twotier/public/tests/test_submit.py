"""Picking a procedure and submitting it online, through Django's test client, as an anonymous visitor or a citizen."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client

from twotier.accounts.models import AccountKind
from twotier.core.models import AuditEvent, OutboxMessage
from twotier.dossiers.models import Dossier, DossierComponent
from twotier.dossiers.services import components as components_service
from twotier.dossiers.services.feedback import secret_matches
from twotier.dossiers.status import Channel, Status
from twotier.dossiers.tests.test_uploads import ACTIVE_PDFS, PDF, PNG
from twotier.org.models import UnitType
from twotier.procedures.models import Procedure, ProcedureVersion
from twotier.public.tests.helpers import ID_NUMBER, SUBMIT_URL, files_in, form_data, submitted_code, upload
from twotier.testing.factories import UserFactory, unit_make
from twotier.web.tests.helpers import text

pytestmark = pytest.mark.urls("twotier.public.tests.urls")


def _nothing_registered(media) -> None:  # type: ignore[no-untyped-def]
    assert Dossier.objects.count() == 0
    assert DossierComponent.objects.count() == 0
    assert files_in(media) == []
    assert not AuditEvent.objects.filter(action__startswith="dossier.").exists()
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


# --- the picker ---------------------------------------------------------------------------------


def test_picker_shows_published_online_procedures_searchable_without_accents(client, portal):
    offline = Procedure.objects.create(code="2.000001", name="Cấp phép xây dựng", name_folded="cap phep xay dung",
                                       field="Xây dựng", level="province")  # fmt: skip
    ProcedureVersion.objects.create(procedure=offline, number=1, status="published", online_submission=False)
    draft = Procedure.objects.create(code="2.000002", name="Đăng ký khai tử", name_folded="dang ky khai tu",
                                     field="Hộ tịch", level="commune")  # fmt: skip
    ProcedureVersion.objects.create(procedure=draft, number=1, status="draft", online_submission=True)

    response = client.get("/dich-vu-cong/")
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="vi">' in response.content.decode()
    assert "Dịch vụ công trực tuyến" in page
    assert "Đăng ký khai sinh" in page and "Đăng ký kết hôn" in page
    assert "Cấp phép xây dựng" not in page and "Đăng ký khai tử" not in page

    found = text(client.get("/dich-vu-cong/", {"q": "dang ky khai sinh"}))
    assert "Đăng ký khai sinh" in found and "Đăng ký kết hôn" not in found
    assert "Đăng ký khai sinh" in text(client.get("/dich-vu-cong/", {"q": "ĐĂNG KÝ KHAI SINH"}))
    assert "Đăng ký kết hôn" in text(client.get("/dich-vu-cong/", {"q": "1.000001"}))
    assert "Không có thủ tục nộp trực tuyến nào phù hợp" in text(client.get("/dich-vu-cong/", {"q": "xay dung"}))
    assert "Đăng ký khai sinh" in text(client.get("/dich-vu-cong/", {"field": "Hộ tịch", "level": "commune"}))
    assert "Không có thủ tục" in text(client.get("/dich-vu-cong/", {"level": "province"}))
    fields = re.findall(r'<option value="([^"]*)"', client.get("/dich-vu-cong/").content.decode())
    assert "Hộ tịch" in fields and "Xây dựng" not in fields  # only fields with online procedures
    assert client.get(SUBMIT_URL.replace("1.001193", "2.000001")).status_code == 404
    assert client.get(SUBMIT_URL.replace("1.001193", "2.000002")).status_code == 404
    assert client.get(SUBMIT_URL.replace("1.001193", "9.999999")).status_code == 404


def test_the_language_switch_works_for_anonymous_visitors(portal):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/dich-vu-cong/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/dich-vu-cong/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302 and switched["Location"] == "/dich-vu-cong/"
    english = client.get("/dich-vu-cong/")
    assert '<html lang="en">' in english.content.decode()
    assert "Online public services" in text(english) and "Submit online" in text(english)


def test_the_commune_step_offers_only_communes_and_wards_with_an_agency_id(client, portal):
    unit_make("CM-NOID", "Xã Không Mã", UnitType.COMMUNE, portal.province, agency_id=None)
    unit_make("CM-OLD", "Xã Đã Sáp Nhập", UnitType.COMMUNE, portal.province,
              valid_from=dt.date(2008, 1, 1), valid_to=dt.date(2025, 6, 30))  # fmt: skip
    page = text(client.get(SUBMIT_URL))
    assert "Bước 1/2" in page and "Phường Tân Thành" in page and "Xã Đầm Dơi" in page
    for absent in ("Xã Không Mã", "Xã Đã Sáp Nhập", "Sở Tư pháp", "Phòng Văn hóa - Xã hội", "Tỉnh Cà Mau —"):
        assert absent not in page
    found = text(client.get(SUBMIT_URL, {"q": "dam doi"}))
    assert "Xã Đầm Dơi" in found and "Phường Tân Thành" not in found
    assert "Không có xã, phường nào có tên này" in text(client.get(SUBMIT_URL, {"q": "ha noi"}))
    # a unit outside the list cannot be chosen by editing the address
    assert "Bước 1/2" in text(client.get(SUBMIT_URL, {"unit": "CM-STP"}))


# --- submitting ---------------------------------------------------------------------------------


def test_anonymous_submission_registers_the_dossier_with_its_files_and_shows_code_and_secret(client, portal, media):
    form = text(client.get(SUBMIT_URL, {"unit": "CM-TANTHANH"}))
    assert "Bước 2/2" in form and "Nơi nộp: Phường Tân Thành" in form
    assert "Thành phần TK" in form and "Văn bản ủy quyền Không bắt buộc · Bản chính" in form

    response = client.post(SUBMIT_URL, form_data(client))
    code = submitted_code(response)
    dossier = Dossier.objects.get(code=code)
    assert code.startswith("000.08.30.H12-260302-")
    assert (dossier.status, dossier.channel, dossier.receiving_unit, dossier.citizen) == (
        Status.REGISTERED, Channel.ONLINE, portal.commune, None,
    )  # fmt: skip
    assert (dossier.applicant_name, dossier.applicant_id_number, dossier.applicant_phone) == (
        "Nguyễn Văn An", ID_NUMBER, "0912345678",
    )  # fmt: skip
    parts = {c.code: c for c in dossier.components.all()}
    assert set(parts) == {"TK", "GCS"}
    assert parts["TK"].content_type == "application/pdf" and parts["GCS"].content_type == "image/png"
    assert parts["TK"].original_filename == "to-khai.pdf" and parts["TK"].size == len(PDF)
    assert not parts["TK"].digitised  # the desk confirms a scan; an upload by the applicant is not one
    assert len(files_in(media)) == 2

    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200 and confirmation["Cache-Control"] == "no-store, private"
    page = text(confirmation)
    secret = re.search(r"Mã bí mật (\S+)", page).group(1)
    assert code in page and "Hãy ghi lại hai mã này" in page
    assert "Chúng tôi đã gửi cả hai mã tới a***@example.com" in page
    assert secret_matches(dossier, secret)

    [message] = mail.outbox
    assert message.to == ["an@example.com"] and code in message.subject and f"Mã bí mật: {secret}" in message.body
    upload_events = AuditEvent.objects.filter(action="dossier.component_upload")
    assert upload_events.count() == 2 and {e.actor_label for e in upload_events} == {"system:public-portal"}
    assert AuditEvent.objects.get(action="dossier.register_online").ip == "127.0.0.1"


def test_a_double_submit_of_the_same_form_registers_once(client, portal, media):
    data = form_data(client)
    first = submitted_code(client.post(SUBMIT_URL, data))
    data |= {"file_1": upload("to-khai.pdf"), "file_2": upload("giay-chung-sinh.png", PNG, "image/png")}
    second = submitted_code(client.post(SUBMIT_URL, data))
    assert first == second
    assert Dossier.objects.count() == 1 and DossierComponent.objects.count() == 2
    assert len(files_in(media)) == 2 and len(mail.outbox) == 1
    assert "Mã bí mật" in text(client.get(f"/dich-vu-cong/da-nop/{first}/"))


def test_the_same_form_reused_for_different_data_is_refused_clearly(client, portal, media):
    data = form_data(client)
    submitted_code(client.post(SUBMIT_URL, data))
    data |= {"applicant_name": "Trần Thị Bình", "file_1": upload(), "file_2": upload("b.png", PNG, "image/png")}
    response = client.post(SUBMIT_URL, data)
    assert response.status_code == 200
    assert "Biểu mẫu này đã được dùng để nộp một hồ sơ" in text(response)
    assert Dossier.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "data", "content_type", "message"),
    [
        ("ghi-chu.pdf", b"just some text, not a PDF", "application/pdf", "Chỉ nhận tệp PDF, JPEG và PNG."),
        ("rong.pdf", b"", "application/pdf", "Tệp rỗng."),
        ("anh.pdf", PNG, "application/pdf", "Tên tệp không khớp với nội dung"),
        (
            "js.pdf",
            ACTIVE_PDFS["open_action_javascript"],
            "application/pdf",
            "Không nhận tệp PDF có nội dung chạy được",
        ),
    ],
    ids=["not-a-document", "empty", "wrong-extension", "javascript"],
)
def test_a_refused_upload_registers_nothing(client, portal, media, name, data, content_type, message):
    response = client.post(SUBMIT_URL, form_data(client, file_2=upload(name, data, content_type)))
    assert response.status_code == 200
    page = text(response)
    assert "Vui lòng sửa các mục sau" in page and f"Thành phần GCS — {message}" in page
    assert "vui lòng chọn lại tệp trước khi gửi" in page
    _nothing_registered(media)


def test_an_oversized_file_is_refused_naming_the_limit(client, portal, media, settings):
    settings.TWOTIER_UPLOAD_MAX_BYTES = 1024 * 1024
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024)
    response = client.post(SUBMIT_URL, form_data(client, file_1=upload("to-khai.pdf", big)))
    assert "Thành phần TK — Tệp lớn hơn giới hạn 1 MB." in text(response)
    _nothing_registered(media)


def test_a_file_the_upload_handler_skipped_is_reported_as_too_large(client, portal, media, settings):
    settings.TWOTIER_UPLOAD_MAX_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_HANDLERS = [
        "twotier.dossiers.uploads.UploadLimitHandler",
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]
    big = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    response = client.post(SUBMIT_URL, form_data(client, file_2=upload("giay-chung-sinh.pdf", big)))
    page = text(response)
    assert "Thành phần GCS — Tệp lớn hơn giới hạn 1 MB." in page
    assert "Thành phần GCS — Chọn tệp cho giấy tờ này." not in page
    _nothing_registered(media)


def test_electronic_delivery_is_offered_only_without_a_paper_result(client, portal, media):
    assert 'value="electronic"' not in client.get(SUBMIT_URL, {"unit": "CM-TANTHANH"}).content.decode()
    refused = client.post(SUBMIT_URL, form_data(client, result_delivery="electronic"))
    assert refused.status_code == 200 and Dossier.objects.count() == 0
    ProcedureVersion.objects.filter(pk=portal.simple.pk).update(requires_paper_result=False)
    assert "Trực tuyến (tải bản PDF có chữ ký số)" in text(client.get(SUBMIT_URL, {"unit": "CM-TANTHANH"}))
    code = submitted_code(client.post(SUBMIT_URL, form_data(client, result_delivery="electronic")))
    assert Dossier.objects.get(code=code).result_delivery == "electronic"


def test_a_failure_after_some_files_were_stored_leaves_nothing_behind(client, portal, media, monkeypatch):
    calls = []
    real_upload = components_service.component_upload

    def failing_second_upload(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["code"])
        if len(calls) == 2:
            raise OSError("disk full")
        return real_upload(**kwargs)

    monkeypatch.setattr("twotier.public.services.component_upload", failing_second_upload)
    with pytest.raises(OSError, match="disk full"):
        client.post(SUBMIT_URL, form_data(client))
    assert calls == ["TK", "GCS"]
    _nothing_registered(media)


def test_form_errors_name_the_field_in_plain_vietnamese_and_register_nothing(client, portal, media):
    data = form_data(
        client,
        applicant_name="   ",
        applicant_id_number="999090001234",
        applicant_phone="12345",
        applicant_email="an@",
        applicant_address="",
        result_delivery="post",
        file_1=None,
        confirm=None,
    )
    response = client.post(SUBMIT_URL, data)
    assert response.status_code == 200
    page = text(response)
    for expected in (
        "Họ và tên — Nhập họ và tên người đứng tên hồ sơ.",
        "Số định danh cá nhân — Ba chữ số đầu phải là mã tỉnh (001–096).",
        "Số điện thoại — Nhập số điện thoại 10 hoặc 11 chữ số",
        "Thư điện tử — Nhập địa chỉ thư điện tử dạng ten@example.com.",
        "Địa chỉ — Nhập địa chỉ nhận kết quả qua bưu chính.",
        "Thành phần TK — Chọn tệp cho giấy tờ này.",
        "Tôi cam đoan thông tin và giấy tờ trên là đúng sự thật. — Đánh dấu vào ô này",
    ):
        assert expected in page, expected
    body = response.content.decode()
    assert 'href="#id_applicant_id_number"' in body and 'aria-invalid="true"' in body
    assert 'value="12345"' in body  # what was typed stays, to be corrected
    _nothing_registered(media)
    short = client.post(SUBMIT_URL, form_data(client, applicant_id_number="0960900012"))
    assert "Số định danh cá nhân — Số định danh cá nhân phải có đúng 12 chữ số." in text(short)
    future = client.post(SUBMIT_URL, form_data(client, applicant_id_number="096290001234"))
    assert "năm trong tương lai" in text(future)
    assert Dossier.objects.count() == 0


def test_a_unit_that_does_not_receive_online_sends_the_visitor_back_to_step_one(client, portal, media):
    response = client.post(SUBMIT_URL, form_data(client, unit="CM-STP"))
    assert response.status_code == 302 and response["Location"] == SUBMIT_URL
    assert "Chọn xã, phường tiếp nhận hồ sơ" in text(client.get(response["Location"]))
    _nothing_registered(media)


def test_submissions_per_address_are_limited(client, portal, media, settings):
    settings.TWOTIER_PUBLIC_SUBMIT_MAX = 1
    submitted_code(client.post(SUBMIT_URL, form_data(client)))
    response = client.post(SUBMIT_URL, form_data(client))
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert "Có quá nhiều hồ sơ được nộp từ kết nối này" in text(response)
    assert Dossier.objects.count() == 1
    other = Client(REMOTE_ADDR="10.0.0.7")
    submitted_code(other.post(SUBMIT_URL, form_data(other)))
    assert Dossier.objects.count() == 2


def test_posting_without_the_csrf_token_is_refused(portal, media):
    client = Client(enforce_csrf_checks=True)
    response = client.post(SUBMIT_URL, form_data(client))
    assert response.status_code == 403
    _nothing_registered(media)


# --- a citizen account ------------------------------------------------------------------------------


def test_a_signed_in_citizen_owns_the_dossier_and_finds_it_under_my_dossiers(portal, media):
    citizen = UserFactory(
        username="an.citizen", kind=AccountKind.CITIZEN, full_name="Nguyễn Văn An", personal_id=ID_NUMBER,
        email="an@example.com",
    )  # fmt: skip
    client = Client()
    client.force_login(citizen)
    form = client.get(SUBMIT_URL, {"unit": "CM-TANTHANH"}).content.decode()
    assert 'value="Nguyễn Văn An"' in form and f'value="{ID_NUMBER}"' in form
    code = submitted_code(client.post(SUBMIT_URL, form_data(client)))
    dossier = Dossier.objects.get(code=code)
    assert dossier.citizen == citizen
    assert AuditEvent.objects.get(action="dossier.register_online").actor_id == citizen.pk
    assert {e.actor_id for e in AuditEvent.objects.filter(action="dossier.component_upload")} == {citizen.pk}

    mine = client.get("/dich-vu-cong/cua-toi/")
    assert mine.status_code == 200 and code in text(mine) and "Hồ sơ của tôi" in text(mine)
    assert code in text(client.get(f"/tra-cuu/{code}"))  # the owner needs no secret

    other = Client()
    other.force_login(UserFactory(username="binh.citizen", kind=AccountKind.CITIZEN))
    assert code not in text(other.get("/dich-vu-cong/cua-toi/"))
    assert "Ông/Bà chưa có hồ sơ nào" in text(other.get("/dich-vu-cong/cua-toi/"))
    assert other.get(f"/tra-cuu/{code}")["Location"] == f"/tra-cuu/?ma={code}"

    staff = Client()
    staff.force_login(portal.receiver)
    assert staff.get("/dich-vu-cong/cua-toi/").status_code == 403
    assert staff.get("/").status_code == 200  # the staff pages are unaffected
    anonymous = Client().get("/dich-vu-cong/cua-toi/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
