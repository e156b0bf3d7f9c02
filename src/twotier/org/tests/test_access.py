import pytest
from django.contrib.auth.models import AnonymousUser

from twotier.core.errors import NotFound
from twotier.org.access import get_scoped, grants_for, scope
from twotier.org.models import Unit, UnitType
from twotier.org.permissions import ALL_PERMISSIONS, STANDARD_ROLES, P
from twotier.testing.factories import UserFactory, post_make, province_with_communes, unit_make
from twotier.work.models import WorkItem
from twotier.work.services import work_item_create

pytestmark = pytest.mark.django_db


def test_every_role_uses_only_catalogued_permissions_and_there_are_nine():
    assert len(STANDARD_ROLES) == 9
    for spec in STANDARD_ROLES:
        assert set(spec.permissions) <= ALL_PERMISSIONS, spec.code
    assert {s.code for s in STANDARD_ROLES if s.requires_mfa} == {"province_admin", "system_admin"}


def test_deny_by_default_for_anonymous_inactive_citizen_and_postless_accounts():
    _province, (commune,) = province_with_communes("Phong Hiệp")
    inactive = UserFactory(username="inactive", is_active=False)
    post_make(commune, "unit_leader", holder=inactive)
    for user in (AnonymousUser(), inactive, UserFactory(username="citizen", kind="citizen"), UserFactory()):
        assert scope(Unit.objects.all(), user, P.UNIT_VIEW, unit_field="pk").count() == 0
        assert not grants_for(user).has(P.UNIT_VIEW)


def test_permissions_cover_the_scope_subtree_only():
    province, (commune, _neighbour) = province_with_communes("Vĩnh Lợi", "Hưng Hội")
    department = unit_make("C1-VX", "Phòng Văn hóa - Xã hội", UnitType.COMMUNE_DEPARTMENT, commune)
    leader = UserFactory(username="leader")
    post_make(department, "unit_leader", holder=leader, scope_unit=commune)
    visible = set(scope(Unit.objects.all(), leader, P.UNIT_VIEW, unit_field="pk").values_list("code", flat=True))
    assert visible == {commune.code, department.code}
    admin = UserFactory(username="admin")
    post_make(province, "province_admin", holder=admin)
    assert scope(Unit.objects.all(), admin, P.UNIT_VIEW, unit_field="pk").count() == 4
    assert grants_for(admin).requires_mfa


def test_missing_and_forbidden_objects_look_the_same():
    _province, (commune, neighbour) = province_with_communes("Gành Hào", "Định Thành")
    clerk = UserFactory(username="clerk")
    mine = post_make(commune, "one_stop_receiver", holder=clerk)
    theirs = post_make(neighbour, "one_stop_receiver")
    own = work_item_create(actor=None, post=mine, title="Của tôi")
    other = work_item_create(actor=None, post=theirs, title="Của xã khác")
    qs = WorkItem.objects.all()
    assert get_scoped(qs, clerk, P.WORK_ACT, pk=own.pk, unit_field=None, post_field="post") == own
    errors = []
    for pk in (other.pk, 999_999):
        with pytest.raises(NotFound) as exc:
            get_scoped(qs, clerk, P.WORK_ACT, pk=pk, unit_field=None, post_field="post")
        errors.append((exc.value.status, exc.value.message))
    assert errors[0] == errors[1]


def test_grants_are_cached_per_user_object():
    _province, (commune,) = province_with_communes("Biển Bạch")
    clerk = UserFactory(username="clerk")
    post_make(commune, "specialist", holder=clerk)
    first = grants_for(clerk)
    assert grants_for(clerk) is first
    assert first.has(P.DOSSIER_PROCESS, commune.pk)
    assert not first.has(P.DOSSIER_APPROVE)


def test_grants_are_shared_across_requests_and_invalidated_by_org_changes(django_assert_max_num_queries):
    from twotier.org import access
    from twotier.org.services import post_handover

    _province, (commune,) = province_with_communes("Khánh Bình")
    clerk = UserFactory(username="clerk")
    post = post_make(commune, "one_stop_receiver", holder=clerk)
    assert grants_for(type(clerk).objects.get(pk=clerk.pk)).has(P.DOSSIER_RECEIVE, commune.pk)
    # A new request (a fresh user object) reuses the compiled grants: one query for the version.
    fresh = _reload(clerk)
    with django_assert_max_num_queries(1):
        assert grants_for(fresh).post_ids == {post.pk}
    successor = UserFactory(username="successor")
    post_handover(actor=None, post=post, successor=successor)
    # Another process's cache is keyed on the organisation version, so the predecessor loses access at once.
    stale = _reload(clerk)
    assert access._SHARED.get(clerk.pk) is None or access._SHARED[clerk.pk][0] != access.org_version()
    assert not grants_for(stale).has(P.DOSSIER_RECEIVE, commune.pk)
    assert grants_for(_reload(successor)).has(P.DOSSIER_RECEIVE, commune.pk)


def _reload(user):
    from twotier.accounts.models import User

    return User.objects.get(pk=user.pk)
