import pytest

from twotier.core.actors import SystemActor
from twotier.core.errors import Forbidden, InvalidInput, NotFound
from twotier.core.models import AuditEvent
from twotier.org.models import PostAssignment
from twotier.org.services import post_handover
from twotier.testing.factories import UserFactory, post_make, province_with_communes
from twotier.work.selectors import my_work
from twotier.work.services import work_item_complete, work_item_create

pytestmark = pytest.mark.django_db
ACTOR = SystemActor("test")


@pytest.fixture
def desk():
    _province, (commune, neighbour) = province_with_communes("Tân Thành", "Đầm Dơi")
    old_clerk = UserFactory(username="old-clerk")
    post = post_make(commune, "one_stop_receiver", holder=old_clerk)
    items = [work_item_create(actor=ACTOR, post=post, title=f"Hồ sơ {i}") for i in range(6)]
    for item in items[:2]:
        work_item_complete(actor=old_clerk, item_id=item.pk)
    other = post_make(neighbour, "one_stop_receiver")
    work_item_create(actor=ACTOR, post=other, title="Việc xã bên")
    return post, old_clerk, items


def test_successor_sees_every_open_and_past_item_and_predecessor_none(desk):
    post, old_clerk, items = desk
    successor = UserFactory(username="new-clerk")
    assert {i.pk for i in my_work(user=old_clerk)} == {i.pk for i in items}
    assert not my_work(user=successor).exists()

    post_handover(actor=ACTOR, post=post, successor=successor, note="Chuyển công tác")

    old_clerk = type(old_clerk).objects.get(pk=old_clerk.pk)
    seen = set(my_work(user=successor).values_list("pk", flat=True))
    assert seen == {i.pk for i in items}  # 100 %: 4 open and 2 done
    assert my_work(user=successor).filter(status="done").count() == 2
    assert not my_work(user=old_clerk).exists()
    with pytest.raises(NotFound):
        work_item_complete(actor=old_clerk, item_id=items[3].pk)
    work_item_complete(actor=successor, item_id=items[3].pk)


def test_handover_audits_both_facts(desk):
    post, _old_clerk, _items = desk
    successor = UserFactory(username="new-clerk")
    post_handover(actor=ACTOR, post=post, successor=successor)
    events = AuditEvent.objects.filter(target_type="org.post", target_id=str(post.pk)).order_by("seq")
    release, handover = list(events)[-2:]
    assert release.action == "org.post_release" and release.changes["holder"] == "old-clerk"
    assert handover.action == "org.post_handover"
    assert handover.changes["from"] == "old-clerk" and handover.changes["to"] == "new-clerk"
    assert PostAssignment.objects.filter(post=post, end_at__isnull=True).get().user == successor


def test_handover_is_idempotent_and_validates(desk):
    post, _old_clerk, _items = desk
    successor = UserFactory(username="new-clerk")
    first = post_handover(actor=ACTOR, post=post, successor=successor)
    count = AuditEvent.objects.count()
    assert post_handover(actor=ACTOR, post=post, successor=successor) == first
    assert AuditEvent.objects.count() == count
    citizen = UserFactory(username="citizen", kind="citizen")
    with pytest.raises(InvalidInput):
        post_handover(actor=ACTOR, post=post, successor=citizen)


def test_handover_requires_post_management_permission(desk):
    post, old_clerk, _items = desk
    successor = UserFactory(username="new-clerk")
    with pytest.raises(Forbidden):
        post_handover(actor=old_clerk, post=post, successor=successor)
    assert PostAssignment.objects.filter(post=post, end_at__isnull=True).get().user == old_clerk
