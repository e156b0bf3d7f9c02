import pytest

from twotier.core.models import AuditEvent
from twotier.org.models import PostAssignment
from twotier.testing.authz import build_world, check_matrix
from twotier.testing.factories import UserFactory, post_make, province_with_communes

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    _province, (commune,) = province_with_communes("Tân Thành")
    return build_world(commune, ("province_admin",), baseline_roles=("one_stop_receiver",))


def _state():
    return (
        list(PostAssignment.objects.order_by("pk").values_list("pk", "post_id", "user_id", "end_at")),
        AuditEvent.objects.count(),
    )


def test_handover_authorisation_matrix_and_effect(world):
    old = UserFactory(username="old-clerk")
    post = post_make(world.unit, "one_stop_receiver", holder=old)
    new = UserFactory(username="new-clerk")
    responses = check_matrix(
        world,
        lambda a: a.client().post(
            f"/api/v1/posts/{post.code}/handover",
            {"successor": "new-clerk", "note": "Nghỉ việc"},
            content_type="application/json",
            headers=a.headers(),
        ),
        denied={"without_permission": 403},
        state=_state,
    )
    assert responses["with_permission"].json()["holder"] == "new-clerk"
    assert PostAssignment.objects.get(post=post, end_at__isnull=True).user == new
    assert responses["without_permission"].json()["error"]["code"] == "forbidden"


def test_handover_to_unknown_account_names_the_field_and_changes_nothing(world):
    post = post_make(world.unit, "one_stop_receiver", holder=UserFactory(username="old-clerk"))
    actor = world["with_permission"]
    before = _state()
    response = actor.client().post(
        f"/api/v1/posts/{post.code}/handover",
        {"successor": "nobody"},
        content_type="application/json",
        headers=actor.headers(),
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "successor"
    assert _state() == before


def test_handover_retried_does_not_duplicate(world):
    post = post_make(world.unit, "one_stop_receiver", holder=UserFactory(username="old-clerk"))
    UserFactory(username="new-clerk")
    actor = world["with_permission"]

    def call():
        return actor.client().post(
            f"/api/v1/posts/{post.code}/handover",
            {"successor": "new-clerk"},
            content_type="application/json",
            headers=actor.headers(),
        )

    assert call().status_code == 200
    after_first = _state()
    assert call().status_code == 200
    assert _state() == after_first


def test_posts_list_matrix(world):
    post_make(world.unit, "specialist", holder=UserFactory(username="someone"))
    responses = check_matrix(
        world,
        lambda a: a.client().get(f"/api/v1/units/{world.unit.code}/posts", headers=a.headers()),
        denied={"without_permission": 200},
    )
    holders = {p["holder"] for p in responses["with_permission"].json()}
    assert "someone" in holders
