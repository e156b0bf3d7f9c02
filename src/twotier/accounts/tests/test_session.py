import datetime as dt
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

import twotier.settings as production_settings
from twotier.accounts.models import User
from twotier.accounts.policies import SESSION_LAST_SEEN, SESSION_LOGOUT_REASON
from twotier.accounts.tests.helpers import last_event, login

pytestmark = pytest.mark.django_db


def _set_last_seen(client, seconds_ago):
    session = client.session
    session[SESSION_LAST_SEEN] = int(time.time()) - seconds_ago
    session.save()


def test_idle_timeout_settings_are_at_most_fifteen_minutes():
    assert production_settings.TWOTIER_IDLE_TIMEOUT_SECONDS == 900
    assert production_settings.SESSION_COOKIE_AGE == production_settings.TWOTIER_IDLE_TIMEOUT_SECONDS
    assert production_settings.SESSION_SAVE_EVERY_REQUEST is True


def test_every_request_pushes_the_session_expiry_forward(client, clerk):
    login(client, "clerk")
    session = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + dt.timedelta(seconds=60))
    assert client.get("/").status_code == 200
    expire = Session.objects.get(session_key=client.session.session_key).expire_date
    remaining = (expire - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 5 < remaining <= settings.SESSION_COOKIE_AGE


def test_an_expired_session_row_is_anonymous(client, clerk):
    login(client, "clerk")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_idle_session_is_logged_out_with_a_message_and_audited(client, clerk):
    login(client, "clerk")
    _set_last_seen(client, settings.TWOTIER_IDLE_TIMEOUT_SECONDS + 1)
    response = client.get("/accounts/me/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/me/"
    event = last_event("auth.session_timeout")
    assert event.actor_id == clerk.pk
    assert event.changes == {"reason": "idle_timeout", "idle_timeout_seconds": 900}
    assert client.session[SESSION_LOGOUT_REASON] == "idle_timeout"
    page = client.get(response["Location"])
    assert "15" in page.content.decode()
    assert SESSION_LOGOUT_REASON not in client.session
    assert client.get("/").status_code == 302


def test_a_session_active_within_the_timeout_stays_open(client, clerk):
    login(client, "clerk")
    _set_last_seen(client, settings.TWOTIER_IDLE_TIMEOUT_SECONDS - 30)
    assert client.get("/").status_code == 200
    assert client.session[SESSION_LAST_SEEN] >= int(time.time()) - 2
    assert last_event("auth.session_timeout") is None


def test_idle_api_session_becomes_anonymous(client, clerk):
    login(client, "clerk")
    _set_last_seen(client, settings.TWOTIER_IDLE_TIMEOUT_SECONDS + 1)
    assert client.get("/api/v1/units").status_code == 401
    assert last_event("auth.session_timeout").actor_id == clerk.pk


def test_account_disabled_during_a_session_is_logged_out(client, clerk):
    login(client, "clerk")
    User.objects.filter(pk=clerk.pk).update(is_active=False, disabled_reason="administrator")
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert last_event("auth.session_ended").changes == {"reason": "disabled"}
    User.objects.filter(pk=clerk.pk).update(is_active=True)
    assert client.get("/").status_code == 302


def test_account_locked_during_a_session_is_logged_out(client, clerk):
    login(client, "clerk")
    User.objects.filter(pk=clerk.pk).update(locked_at=timezone.now())
    assert client.get("/").status_code == 302
    assert last_event("auth.session_ended").changes == {"reason": "locked"}


def test_last_seen_at_is_written_at_most_once_a_minute(client, clerk):
    login(client, "clerk")
    client.get("/")
    clerk.refresh_from_db()
    first = clerk.last_seen_at
    assert first is not None
    client.get("/")
    clerk.refresh_from_db()
    assert clerk.last_seen_at == first
    User.objects.filter(pk=clerk.pk).update(last_seen_at=first - dt.timedelta(seconds=61))
    client.get("/")
    clerk.refresh_from_db()
    assert clerk.last_seen_at > first


def test_api_refuses_a_session_that_still_owes_a_password_change(client, clerk):
    User.objects.filter(pk=clerk.pk).update(must_change_password=True)
    login(client, "clerk")
    assert client.get("/api/v1/units").status_code == 401


def test_language_switch_login_and_logout_stay_open_before_the_password_change(client, clerk):
    User.objects.filter(pk=clerk.pk).update(must_change_password=True)
    login(client, "clerk")
    assert client.get("/accounts/login/").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"})["Location"] == "/"
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
