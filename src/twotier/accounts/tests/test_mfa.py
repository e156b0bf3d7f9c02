import pyotp
import pytest
from django.utils import timezone

from twotier.accounts.models import User
from twotier.accounts.policies import SESSION_MFA_OK
from twotier.accounts.services import totp_verify
from twotier.accounts.tests.helpers import actions, code_for, last_event, login, wrong_code_for
from twotier.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def test_province_admin_cannot_reach_home_before_the_second_factor(client, enrolled_admin):
    response = login(client, "padmin")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"] == "/accounts/mfa/"
    assert client.get("/accounts/me/")["Location"] == "/accounts/mfa/?next=%2Faccounts%2Fme%2F"
    assert client.get("/accounts/me/")["Location"].startswith("/accounts/mfa/")
    assert last_event("auth.login").changes["mfa_required"] is True
    # The session cannot use the API either until the factor is passed.
    assert client.get("/api/v1/units").status_code == 401


def test_correct_code_completes_the_login_with_a_new_session_key(client, enrolled_admin):
    login(client, "padmin")
    key_before = client.session.session_key
    response = client.post("/accounts/mfa/", {"code": code_for(enrolled_admin), "next": "/accounts/me/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/me/"
    assert client.session[SESSION_MFA_OK] is True
    assert client.session.session_key != key_before
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/units").status_code == 200
    assert last_event("auth.mfa_verified").actor_id == enrolled_admin.pk


def test_wrong_code_fails_and_is_audited(client, enrolled_admin):
    login(client, "padmin")
    wrong = wrong_code_for(enrolled_admin)
    response = client.post("/accounts/mfa/", {"code": wrong})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_code_helptext id_code_error"' in html
    assert SESSION_MFA_OK not in client.session
    event = last_event("auth.mfa_failed")
    assert event.actor_id == enrolled_admin.pk
    assert event.changes == {"reason": "wrong_code", "failed_logins": 1}
    assert client.get("/").status_code == 302


def test_replayed_code_is_refused(client, enrolled_admin):
    code = code_for(enrolled_admin)
    login(client, "padmin")
    assert client.post("/accounts/mfa/", {"code": code}).status_code == 302
    client.post("/accounts/logout/")
    login(client, "padmin")
    response = client.post("/accounts/mfa/", {"code": code})
    assert response.status_code == 200
    assert SESSION_MFA_OK not in client.session
    assert last_event("auth.mfa_failed").changes == {"reason": "replayed_code", "failed_logins": 1}


def test_an_older_code_after_a_newer_one_is_refused(enrolled_admin):
    now = timezone.now()
    totp_verify(user=enrolled_admin, code=code_for(enrolled_admin, now=now), now=now)
    with pytest.raises(InvalidInput) as exc:
        totp_verify(user=enrolled_admin, code=code_for(enrolled_admin, -1, now=now), now=now)
    assert [(f.field, f.rule) for f in exc.value.fields] == [("code", "replayed_code")]
    assert enrolled_admin.failed_logins == 1


def test_codes_one_step_away_are_accepted_two_are_not(enrolled_admin):
    now = timezone.now()
    totp_verify(user=enrolled_admin, code=code_for(enrolled_admin, -1, now=now), now=now)
    totp_verify(user=enrolled_admin, code=code_for(enrolled_admin, 1, now=now), now=now)
    with pytest.raises(InvalidInput) as exc:
        totp_verify(user=enrolled_admin, code=code_for(enrolled_admin, 3, now=now), now=now)
    assert exc.value.fields[0].rule == "wrong_code"


def test_five_wrong_codes_lock_the_account_and_end_the_session(client, enrolled_admin):
    login(client, "padmin")
    wrong = wrong_code_for(enrolled_admin)
    for _ in range(4):
        assert client.post("/accounts/mfa/", {"code": wrong}).status_code == 200
    response = client.post("/accounts/mfa/", {"code": wrong})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    enrolled_admin.refresh_from_db()
    assert enrolled_admin.locked_at is not None
    assert "auth.locked" in actions(target_id=str(enrolled_admin.pk))
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_first_login_of_an_administrator_enrols_with_a_qr_code(client, admin_user):
    login(client, "padmin")
    assert client.get("/")["Location"] == "/accounts/mfa/"
    response = client.get("/accounts/mfa/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/mfa/enrol/"
    html = response.content.decode()
    assert '<svg role="img"' in html
    admin_user.refresh_from_db()
    secret = admin_user.totp_secret
    assert len(secret) == 32
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in html
    assert admin_user.totp_confirmed_at is None
    assert "<script" not in html
    # Reloading keeps the same secret (the QR code already scanned stays valid).
    client.get("/accounts/mfa/enrol/")
    admin_user.refresh_from_db()
    assert admin_user.totp_secret == secret
    response = client.post("/accounts/mfa/enrol/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.totp_confirmed_at is not None
    assert client.session[SESSION_MFA_OK] is True
    assert client.get("/").status_code == 200
    assert actions(target_id=str(admin_user.pk))[-2:] == ["auth.mfa_enrolment_started", "auth.mfa_enrolled"]


def test_enrolment_with_a_wrong_code_does_not_confirm(client, admin_user):
    login(client, "padmin")
    client.get("/accounts/mfa/enrol/")
    response = client.post("/accounts/mfa/enrol/", {"code": "12"})
    assert response.status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.totp_confirmed_at is None
    assert last_event("auth.mfa_failed").changes["reason"] == "wrong_code"


def test_account_without_admin_role_is_not_asked_for_a_code(client, clerk):
    login(client, "clerk")
    assert client.get("/").status_code == 200


def test_voluntarily_enrolled_account_is_asked_for_a_code(client, clerk):
    User.objects.filter(pk=clerk.pk).update(totp_secret=pyotp.random_base32(), totp_confirmed_at=timezone.now())
    login(client, "clerk")
    assert client.get("/")["Location"] == "/accounts/mfa/"


def test_superuser_needs_the_second_factor_for_the_admin_site(client):
    User.objects.create_superuser("root", password="Root@2026!x", must_change_password=False)
    login(client, "root", "Root@2026!x")
    response = client.get("/admin/")
    assert response["Location"] == "/accounts/mfa/?next=%2Fadmin%2F"
