import datetime as dt

import pytest
from django.utils import timezone

from twotier.core.models import AuditEvent
from twotier.testing.authz import Actor, build_world, check_matrix
from twotier.testing.factories import UserFactory, province_with_communes
from twotier.web.tests.helpers import post_of, text
from twotier.work.models import WorkItem, WorkStatus
from twotier.work.services import work_item_complete, work_item_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    _province, (commune,) = province_with_communes("Tân Thành")
    return build_world(commune, ("one_stop_receiver",), baseline_roles=("archivist",))


def _state():
    return (
        list(WorkItem.objects.order_by("pk").values_list("pk", "status", "closed_at")),
        AuditEvent.objects.count(),
    )


def test_my_work_authorisation_matrix(world):
    item = work_item_create(actor=None, post=post_of(world["with_permission"]), title="Hồ sơ khai sinh")
    responses = check_matrix(
        world,
        lambda actor: actor.client().get("/"),
        denied={"anonymous": 302, "citizen": 403, "other_commune": 200, "without_permission": 200},
        state=_state,
    )
    assert responses["anonymous"]["Location"] == "/accounts/login/?next=/"
    assert item.title in text(responses["with_permission"])
    assert item.title not in text(responses["other_commune"])
    assert item.title not in text(responses["without_permission"])


def test_my_work_shows_header_navigation_and_vietnamese_by_default(world):
    actor = world["with_permission"]
    post = post_of(actor)
    body = text(actor.client().get("/"))
    assert "Việc của tôi" in body
    assert "Đơn vị" in body  # one_stop_receiver has UNIT_VIEW
    assert "Nhật ký hệ thống" not in body  # ... but not AUDIT_VIEW
    assert str(actor.user) in body
    assert f"{post.title} — Tân Thành" in body
    assert "Đăng xuất" in body


def test_my_work_lists_open_items_first_by_due_date_and_marks_overdue(world):
    post = post_of(world["with_permission"])
    now = timezone.now()
    late = work_item_create(actor=None, post=post, title="Trả kết quả trễ", due_at=now - dt.timedelta(days=1))
    later = work_item_create(actor=None, post=post, title="Thẩm định hồ sơ", due_at=now + dt.timedelta(days=2))
    undated = work_item_create(actor=None, post=post, title="Việc không hạn")
    done = work_item_create(actor=None, post=post, title="Việc đã làm")
    work_item_complete(actor=world["with_permission"].user, item_id=done.pk)
    client = world["with_permission"].client()

    body = text(client.get("/"))
    assert body.index(late.title) < body.index(later.title) < body.index(undated.title)
    assert done.title not in body
    assert "1 việc quá hạn" in body
    assert "3 việc đang mở" in body
    assert body.count("Quá hạn") == 1

    everything = text(client.get("/", {"status": "all"}))
    assert everything.index(undated.title) < everything.index(done.title)
    only_done = text(client.get("/", {"status": "done"}))
    assert done.title in only_done
    assert late.title not in only_done


def test_my_work_search_ignores_diacritics_and_case(world):
    post = post_of(world["with_permission"])
    work_item_create(actor=None, post=post, title="Đăng ký khai sinh")
    work_item_create(actor=None, post=post, title="Chứng thực bản sao")
    client = world["with_permission"].client()
    for q in ("dang ky", "ĐĂNG KÝ", "khai sinh"):
        body = text(client.get("/", {"q": q}))
        assert "Đăng ký khai sinh" in body, q
        assert "Chứng thực bản sao" not in body, q


def test_my_work_paginates_by_25(world):
    post = post_of(world["with_permission"])
    for i in range(30):
        work_item_create(actor=None, post=post, title=f"Việc số {i:02d}")
    client = world["with_permission"].client()
    first = client.get("/")
    second = client.get("/", {"page": 2})
    assert len(first.context["page_obj"].object_list) == 25
    assert len(second.context["page_obj"].object_list) == 5
    assert "Trang 1 / 2" in text(first)
    assert 'href="?page=2"' in first.content.decode()
    assert 'href="?q=viec&amp;page=2"' in client.get("/", {"q": "viec"}).content.decode()
    assert len(client.get("/", {"page": 99}).context["page_obj"].object_list) == 5


def test_my_work_empty_states(world):
    client = world["with_permission"].client()
    assert "Bạn không có việc nào đang mở." in text(client.get("/"))
    assert "Không có việc nào khớp với bộ lọc." in text(client.get("/", {"q": "không có"}))


def test_my_work_for_staff_without_post_explains_what_to_do(world):
    body = text(Actor("new", UserFactory(username="new-clerk")).client().get("/"))
    assert "Bạn chưa được giao vị trí công tác nào." in body
    assert "Việc của tôi" in body


def test_work_complete_authorisation_matrix(world):
    item = work_item_create(actor=None, post=post_of(world["with_permission"]), title="Hồ sơ khai tử")
    responses = check_matrix(
        world,
        lambda actor: actor.client().post(f"/work/{item.pk}/complete/", {"next": "/?status=all"}),
        allowed=302,
        denied={"anonymous": 302, "citizen": 403},
        state=_state,
    )
    assert responses["anonymous"]["Location"].startswith("/accounts/login/")
    assert responses["with_permission"]["Location"] == "/?status=all"
    item.refresh_from_db()
    assert item.status == WorkStatus.DONE
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor_label) == ("work.complete", world["with_permission"].user.username)


def test_work_complete_shows_a_message_and_ignores_foreign_next(world):
    item = work_item_create(actor=None, post=post_of(world["with_permission"]), title="Hồ sơ đất đai")
    client = world["with_permission"].client()
    response = client.post(f"/work/{item.pk}/complete/", {"next": "https://evil.example/"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "Đã đánh dấu “Hồ sơ đất đai” là đã xong." in text(response)


def test_work_complete_twice_changes_nothing_more(world):
    item = work_item_create(actor=None, post=post_of(world["with_permission"]), title="Hồ sơ A")
    client = world["with_permission"].client()
    client.post(f"/work/{item.pk}/complete/")
    before = _state()
    assert client.post(f"/work/{item.pk}/complete/").status_code == 302
    assert _state() == before


def test_work_complete_refuses_get_and_missing_items(world):
    item = work_item_create(actor=None, post=post_of(world["with_permission"]), title="Hồ sơ B")
    client = world["with_permission"].client()
    assert client.get(f"/work/{item.pk}/complete/").status_code == 405
    assert client.post("/work/999999/complete/").status_code == 404
    item.refresh_from_db()
    assert item.status == WorkStatus.OPEN
