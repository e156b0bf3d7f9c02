import datetime as dt

import pytest
from django.utils import timezone

from twotier.core.audit import audit_record
from twotier.core.models import AuditEvent
from twotier.testing.authz import build_world, check_matrix
from twotier.testing.factories import province_with_communes
from twotier.web.tests.helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    _province, (commune,) = province_with_communes("Đầm Dơi")
    world = build_world(commune, ("unit_leader",), baseline_roles=("one_stop_receiver",))
    clerk = world["without_permission"].user
    audit_record(actor=clerk, action="work.create", target=commune, unit_id=commune.pk, changes={"title": "A"})
    audit_record(
        actor=clerk,
        action="work.complete",
        target=commune,
        unit_id=commune.pk,
        changes={"status": ["open", "done"]},
    )
    audit_record(actor=None, action="org.unit_create", target=world.other_unit, unit_id=world.other_unit.pk)
    return world


def _audit_state():
    return list(AuditEvent.objects.order_by("seq").values_list("seq", "hash"))


def test_audit_log_authorisation_matrix(world):
    responses = check_matrix(
        world,
        lambda actor: actor.client().get("/audit/"),
        denied={"anonymous": 302, "citizen": 403, "other_commune": 200, "without_permission": 403},
        state=_audit_state,
    )
    assert responses["anonymous"]["Location"] == "/accounts/login/?next=/audit/"
    mine = responses["with_permission"].context["page_obj"].object_list
    assert [e.action for e in mine] == ["work.complete", "work.create"]
    theirs = responses["other_commune"].context["page_obj"].object_list
    assert [e.action for e in theirs] == ["org.unit_create"]


def test_audit_log_renders_readable_rows(world):
    body = text(world["with_permission"].client().get("/audit/"))
    assert "Hoàn thành công việc work.complete" in body
    assert "Trạng thái Đang mở → Đã xong" in body
    assert "Tiêu đề A" in body
    assert world["without_permission"].user.username in body


def test_audit_log_filters_by_action_prefix_actor_and_dates(world):
    client = world["with_permission"].client()
    username = world["without_permission"].user.username

    def actions(**params):
        return [e.action for e in client.get("/audit/", params).context["page_obj"].object_list]

    assert actions(action="work.complete") == ["work.complete"]
    assert actions(action="work.") == ["work.complete", "work.create"]
    assert actions(action="org.") == []
    assert actions(actor=username[2:8].upper()) == ["work.complete", "work.create"]
    assert actions(actor="nobody") == []
    today = timezone.localdate()
    assert actions(date_from=today.isoformat(), date_to=today.isoformat()) == ["work.complete", "work.create"]
    assert actions(date_from=(today + dt.timedelta(days=1)).isoformat()) == []
    assert actions(date_to=(today - dt.timedelta(days=1)).isoformat()) == []


def test_audit_log_reports_a_reversed_date_range_on_the_field(world):
    client = world["with_permission"].client()
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=1), today - dt.timedelta(days=5)
    response = client.get("/audit/", {"date_from": start.isoformat(), "date_to": end.isoformat(), "action": "work."})
    assert response.status_code == 200
    assert "Ngày kết thúc không được trước ngày bắt đầu." in text(response)
    assert 'aria-invalid="true"' in response.content.decode()
    assert len(response.context["page_obj"].object_list) == 2  # the valid filters still apply


def test_audit_log_empty_state(world):
    body = text(world["with_permission"].client().get("/audit/", {"action": "org.unit_split"}))
    assert "Không có sự kiện nào khớp với bộ lọc." in body


def test_audit_log_offers_readable_actions_and_rejects_unknown_ones(world):
    client = world["with_permission"].client()
    html = client.get("/audit/").content.decode()
    assert '<optgroup label="Công việc">' in html
    assert '<option value="work.">Mọi hành động: Công việc</option>' in html
    assert '<option value="work.complete">Hoàn thành công việc</option>' in html
    response = client.get("/audit/", {"action": "nothing."})
    assert 'aria-invalid="true"' in response.content.decode()
    assert len(response.context["page_obj"].object_list) == 2  # the invalid filter is ignored
