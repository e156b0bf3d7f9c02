import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from twotier.accounts.models import User
from twotier.accounts.policies import SESSION_LAST_SEEN, SESSION_MFA_OK
from twotier.accounts.services import account_unlock
from twotier.accounts.tests.helpers import PASSWORD, actions, last_event, login
from twotier.accounts.views import generic_login_failure
from twotier.core.audit import audit_verify
from twotier.core.models import AuditEvent
from twotier.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_renders_labelled_fields_with_autocomplete(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert "<script" not in html


def test_successful_login_opens_a_session_and_is_audited(client, clerk):
    response = login(client, "clerk")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.session[SESSION_LAST_SEEN] > 0
    assert SESSION_MFA_OK not in client.session
    event = last_event("auth.login")
    assert event.actor_id == clerk.pk
    assert event.changes == {"mfa_required": False, "must_change_password": False}
    clerk.refresh_from_db()
    assert clerk.last_login is not None


def test_login_follows_a_safe_next_and_ignores_an_external_one(client, clerk):
    assert login(client, "clerk", next="/accounts/me/")["Location"] == "/accounts/me/"
    client.post("/accounts/logout/")
    assert login(client, "clerk", next="https://evil.example/")["Location"] == "/"


def test_unknown_user_gets_the_same_generic_message_as_a_wrong_password(client, clerk):
    unknown = login(client, "nobody", "Whatever@123")
    wrong = login(client, "clerk", "Wrong@Password1")
    assert unknown.status_code == wrong.status_code == 200
    message = generic_login_failure()
    assert message in unknown.content.decode()
    assert message in wrong.content.decode()
    assert unknown.content.decode().count('role="alert"') == wrong.content.decode().count('role="alert"')
    event = last_event("auth.login_failed")
    assert event.changes == {"reason": "wrong_password", "failed_logins": 1}
    anonymous = AuditEvent.objects.get(action="auth.login_failed", actor_id__isnull=True)
    assert anonymous.changes == {"username": "nobody", "reason": "unknown_user"}
    assert anonymous.target_id == ""


def test_lock_after_exactly_five_consecutive_failures(client, clerk):
    assert settings.TWOTIER_MAX_FAILED_LOGINS == 5
    for attempt in range(1, 5):
        login(client, "clerk", "Wrong@Password1")
        clerk.refresh_from_db()
        assert clerk.failed_logins == attempt
        assert clerk.locked_at is None
    login(client, "clerk", "Wrong@Password1")
    clerk.refresh_from_db()
    assert clerk.failed_logins == 5
    assert clerk.locked_at is not None
    assert actions(target_id=str(clerk.pk)) == ["auth.login_failed"] * 5 + ["auth.locked"]
    assert last_event("auth.locked").changes == {"failed_logins": 5, "limit": 5}
    # The right password no longer opens the account, and the message stays generic.
    response = login(client, "clerk", PASSWORD)
    assert response.status_code == 200
    assert generic_login_failure() in response.content.decode()
    assert client.get("/").status_code == 302
    assert last_event("auth.login_failed").changes == {"reason": "locked"}
    assert audit_verify() is None


def test_a_success_resets_the_failure_count(client, clerk):
    for _ in range(4):
        login(client, "clerk", "Wrong@Password1")
    login(client, "clerk")
    clerk.refresh_from_db()
    assert clerk.failed_logins == 0
    client.post("/accounts/logout/")
    login(client, "clerk", "Wrong@Password1")
    clerk.refresh_from_db()
    assert clerk.failed_logins == 1
    assert clerk.locked_at is None


def test_unlock_lets_the_account_log_in_again(client, clerk, admin_user):
    User.objects.filter(pk=clerk.pk).update(failed_logins=5, locked_at=timezone.now())
    clerk.refresh_from_db()
    assert account_unlock(actor=None, user=clerk) is True
    assert (clerk.failed_logins, clerk.locked_at) == (0, None)
    event = last_event("account.unlock")
    assert event.changes["failed_logins"] == [5, 0]
    assert event.changes["locked_at"][1] is None
    assert login(client, "clerk").status_code == 302
    # Unlocking an account that is not locked changes nothing.
    count = len(actions())
    assert account_unlock(actor=None, user=clerk) is False
    assert len(actions()) == count


def test_disabled_account_cannot_log_in(client, clerk):
    User.objects.filter(pk=clerk.pk).update(is_active=False, disabled_reason="administrator")
    response = login(client, "clerk")
    assert response.status_code == 200
    assert generic_login_failure() in response.content.decode()
    assert last_event("auth.login_failed").changes == {
        "reason": "disabled",
        "disabled_reason": "administrator",
    }
    clerk.refresh_from_db()
    assert clerk.failed_logins == 0


def test_dormant_account_is_disabled_at_login(client):
    old = timezone.now() - dt.timedelta(days=settings.TWOTIER_DORMANT_DAYS + 1)
    user = UserFactory(username="sleepy")
    User.objects.filter(pk=user.pk).update(date_joined=old - dt.timedelta(days=30), last_login=old)
    response = login(client, "sleepy")
    assert response.status_code == 200
    assert generic_login_failure() in response.content.decode()
    user.refresh_from_db()
    assert (user.is_active, user.disabled_reason) == (False, "dormant")
    assert actions(target_id=str(user.pk)) == ["account.disabled_dormant", "auth.login_failed"]
    assert last_event("auth.login_failed").changes == {"reason": "dormant"}
    # A second attempt reports a disabled account and does not disable it again.
    login(client, "sleepy")
    assert actions(action="account.disabled_dormant") == ["account.disabled_dormant"]


def test_never_used_account_created_long_ago_is_dormant(client):
    user = UserFactory(username="never")
    old = timezone.now() - dt.timedelta(days=settings.TWOTIER_DORMANT_DAYS + 1)
    User.objects.filter(pk=user.pk).update(date_joined=old, last_login=None)
    login(client, "never")
    user.refresh_from_db()
    assert user.is_active is False


def test_recent_account_that_never_logged_in_is_not_dormant(client):
    user = UserFactory(username="fresh")
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - dt.timedelta(days=3), last_login=None)
    assert login(client, "fresh").status_code == 302


def test_logout_is_post_only_and_audited(client, clerk):
    login(client, "clerk")
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert last_event("auth.logout").actor_id == clerk.pk
    assert client.get("/").status_code == 302


def test_admin_login_goes_through_the_accounts_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/admin/")
