import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.utils import timezone

from twotier.accounts.admin import UserAdmin
from twotier.accounts.models import User
from twotier.accounts.policies import SESSION_MFA_OK
from twotier.accounts.tests.helpers import last_event
from twotier.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client():
    root = User.objects.create_superuser("root", password="Root@2026!x", must_change_password=False)
    client = Client()
    client.force_login(root)
    session = client.session
    session[SESSION_MFA_OK] = True
    session.save()
    return root, client


def test_user_admin_lists_and_searches(root_client):
    _root, client = root_client
    UserFactory(username="findme", full_name="Hoàng Thị Tìm")
    response = client.get("/admin/accounts/user/", {"q": "findme"})
    assert response.status_code == 200
    assert "findme" in response.content.decode()
    assert client.get("/admin/accounts/user/", {"locked": "yes"}).status_code == 200


def test_admin_cannot_add_or_delete_accounts_and_security_state_is_read_only(root_client):
    _root, client = root_client
    assert client.get("/admin/accounts/user/add/").status_code == 403
    model_admin = site._registry[User]
    assert isinstance(model_admin, UserAdmin)
    for field in ("is_active", "locked_at", "failed_logins", "is_superuser", "must_change_password"):
        assert field in model_admin.readonly_fields
    shown = {name for _title, options in model_admin.fieldsets for name in options["fields"]}
    assert not shown & {"password", "totp_secret", "last_totp_step"}


def test_admin_unlock_action_goes_through_the_service(root_client):
    root, client = root_client
    locked = UserFactory(username="locked")
    User.objects.filter(pk=locked.pk).update(failed_logins=5, locked_at=timezone.now())
    response = client.post("/admin/accounts/user/", {"action": "unlock_accounts", "_selected_action": [locked.pk]})
    assert response.status_code == 302
    locked.refresh_from_db()
    assert (locked.locked_at, locked.failed_logins) == (None, 0)
    event = last_event("account.unlock")
    assert (event.actor_id, event.target_id) == (root.pk, str(locked.pk))


def test_admin_disable_action_is_audited_and_refuses_self(root_client):
    root, client = root_client
    other = UserFactory(username="other")
    client.post("/admin/accounts/user/", {"action": "disable_accounts", "_selected_action": [other.pk, root.pk]})
    other.refresh_from_db()
    root.refresh_from_db()
    assert other.is_active is False
    assert root.is_active is True
    assert last_event("account.disable").target_id == str(other.pk)


def test_admin_profile_edit_is_audited(root_client):
    _root, client = root_client
    person = UserFactory(username="person", full_name="Cũ")
    response = client.post(
        f"/admin/accounts/user/{person.pk}/change/",
        {
            "full_name": "Mới",
            "kind": "staff",
            "personal_id": "",
            "email": "",
            "phone": "",
            "access_tokens-TOTAL_FORMS": "0",
            "access_tokens-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.full_name == "Mới"
    assert last_event("account.update").changes == {"full_name": "Mới"}


def test_viewing_an_account_in_the_admin_logs_the_personal_data_view(root_client):
    root, client = root_client
    person = UserFactory(username="person", personal_id="079123456789")
    assert client.get(f"/admin/accounts/user/{person.pk}/change/").status_code == 200
    event = last_event("personal_data.view")
    assert (event.actor_id, event.target_id) == (root.pk, str(person.pk))
    assert event.changes == {"fields": ["email", "full_name", "personal_id", "phone"], "purpose": "admin"}


def test_admin_logout_is_audited(root_client):
    root, client = root_client
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert last_event("auth.logout").actor_id == root.pk
