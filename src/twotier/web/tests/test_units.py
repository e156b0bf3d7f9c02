import datetime as dt

import pytest

from twotier.core.audit import audit_record
from twotier.org.models import Unit, UnitLineage, UnitType
from twotier.testing.authz import Actor, build_world, check_matrix
from twotier.testing.factories import UserFactory, post_make, province_with_communes, unit_make
from twotier.web.tests.helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    _province, (commune,) = province_with_communes("Tân Thành")
    return build_world(commune, ("one_stop_receiver",), baseline_roles=("archivist",))


def _units_state():
    return list(Unit.objects.order_by("pk").values_list("pk", "name", "valid_to"))


def test_unit_list_authorisation_matrix(world):
    responses = check_matrix(
        world,
        lambda actor: actor.client().get("/units/"),
        denied={"anonymous": 302, "citizen": 403, "other_commune": 200, "without_permission": 403},
        state=_units_state,
    )
    assert responses["anonymous"]["Location"] == "/accounts/login/?next=/units/"
    assert "Tân Thành" in text(responses["with_permission"])
    assert "Tân Thành" not in text(responses["other_commune"])
    assert world.other_unit.name in text(responses["other_commune"])
    assert "Bạn không có quyền truy cập trang này" in text(responses["without_permission"])


def test_unit_list_search_is_diacritic_insensitive_and_filters_by_type(world):
    department = unit_make("C1-VH", "Phòng Văn hóa - Xã hội", UnitType.COMMUNE_DEPARTMENT, world.unit)
    client = world["with_permission"].client()
    for q in ("tan thanh", "TÂN THÀNH", "C1"):
        assert "Tân Thành" in text(client.get("/units/", {"q": q})), q
    communes = text(client.get("/units/", {"type": UnitType.COMMUNE}))
    assert "Tân Thành" in communes
    assert department.name not in communes
    departments = text(client.get("/units/", {"type": UnitType.COMMUNE_DEPARTMENT}))
    assert department.name in departments
    assert "Phòng chuyên môn cấp xã" in departments  # the type, translated
    assert "Không có đơn vị nào khớp với bộ lọc." in text(client.get("/units/", {"q": "không có"}))


def test_unit_list_paginates_by_25():
    province, _communes = province_with_communes(*[f"Xã Số {i:02d}" for i in range(30)])
    admin = UserFactory(username="province-admin")
    post_make(province, "unit_leader", holder=admin)
    client = Actor("admin", admin).client()
    first, second = client.get("/units/"), client.get("/units/", {"page": 2})
    assert len(first.context["page_obj"].object_list) == 25
    assert len(second.context["page_obj"].object_list) == 6
    assert "31 kết quả" in text(first)


def test_unit_detail_authorisation_matrix(world):
    code = world.unit.code
    responses = check_matrix(
        world,
        lambda actor: actor.client().get(f"/units/{code}/"),
        denied={"anonymous": 302, "citizen": 403},
        state=_units_state,
    )
    assert "Không tìm thấy trang" in text(responses["other_commune"])
    body = text(responses["with_permission"])
    assert "Tân Thành" in body
    assert "Tỉnh Thử" in body  # the parent


def test_unit_detail_of_a_missing_unit_is_404(world):
    assert world["with_permission"].client().get("/units/NOPE/").status_code == 404


def test_unit_detail_shows_children_lineage_posts_and_holders(world):
    unit = world.unit
    child = unit_make("C1-KT", "Phòng Kinh tế", UnitType.COMMUNE_DEPARTMENT, unit)
    old = unit_make(
        "OLD",
        "Xã Cũ",
        UnitType.COMMUNE,
        unit.parent,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2025, 6, 30),
    )
    UnitLineage.objects.create(predecessor=old, successor=unit, kind="merge", effective_date=dt.date(2025, 7, 1))
    vacant = post_make(unit, "specialist")
    holder = world["with_permission"].user
    body = text(world["with_permission"].client().get(f"/units/{unit.code}/"))
    assert child.name in body
    assert "Hình thành từ" in body
    assert "Xã Cũ" in body
    assert "Sáp nhập vào · 01/07/2025" in body
    assert f"{vacant.title} Chuyên viên xử lý Còn trống" in body
    assert str(holder) in body
    assert "Cán bộ tiếp nhận một cửa" in body


def test_unit_detail_timeline_needs_audit_permission(world):
    unit = world.unit
    audit_record(actor=None, action="org.unit_create", target=unit, unit_id=unit.pk, changes={"name": unit.name})
    clerk_page = text(world["with_permission"].client().get(f"/units/{unit.code}/"))
    assert "Lịch sử" not in clerk_page

    leader = UserFactory(username="leader")
    post_make(unit, "unit_leader", holder=leader)
    leader_page = text(Actor("leader", leader).client().get(f"/units/{unit.code}/"))
    assert "Lịch sử" in leader_page
    assert "Tạo đơn vị · do hệ thống thực hiện" in leader_page
    assert "Tên Tân Thành" in leader_page


def test_unit_pages_switch_to_english(world):
    client = world["with_permission"].client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/units/"})
    assert response["Location"] == "/units/"
    body = text(client.get("/units/"))
    assert "Units" in body
    assert "Commune" in body
    assert "Đơn vị" not in body
