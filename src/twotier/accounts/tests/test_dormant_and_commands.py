import datetime as dt
from io import StringIO

import pyotp
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from twotier.accounts.models import PersonalAccessToken, User
from twotier.accounts.services import accounts_disable_dormant
from twotier.accounts.tasks import disable_dormant_accounts
from twotier.accounts.tests.helpers import actions, last_event
from twotier.org.models import UnitType
from twotier.testing.factories import UserFactory, post_make, unit_make

pytestmark = pytest.mark.django_db

DAYS = settings.TWOTIER_DORMANT_DAYS


def _aged(username, *, joined_days, login_days=None, **fields):
    user = UserFactory(username=username)
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(
        date_joined=now - dt.timedelta(days=joined_days),
        last_login=None if login_days is None else now - dt.timedelta(days=login_days),
        **fields,
    )
    return user


def test_task_disables_only_accounts_unused_for_the_dormancy_period():
    assert DAYS == 45
    dormant = _aged("old-login", joined_days=200, login_days=DAYS + 1)
    never = _aged("never-used", joined_days=DAYS + 1)
    _aged("recent-login", joined_days=200, login_days=DAYS - 1)
    _aged("new-account", joined_days=DAYS - 1)
    _aged("seen-recently", joined_days=200, login_days=100, last_seen_at=timezone.now() - dt.timedelta(days=2))
    _aged("re-enabled", joined_days=200, login_days=100, reactivated_at=timezone.now() - dt.timedelta(days=1))
    token_user = _aged("api-client", joined_days=200)
    PersonalAccessToken.objects.create(
        user=token_user, name="sync", prefix="abcd1234", digest="0" * 64, last_used_at=timezone.now()
    )
    assert accounts_disable_dormant() == 2
    disabled = set(User.objects.filter(is_active=False).values_list("username", flat=True))
    assert disabled == {"old-login", "never-used"}
    for user in (dormant, never):
        user.refresh_from_db()
        assert user.disabled_reason == "dormant"
    assert actions(action="account.disabled_dormant") == ["account.disabled_dormant"] * 2
    assert last_event("account.disabled_dormant").actor_id is None
    # Idempotent: a second run changes nothing.
    assert accounts_disable_dormant() == 0
    assert len(actions(action="account.disabled_dormant")) == 2


def test_dormancy_counts_from_the_given_moment():
    _aged("edge", joined_days=200, login_days=10)
    assert accounts_disable_dormant(now=timezone.now() + dt.timedelta(days=DAYS - 11)) == 0
    assert accounts_disable_dormant(now=timezone.now() + dt.timedelta(days=DAYS - 9)) == 1


def test_periodic_task_runs_the_service():
    _aged("old-login", joined_days=200, login_days=DAYS + 1)
    assert disable_dormant_accounts.call_local() == 1
    assert User.objects.get(username="old-login").is_active is False


def test_demo_totp_prints_the_current_code_of_a_demo_account():
    secret = pyotp.random_base32()
    UserFactory(username="demo-admin", totp_secret=secret, totp_confirmed_at=timezone.now())
    out = StringIO()
    call_command("demo_totp", "demo-admin", stdout=out, stderr=StringIO())
    code = out.getvalue().strip()
    assert pyotp.TOTP(secret).verify(code, valid_window=1)


def test_demo_totp_starts_enrolment_when_needed():
    user = UserFactory(username="demo-new")
    out = StringIO()
    call_command("demo_totp", "demo-new", stdout=out, stderr=StringIO())
    user.refresh_from_db()
    assert len(user.totp_secret) == 32
    assert user.totp_confirmed_at is None
    assert pyotp.TOTP(user.totp_secret).verify(out.getvalue().strip(), valid_window=1)
    assert last_event("auth.mfa_enrolment_started").target_id == str(user.pk)


def test_demo_totp_refuses_other_accounts_without_force():
    UserFactory(username="real-admin", totp_secret=pyotp.random_base32(), totp_confirmed_at=timezone.now())
    with pytest.raises(CommandError):
        call_command("demo_totp", "real-admin", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("demo_totp", "real-admin", "--force", stdout=out, stderr=StringIO())
    assert len(out.getvalue().strip()) == 6


def test_demo_totp_accepts_holders_of_posts_in_demo_units(commune):
    demo_unit = unit_make("DEMO1", "Xã Mẫu", UnitType.COMMUNE, commune.parent, is_demo=True)
    holder = UserFactory(username="tinh.quantri", totp_secret=pyotp.random_base32())
    post_make(demo_unit, "province_admin", holder=holder)
    out = StringIO()
    call_command("demo_totp", "tinh.quantri", stdout=out, stderr=StringIO())
    assert pyotp.TOTP(holder.totp_secret).verify(out.getvalue().strip(), valid_window=1)


def test_demo_totp_unknown_account():
    with pytest.raises(CommandError):
        call_command("demo_totp", "demo-nobody", stdout=StringIO(), stderr=StringIO())
