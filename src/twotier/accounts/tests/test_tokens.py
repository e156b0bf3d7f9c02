import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from twotier.accounts.models import PersonalAccessToken, User
from twotier.accounts.services import token_create, token_revoke
from twotier.accounts.tests.helpers import actions, last_event, login
from twotier.core.errors import InvalidInput, NotFound
from twotier.testing.factories import UserFactory, post_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(commune):
    user = UserFactory(username="receiver")
    post_make(commune, "one_stop_receiver", holder=user)
    return user


def _bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_created_token_is_shown_once_and_only_its_digest_is_stored(client, receiver):
    login(client, "receiver")
    response = client.post("/accounts/me/tokens/", {"name": "Báo cáo tự động", "expires_in_days": 30})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = response.context["new_token"]
    assert raw.startswith("tt_")
    assert raw in response.content.decode()
    token = PersonalAccessToken.objects.get(user=receiver)
    _tt, prefix, secret = raw.split("_", 2)
    assert token.prefix == prefix
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(PersonalAccessToken.objects.filter(pk=token.pk).values().get())
    assert (token.expires_at - timezone.now()).days in (29, 30)
    # The account page lists the token without its secret.
    page = client.get("/accounts/me/").content.decode()
    assert "Báo cáo tự động" in page
    assert secret not in page
    event = last_event("account.token_create")
    assert event.actor_id == receiver.pk
    assert event.changes["token"] == prefix
    assert secret not in str(event.changes)


def test_token_authenticates_the_api(client, receiver):
    raw = token_create(actor=receiver, user=receiver, name="script", expires_in_days=7).raw
    response = client.get("/api/v1/units", headers=_bearer(raw))
    assert response.status_code == 200
    assert [u["code"] for u in response.json()["items"]] == ["C1"]
    assert PersonalAccessToken.objects.get(user=receiver).last_used_at is not None


def test_revoked_token_is_refused(client, receiver):
    created = token_create(actor=receiver, user=receiver, name="script", expires_in_days=7)
    assert token_revoke(actor=receiver, token=created.token) is True
    response = client.get("/api/v1/units", headers=_bearer(created.raw))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert last_event("account.token_revoke").changes == {"token": created.token.prefix, "name": "script"}
    assert token_revoke(actor=receiver, token=created.token) is False
    assert actions(action="account.token_revoke") == ["account.token_revoke"]


def test_expired_token_is_refused(client, receiver):
    created = token_create(actor=receiver, user=receiver, name="script", expires_in_days=1)
    PersonalAccessToken.objects.filter(pk=created.token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/units", headers=_bearer(created.raw)).status_code == 401


def test_token_of_a_locked_account_is_refused(client, receiver):
    raw = token_create(actor=receiver, user=receiver, name="script", expires_in_days=7).raw
    User.objects.filter(pk=receiver.pk).update(locked_at=timezone.now())
    assert client.get("/api/v1/units", headers=_bearer(raw)).status_code == 401


def test_revoke_from_the_account_page(client, receiver):
    created = token_create(actor=receiver, user=receiver, name="script", expires_in_days=7)
    login(client, "receiver")
    response = client.post(f"/accounts/me/tokens/{created.token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/me/"
    created.token.refresh_from_db()
    assert created.token.revoked_at is not None


def test_someone_elses_token_cannot_be_revoked(client, receiver, clerk):
    created = token_create(actor=receiver, user=receiver, name="script", expires_in_days=7)
    login(client, "clerk")
    assert client.post(f"/accounts/me/tokens/{created.token.pk}/revoke/").status_code == 404
    created.token.refresh_from_db()
    assert created.token.revoked_at is None
    with pytest.raises(NotFound):
        token_create(actor=clerk, user=receiver, name="x", expires_in_days=1)


@pytest.mark.parametrize(
    ("name", "days", "issues"),
    [
        ("", 30, [("name", "required")]),
        ("ok", 0, [("expires_in_days", "range")]),
        ("ok", 366, [("expires_in_days", "range")]),
    ],
)
def test_invalid_token_input_names_the_field_and_creates_nothing(receiver, name, days, issues):
    with pytest.raises(InvalidInput) as exc:
        token_create(actor=receiver, user=receiver, name=name, expires_in_days=days)
    assert [(f.field, f.rule) for f in exc.value.fields] == issues
    assert PersonalAccessToken.objects.count() == 0


def test_invalid_token_form_shows_the_error_at_the_field(client, receiver):
    login(client, "receiver")
    response = client.post("/accounts/me/tokens/", {"name": "x", "expires_in_days": 1000})
    assert response.status_code == 200
    assert response.context["new_token"] is None
    assert 'id="id_expires_in_days_error"' in response.content.decode()
    assert PersonalAccessToken.objects.count() == 0
