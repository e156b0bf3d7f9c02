import pytest
from django.contrib.auth.password_validation import validate_password
from django.utils import translation

import twotier.settings as production_settings
from twotier.accounts.models import User
from twotier.accounts.services import account_create, password_change, temporary_password
from twotier.accounts.tests.helpers import PASSWORD, actions, last_event, login
from twotier.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def test_argon2_is_the_first_password_hasher():
    # conftest swaps in MD5 for speed; the production settings module keeps Argon2 first.
    assert production_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_password_validators_enforce_length_and_complexity():
    names = [v["NAME"].rsplit(".", 1)[-1] for v in production_settings.AUTH_PASSWORD_VALIDATORS]
    assert "MinimumLengthValidator" in names
    assert "ComplexityValidator" in names
    length = next(v for v in production_settings.AUTH_PASSWORD_VALIDATORS if "MinimumLength" in v["NAME"])
    assert length["OPTIONS"]["min_length"] >= 8


@pytest.mark.parametrize(
    ("new", "rules"),
    [
        ("Ab1!", {"password_too_short"}),
        ("abcdefgh12", {"password_complexity"}),
        ("ABCDEFGH!!", {"password_complexity"}),
        ("password", {"password_too_common", "password_complexity"}),
    ],
)
def test_password_change_names_each_broken_rule(clerk, new, rules):
    before = User.objects.get(pk=clerk.pk).password
    with pytest.raises(InvalidInput) as exc:
        password_change(user=clerk, old=PASSWORD, new=new)
    assert {f.rule for f in exc.value.fields} == rules
    assert {f.field for f in exc.value.fields} == {"new_password"}
    assert User.objects.get(pk=clerk.pk).password == before
    assert "auth.password_changed" not in actions()


def test_complexity_message_says_what_is_missing(clerk):
    with translation.override("en"), pytest.raises(InvalidInput) as exc:
        password_change(user=clerk, old=PASSWORD, new="abcdefgh12")
    assert exc.value.fields[0].message == "The password must contain an upper-case letter, a symbol."


def test_complexity_message_is_vietnamese_by_default(clerk):
    with translation.override("vi"), pytest.raises(InvalidInput) as exc:
        password_change(user=clerk, old=PASSWORD, new="abcdefgh12")
    message = exc.value.fields[0].message
    assert message.startswith("Mật khẩu phải có ")
    assert "The password" not in message


def test_new_password_must_differ_from_the_old(clerk):
    with pytest.raises(InvalidInput) as exc:
        password_change(user=clerk, old=PASSWORD, new=PASSWORD)
    assert [f.rule for f in exc.value.fields] == ["unchanged"]


def test_wrong_current_password_is_counted_and_audited(clerk):
    with pytest.raises(InvalidInput) as exc:
        password_change(user=clerk, old="Wrong@Pass1", new="Better@2026x")
    assert [(f.field, f.rule) for f in exc.value.fields] == [("old_password", "incorrect")]
    assert clerk.failed_logins == 1
    assert last_event("auth.password_change_failed").changes == {
        "reason": "wrong_password",
        "failed_logins": 1,
    }
    assert clerk.check_password(PASSWORD)


def test_password_change_clears_the_flag_and_is_audited(clerk):
    User.objects.filter(pk=clerk.pk).update(must_change_password=True)
    clerk.refresh_from_db()
    password_change(user=clerk, old=PASSWORD, new="Better@2026x")
    clerk.refresh_from_db()
    assert clerk.check_password("Better@2026x")
    assert clerk.must_change_password is False
    assert clerk.password_changed_at is not None
    assert last_event("auth.password_changed").changes == {"forced": True}


def test_first_login_is_forced_to_change_the_password(client):
    created = account_create(actor=None, username="newbie", full_name="Nguyễn Văn Mới")
    assert created.user.must_change_password is True
    response = login(client, "newbie", created.temporary_password)
    assert response.status_code == 302
    assert client.get("/")["Location"] == "/accounts/password/"
    assert client.get("/accounts/me/")["Location"] == "/accounts/password/?next=%2Faccounts%2Fme%2F"
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'autocomplete="new-password"' in html
    assert 'aria-describedby="id_new_password1_helptext"' in html
    response = client.post(
        "/accounts/password/",
        {
            "old_password": created.temporary_password,
            "new_password1": "Riêng@2026tư",
            "new_password2": "Riêng@2026tư",
            "next": "/accounts/me/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/me/"
    # The session survives the change (its auth hash was updated).
    assert client.get("/").status_code == 200
    user = User.objects.get(username="newbie")
    assert user.must_change_password is False
    assert user.check_password("Riêng@2026tư")


def test_password_page_ties_errors_to_their_fields(client, clerk):
    login(client, "clerk")
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_new_password1_error"' in html
    assert 'aria-describedby="id_new_password1_helptext id_new_password1_error"' in html
    assert 'aria-invalid="true"' in html


def test_mismatched_new_passwords_are_refused_before_the_service(client, clerk):
    login(client, "clerk")
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Better@2026x", "new_password2": "Better@2026y"},
    )
    assert response.status_code == 200
    assert 'id="id_new_password2_error"' in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)


def test_temporary_passwords_follow_the_rules():
    passwords = {temporary_password() for _ in range(20)}
    assert len(passwords) == 20
    for password in passwords:
        assert len(password) == 14
        validate_password(password)
