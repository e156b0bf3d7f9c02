"""Following a dossier: look-up by code and secret, the status page, throttling, the result download."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from twotier.core.models import AuditEvent
from twotier.dossiers.models import Dossier
from twotier.dossiers.services.pauses import dossier_request_supplement
from twotier.public.tests.helpers import RESULT_PDF, SUBMIT_URL, finish, form_data, submitted_code
from twotier.web.tests.helpers import text

pytestmark = pytest.mark.urls("twotier.public.tests.urls")

WRONG = "Mã hồ sơ hoặc mã bí mật không đúng. Vui lòng kiểm tra lại cả hai mã."


@pytest.fixture
def submitted(client, portal, media):
    """An online dossier and its secret, submitted by an anonymous visitor in another browser."""
    submitter = Client()
    code = submitted_code(submitter.post(SUBMIT_URL, form_data(submitter)))
    secret = re.search(r"Mã bí mật (\S+)", text(submitter.get(f"/dich-vu-cong/da-nop/{code}/"))).group(1)
    return Dossier.objects.get(code=code), secret


def _without_values(response) -> str:  # type: ignore[no-untyped-def]
    """The page with what differs between two requests removed: typed values, CSRF token, request id."""
    html = re.sub(r'value="[^"]*"', "", response.content.decode())
    return re.sub(r"<code>[0-9a-f]{32}</code>", "", html)


def _look_up(client: Client, code: str, secret: str):  # type: ignore[no-untyped-def]
    return client.post("/tra-cuu/", {"code": code, "secret": secret})


def test_the_right_code_and_secret_open_the_status_page(client, portal, submitted):
    dossier, secret = submitted
    assert "Tra cứu hồ sơ" in text(client.get("/tra-cuu/"))
    assert f'value="{dossier.code}"' in client.get("/tra-cuu/", {"ma": dossier.code}).content.decode()
    response = _look_up(client, f"  {dossier.code.lower()} ", f" {secret} ")
    assert response.status_code == 302 and response["Location"] == f"/tra-cuu/{dossier.code}"
    page = client.get(response["Location"])
    assert page.status_code == 200 and page["Cache-Control"] == "no-store, private"
    body = text(page)
    assert f"Hồ sơ {dossier.code}" in body and "Đăng ký khai sinh" in body
    assert "Trạng thái: Đã đăng ký trực tuyến, chưa tiếp nhận" in body
    assert "Hồ sơ đã được nộp trực tuyến. Bộ phận Một cửa sẽ kiểm tra và tiếp nhận" in body
    assert "Hồ sơ được nộp trực tuyến." in body  # the history, in plain words
    assert "được ghi khi hồ sơ được tiếp nhận" in body  # no promised date before receipt
    assert "Thành phần TK" in body and "đã đính kèm tệp" in body
    assert "Ý kiến của Ông/Bà" not in body  # no feedback before the result
    assert secret not in page.content.decode()  # the secret is never written into the page or a link
    [view] = AuditEvent.objects.filter(action="personal_data.view", target_id=str(dossier.pk))
    assert view.changes["purpose"] == "citizen status look-up" and view.actor_label == "system:public-portal"


def test_status_shows_the_promised_date_the_supplement_and_the_history_in_plain_words(client, portal, submitted):
    from twotier.dossiers.services.receipt import dossier_receive_registered

    dossier, secret = submitted
    dossier_receive_registered(actor=portal.receiver, dossier_id=dossier.pk)
    dossier_request_supplement(
        actor=portal.receiver, dossier_id=dossier.pk, reason="Ảnh giấy chứng sinh bị mờ", items=["Giấy chứng sinh"]
    )
    _look_up(client, dossier.code, secret)
    body = text(client.get(f"/tra-cuu/{dossier.code}"))
    assert "Ngày hẹn trả kết quả 02/03/2026 17:30" in body
    assert "Bộ phận Một cửa đã tiếp nhận hồ sơ. Ngày hẹn trả kết quả: 02/03/2026 17:30." in body
    assert "Giấy tờ cần bổ sung: Ảnh giấy chứng sinh bị mờ" in body and "Giấy chứng sinh" in body
    assert "Cơ quan yêu cầu bổ sung giấy tờ; thời hạn giải quyết tạm dừng." in body
    assert "Lý do: Ảnh giấy chứng sinh bị mờ" in body
    assert "Vui lòng nộp giấy tờ được yêu cầu tại Bộ phận Một cửa" in body


def test_a_wrong_secret_and_an_unknown_code_get_the_same_answer(client, portal, submitted):
    dossier, secret = submitted
    wrong_secret = _look_up(client, dossier.code, secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    unknown_code = _look_up(client, "000.08.30.H12-260302-9999", secret)
    assert wrong_secret.status_code == unknown_code.status_code == 200
    assert WRONG in text(wrong_secret) and WRONG in text(unknown_code)
    assert _without_values(wrong_secret) == _without_values(unknown_code)
    # without a successful look-up the status page asks for the secret, whether the dossier exists or not
    for path in (f"/tra-cuu/{dossier.code}", "/tra-cuu/000.08.30.H12-260302-9999"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/tra-cuu/?ma=")
    assert not AuditEvent.objects.filter(action="personal_data.view").exists()


def test_repeated_failures_are_throttled_per_address_and_per_code(client, portal, submitted, settings):
    settings.TWOTIER_LOOKUP_MAX_FAILURES = 3
    dossier, secret = submitted
    for _ in range(3):
        assert WRONG in text(_look_up(client, dossier.code, "doan-mo"))
    blocked = _look_up(client, dossier.code, secret)  # even the right secret, from this address
    assert blocked.status_code == 429 and blocked["Retry-After"] == "900"
    assert "Mã đã bị nhập sai quá nhiều lần" in text(blocked) and "sau 15 phút" in text(blocked)
    assert client.get(f"/tra-cuu/{dossier.code}").status_code == 302  # nothing was opened
    elsewhere = Client(REMOTE_ADDR="10.0.0.8")
    assert _look_up(elsewhere, dossier.code, secret).status_code == 429  # the code is blocked everywhere
    other = Dossier.objects.create(
        code="000.08.30.H12-260302-0042", procedure_version=dossier.procedure_version, receiving_unit=portal.commune,
        channel=2, status=1, applicant_name="Lê Thị Cúc", access_secret_digest=dossier.access_secret_digest,
    )  # fmt: skip
    assert _look_up(elsewhere, other.code, secret).status_code == 302  # another code from another address
    assert _look_up(client, other.code, secret).status_code == 429  # but not from the blocked address


def test_the_electronic_result_downloads_only_for_the_session_that_looked_it_up(client, portal, submitted):
    dossier, secret = submitted
    _look_up(client, dossier.code, secret)
    assert "Tải" not in text(client.get(f"/tra-cuu/{dossier.code}"))  # no result yet
    finish(portal, dossier)
    result = Dossier.objects.get(pk=dossier.pk).results.get()
    url = f"/tra-cuu/{dossier.code}/ket-qua/{result.pk}"
    assert url in client.get(f"/tra-cuu/{dossier.code}").content.decode()

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{dossier.code}-ket-qua-{result.pk}.pdf"'
    assert response["Cache-Control"] == "no-store, private"
    assert b"".join(response.streaming_content) == RESULT_PDF
    [download] = AuditEvent.objects.filter(action="personal_data.view", target_type="dossiers.dossierresult")
    assert download.target_id == str(result.pk) and download.changes["purpose"] == "citizen result download"

    stranger = Client()
    assert stranger.get(url)["Location"] == f"/tra-cuu/?ma={dossier.code}"
    assert client.get(f"/tra-cuu/{dossier.code}/ket-qua/{result.pk + 99}").status_code == 404
    assert client.get(f"/tra-cuu/000.08.30.H12-260302-9999/ket-qua/{result.pk}").status_code == 302


def test_a_result_without_a_file_offers_no_download(client, portal, submitted):
    dossier, secret = submitted
    finish(portal, dossier, pdf=None)
    result = Dossier.objects.get(pk=dossier.pk).results.get()
    _look_up(client, dossier.code, secret)
    page = client.get(f"/tra-cuu/{dossier.code}")
    assert "Giấy khai sinh (Số 12/2026)" in text(page) and "/ket-qua/" not in page.content.decode()
    assert client.get(f"/tra-cuu/{dossier.code}/ket-qua/{result.pk}").status_code == 404


def test_closing_the_dossier_on_a_shared_computer_forgets_the_secret(client, portal, submitted):
    dossier, secret = submitted
    _look_up(client, dossier.code, secret)
    assert client.get(f"/tra-cuu/{dossier.code}").status_code == 200
    closed = client.post(f"/tra-cuu/{dossier.code}/dong")
    assert closed.status_code == 302 and "Hồ sơ đã được đóng trên máy tính này." in text(client.get("/tra-cuu/"))
    assert client.get(f"/tra-cuu/{dossier.code}").status_code == 302


def test_a_changed_secret_digest_closes_an_open_session(client, portal, submitted):
    dossier, secret = submitted
    _look_up(client, dossier.code, secret)
    Dossier.objects.filter(pk=dossier.pk).update(access_secret_digest="f" * 64)
    assert client.get(f"/tra-cuu/{dossier.code}").status_code == 302
