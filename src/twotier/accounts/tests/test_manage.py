import datetime as dt
from html import escape

import pytest
from django.utils import timezone

from twotier.accounts.models import AccountKind, User
from twotier.accounts.services import account_create, account_set_active
from twotier.accounts.tests.helpers import actions, last_event, login
from twotier.core.errors import Conflict, Forbidden, InvalidInput
from twotier.core.models import AuditEvent
from twotier.testing.authz import build_world, check_matrix
from twotier.testing.factories import UserFactory, post_make

pytestmark = pytest.mark.django_db

PAGE_DENIED = {"anonymous": 302}


@pytest.fixture
def world(commune):
    return build_world(commune, ("province_admin",), baseline_roles=("specialist",))


@pytest.fixture
def target(commune):
    """A locked specialist of the commune."""
    user = UserFactory(username="locked-specialist")
    post_make(commune, "specialist", holder=user)
    User.objects.filter(pk=user.pk).update(failed_logins=5, locked_at=timezone.now())
    user.refresh_from_db()
    return user


def _state(user):
    def state():
        row = User.objects.get(pk=user.pk)
        return (
            row.locked_at,
            row.failed_logins,
            row.is_active,
            row.password,
            row.must_change_password,
            AuditEvent.objects.count(),
        )

    return state


def test_unlock_authorisation_matrix(world, target):
    responses = check_matrix(
        world,
        lambda actor: actor.client().post(f"/accounts/manage/{target.pk}/unlock/"),
        allowed=302,
        denied=PAGE_DENIED,
        state=_state(target),
    )
    assert responses["anonymous"]["Location"].startswith("/accounts/login/")
    assert responses["with_permission"]["Location"] == "/accounts/manage/"
    target.refresh_from_db()
    assert (target.locked_at, target.failed_logins) == (None, 0)
    event = last_event("account.unlock")
    assert event.actor_id == world["with_permission"].user.pk
    assert event.target_id == str(target.pk)


def test_disable_and_enable_authorisation_matrix(world, target):
    check_matrix(
        world,
        lambda actor: actor.client().post(f"/accounts/manage/{target.pk}/active/", {"active": "0", "note": "left"}),
        allowed=302,
        denied=PAGE_DENIED,
        state=_state(target),
    )
    target.refresh_from_db()
    assert (target.is_active, target.disabled_reason) == (False, "administrator")
    assert last_event("account.disable").changes == {"note": "left"}
    world["with_permission"].client().post(f"/accounts/manage/{target.pk}/active/", {"active": "1"})
    target.refresh_from_db()
    assert (target.is_active, target.disabled_reason) == (True, "")
    assert target.reactivated_at is not None
    assert last_event("account.enable").changes == {"previous_reason": "administrator", "note": ""}


def test_password_reset_authorisation_matrix(world, target):
    responses = check_matrix(
        world,
        lambda actor: actor.client().post(f"/accounts/manage/{target.pk}/password/"),
        allowed=200,
        denied=PAGE_DENIED,
        state=_state(target),
    )
    password = responses["with_permission"].context["password"]
    assert escape(password) in responses["with_permission"].content.decode()
    target.refresh_from_db()
    assert target.check_password(password)
    assert target.must_change_password is True
    assert last_event("account.password_reset").target_id == str(target.pk)


def test_mfa_reset_authorisation_matrix(world, target):
    User.objects.filter(pk=target.pk).update(totp_secret="JBSWY3DPEHPK3PXP", totp_confirmed_at=timezone.now())

    def state():
        row = User.objects.get(pk=target.pk)
        return row.totp_secret, row.totp_confirmed_at, AuditEvent.objects.count()

    check_matrix(
        world,
        lambda actor: actor.client().post(f"/accounts/manage/{target.pk}/mfa-reset/"),
        allowed=302,
        denied=PAGE_DENIED,
        state=state,
    )
    target.refresh_from_db()
    assert (target.totp_secret, target.totp_confirmed_at) == ("", None)
    assert last_event("account.mfa_reset").changes == {"was_confirmed": True}


def test_account_list_shows_only_accounts_in_scope(world, target):
    responses = check_matrix(
        world,
        lambda actor: actor.client().get("/accounts/manage/"),
        allowed=200,
        denied={**PAGE_DENIED, "other_commune": 200},
        state=lambda: AuditEvent.objects.count(),
    )
    mine = {a.username for a in responses["with_permission"].context["page"].object_list}
    assert "locked-specialist" in mine
    assert world["other_commune"].user.username not in mine
    others = {a.username for a in responses["other_commune"].context["page"].object_list}
    assert "locked-specialist" not in others
    assert world["other_commune"].user.username in others


def test_account_create_page_authorisation_matrix(world):
    def call(actor):
        return actor.client().post(
            "/accounts/manage/new/",
            {"username": f"new-{actor.name}", "full_name": "Lê Thị Mới", "kind": "staff", "personal_id": ""},
        )

    responses = check_matrix(
        world,
        call,
        allowed=200,
        denied={**PAGE_DENIED, "other_commune": 200},
        state=None,
    )
    assert not User.objects.filter(username__in=["new-anonymous", "new-citizen", "new-without_permission"]).exists()
    created = User.objects.get(username="new-with_permission")
    password = responses["with_permission"].context["password"]
    assert created.check_password(password)
    assert created.must_change_password is True
    assert last_event("account.create").changes == {
        "username": "new-with_permission",
        "full_name": "Lê Thị Mới",
        "kind": "staff",
        "personal_id": None,
        "password": "generated",
    }


def test_manager_pages_require_the_second_factor_in_the_session(client, world, target):
    manager = world["with_permission"].user
    client.force_login(manager)
    response = client.post(f"/accounts/manage/{target.pk}/unlock/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/mfa/")
    target.refresh_from_db()
    assert target.locked_at is not None


def test_province_admin_cannot_disable_a_superuser(world, commune):
    root = User.objects.create_superuser("root", password="Root@2026!x")
    post_make(commune, "specialist", holder=root)
    response = world["with_permission"].client().post(f"/accounts/manage/{root.pk}/active/", {"active": "0"})
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.is_active is True
    with pytest.raises(Forbidden):
        account_set_active(actor=world["with_permission"].user, user=root, active=False)


def test_nobody_disables_their_own_account(world):
    manager = world["with_permission"].user
    before = AuditEvent.objects.count()
    with pytest.raises(Conflict):
        account_set_active(actor=manager, user=manager, active=False)
    manager.refresh_from_db()
    assert manager.is_active is True
    assert AuditEvent.objects.count() == before


def test_enabling_a_dormant_account_starts_a_fresh_dormancy_period(client, target):
    old = timezone.now() - dt.timedelta(days=100)
    User.objects.filter(pk=target.pk).update(
        is_active=False,
        disabled_reason="dormant",
        last_login=old,
        date_joined=old,
        locked_at=None,
        failed_logins=0,
    )
    account_set_active(actor=None, user=target, active=True)
    assert login(client, "locked-specialist").status_code == 302


@pytest.mark.parametrize(
    ("changes", "issue"),
    [
        ({"personal_id": "12345"}, ("personal_id", "format")),
        ({"personal_id": "12345678901a"}, ("personal_id", "format")),
        ({"personal_id": "001099012345"}, ("personal_id", "unique")),
        ({"username": "taken"}, ("username", "unique")),
        ({"username": "TAKEN"}, ("username", "unique")),
        ({"username": "bad name!"}, ("username", "invalid")),
        ({"full_name": "  "}, ("full_name", "required")),
        ({"kind": "robot"}, ("kind", "invalid_choice")),
        ({"password": "short"}, ("password", "password_too_short")),
    ],
)
def test_account_create_names_the_invalid_field_and_changes_nothing(changes, issue):
    UserFactory(username="taken", personal_id="001099012345")
    before = (User.objects.count(), AuditEvent.objects.count())
    args = {"username": "someone", "full_name": "Trần Văn Ai", "kind": AccountKind.STAFF, **changes}
    with pytest.raises(InvalidInput) as exc:
        account_create(actor=None, **args)
    assert issue in [(f.field, f.rule) for f in exc.value.fields]
    assert (User.objects.count(), AuditEvent.objects.count()) == before


def test_account_create_stores_a_valid_personal_id_and_masks_it_in_the_audit():
    created = account_create(actor=None, username="cccd", full_name="Phạm Thị Cư", personal_id="079123456789")
    assert created.user.personal_id == "079123456789"
    assert created.temporary_password
    assert last_event("account.create").changes["personal_id"] == "*********789"


def test_account_create_form_shows_errors_at_the_field(world):
    UserFactory(username="taken2", personal_id="001099012346")
    response = (
        world["with_permission"]
        .client()
        .post(
            "/accounts/manage/new/",
            {"username": "fresh", "full_name": "Ai Đó", "kind": "staff", "personal_id": "001099012346"},
        )
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_personal_id_error"' in html
    assert 'aria-describedby="id_personal_id_helptext id_personal_id_error"' in html
    assert not User.objects.filter(username="fresh").exists()
    assert actions(action="account.create") == []
