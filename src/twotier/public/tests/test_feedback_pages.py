"""Rating and complaining on the status page of a finished dossier: once, audited, only for its applicant."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from twotier.accounts.models import AccountKind
from twotier.core.models import AuditEvent
from twotier.dossiers.models import Dossier
from twotier.public.tests.helpers import SUBMIT_URL, finish, form_data, submitted_code
from twotier.testing.factories import UserFactory
from twotier.web.tests.helpers import text

pytestmark = pytest.mark.urls("twotier.public.tests.urls")


@pytest.fixture
def opened(client, portal, media):
    """A client that submitted a dossier (so holds its secret in the session), and the dossier."""
    code = submitted_code(client.post(SUBMIT_URL, form_data(client)))
    return Dossier.objects.get(code=code)


def _feedback_state(dossier: Dossier):  # type: ignore[no-untyped-def]
    row = Dossier.objects.values_list("rating", "complaint").get(pk=dossier.pk)
    return row, AuditEvent.objects.filter(action__in=["dossier.rate", "dossier.complain"]).count()


def test_no_feedback_before_the_result_and_posting_anyway_changes_nothing(client, opened):
    assert "Ý kiến của Ông/Bà" not in text(client.get(f"/tra-cuu/{opened.code}"))
    before = _feedback_state(opened)
    rated = client.post(f"/tra-cuu/{opened.code}/danh-gia", {"rating": "like"})
    assert rated.status_code == 302 and rated["Location"] == f"/tra-cuu/{opened.code}#feedback"
    assert "Chỉ có thể đánh giá, phản ánh khi hồ sơ đã có kết quả." in text(client.get(rated["Location"]))
    client.post(f"/tra-cuu/{opened.code}/gop-y", {"text": "Chậm quá"})
    assert _feedback_state(opened) == before


def test_the_applicant_rates_once(client, portal, opened):
    finish(portal, opened, returned=True)
    page = text(client.get(f"/tra-cuu/{opened.code}"))
    assert "Ông/Bà có hài lòng với việc giải quyết hồ sơ không?" in page and "Mỗi hồ sơ được đánh giá một lần." in page
    done = client.post(f"/tra-cuu/{opened.code}/danh-gia", {"rating": "like"}, follow=True)
    body = text(done)
    assert "Cảm ơn Ông/Bà đã đánh giá việc giải quyết hồ sơ." in body
    assert "Ông/Bà đã đánh giá việc giải quyết hồ sơ: Hài lòng. Xin cảm ơn." in body
    assert 'name="rating"' not in done.content.decode()
    [event] = AuditEvent.objects.filter(action="dossier.rate")
    assert event.changes == {"rating": ["", "like"], "via": "secret"}
    before = _feedback_state(opened)
    changed = client.post(f"/tra-cuu/{opened.code}/danh-gia", {"rating": "dislike"}, follow=True)
    assert "Ông/Bà đã đánh giá hồ sơ này; không thể thay đổi đánh giá." in text(changed)
    client.post(f"/tra-cuu/{opened.code}/danh-gia", {"rating": "like"})  # a double click: no second event
    bogus = client.post(f"/tra-cuu/{opened.code}/danh-gia", {"rating": "5"}, follow=True)
    assert "Chọn “Hài lòng” hoặc “Không hài lòng”." in text(bogus)
    assert _feedback_state(opened) == before


def test_the_applicant_complains_once(client, portal, opened):
    finish(portal, opened)
    empty = client.post(f"/tra-cuu/{opened.code}/gop-y", {"text": "   "})
    assert empty.status_code == 200
    assert "Phản ánh, kiến nghị của Ông/Bà — Vui lòng viết nội dung phản ánh trước khi gửi." in text(empty)
    too_long = client.post(f"/tra-cuu/{opened.code}/gop-y", {"text": "x" * 2001})
    assert too_long.status_code == 200 and "2000" in text(too_long)
    assert _feedback_state(opened) == (("", ""), 0)

    sent = client.post(f"/tra-cuu/{opened.code}/gop-y", {"text": "Cán bộ hẹn sai ngày <b>hai lần</b>"}, follow=True)
    body = sent.content.decode()
    assert "Phản ánh của Ông/Bà đã được ghi nhận và chuyển tới cơ quan giải quyết." in text(sent)
    assert "Cán bộ hẹn sai ngày &lt;b&gt;hai lần&lt;/b&gt;" in body  # shown back, escaped
    assert 'name="text"' not in body
    assert Dossier.objects.get(pk=opened.pk).complaint == "Cán bộ hẹn sai ngày <b>hai lần</b>"
    before = _feedback_state(opened)
    again = client.post(f"/tra-cuu/{opened.code}/gop-y", {"text": "Một ý kiến khác"}, follow=True)
    assert "Phản ánh của Ông/Bà về hồ sơ này đã được ghi nhận." in text(again)
    assert _feedback_state(opened) == before


def test_nobody_else_can_rate_complain_or_download(portal, opened, client):
    finish(portal, opened)
    result = Dossier.objects.get(pk=opened.pk).results.get()
    other_citizen = Client()
    other_citizen.force_login(UserFactory(username="binh.citizen", kind=AccountKind.CITIZEN))
    staff = Client()
    staff.force_login(portal.receiver)
    before = _feedback_state(opened)
    for stranger in (Client(), other_citizen, staff):
        assert stranger.get(f"/tra-cuu/{opened.code}")["Location"] == f"/tra-cuu/?ma={opened.code}"
        assert stranger.post(f"/tra-cuu/{opened.code}/danh-gia", {"rating": "dislike"}).status_code == 302
        assert stranger.post(f"/tra-cuu/{opened.code}/gop-y", {"text": "Giả mạo"}).status_code == 302
        download = stranger.get(f"/tra-cuu/{opened.code}/ket-qua/{result.pk}")
        assert download.status_code == 302 and "ket-qua" not in download["Location"]
    assert _feedback_state(opened) == before
    assert not AuditEvent.objects.filter(action="personal_data.view", target_type="dossiers.dossierresult").exists()


def test_the_owner_account_gives_feedback_without_the_secret(portal, media):
    citizen = UserFactory(username="an.citizen", kind=AccountKind.CITIZEN)
    client = Client()
    client.force_login(citizen)
    code = submitted_code(client.post(SUBMIT_URL, form_data(client)))
    session = client.session
    session.pop("twotier_public_secrets")
    session.save()
    dossier = finish(portal, Dossier.objects.get(code=code))
    client.post(f"/tra-cuu/{code}/danh-gia", {"rating": "dislike"})
    result = dossier.results.get()
    assert client.get(f"/tra-cuu/{code}/ket-qua/{result.pk}").status_code == 200
    assert Dossier.objects.get(pk=dossier.pk).rating == "dislike"
    [event] = AuditEvent.objects.filter(action="dossier.rate")
    assert event.actor_id == citizen.pk and event.changes["via"] == "account"


def test_feedback_forms_carry_a_csrf_token(client, portal, opened):
    finish(portal, opened)
    html = client.get(f"/tra-cuu/{opened.code}").content.decode()
    forms = re.findall(r"<form method=\"post\".*?</form>", html, flags=re.S)
    assert len(forms) == 3  # rating, complaint, close
    assert all("csrfmiddlewaretoken" in form for form in forms)
