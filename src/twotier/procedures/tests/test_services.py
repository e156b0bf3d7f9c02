import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from twotier.core.actors import SystemActor
from twotier.core.errors import Conflict, Forbidden, InvalidInput
from twotier.procedures.models import ComponentSpec, Procedure, ProcedureVersion, VersionStatus
from twotier.procedures.policies import can_manage_catalogue
from twotier.procedures.services import (
    catalogue_import,
    procedure_create,
    procedure_create_version,
    procedure_update,
    procedure_version_publish,
    procedure_version_update,
    version_issues,
)
from twotier.procedures.tests.helpers import PROCESS, actions, catalogue_state, document, last_event, record
from twotier.testing.factories import UserFactory, post_make

pytestmark = pytest.mark.django_db

SYSTEM = SystemActor("test")


@pytest.fixture
def published():
    """Procedure 1.004873 with its published version 1."""
    catalogue_import(actor=SYSTEM, document=document(record()))
    return ProcedureVersion.objects.get(procedure__code="1.004873", number=1)


@pytest.fixture
def draft(published):
    """Version 2 of 1.004873, a draft copied from version 1."""
    return procedure_create_version(actor=SYSTEM, procedure=published.procedure)


def _user_with(role, unit):
    user = UserFactory()
    post_make(unit, role, holder=user)
    return user


# --------------------------------------------------------------------------- permissions
def test_who_may_manage_the_catalogue(org):
    assert can_manage_catalogue(SYSTEM)
    assert can_manage_catalogue(None)
    assert can_manage_catalogue(_user_with("system_admin", org["CM-TT"]))
    assert can_manage_catalogue(_user_with("province_admin", org["CM"]))
    assert not can_manage_catalogue(_user_with("province_admin", org["CM-TT"]))  # unit management of a commune
    assert not can_manage_catalogue(_user_with("one_stop_receiver", org["CM-TT"]))
    assert not can_manage_catalogue(UserFactory())


def test_a_clerk_cannot_change_the_catalogue_and_nothing_changes(org, published):
    clerk = _user_with("one_stop_receiver", org["CM-TT"])
    before = catalogue_state()
    with pytest.raises(Forbidden):
        procedure_create(actor=clerk, code="9.000001", name="X", field="Y", level="commune")
    with pytest.raises(Forbidden):
        procedure_create_version(actor=clerk, procedure=published.procedure)
    with pytest.raises(Forbidden):
        catalogue_import(actor=clerk, document=document(record(name="Đổi tên")))
    assert catalogue_state() == before


# --------------------------------------------------------------------------- procedures
def test_procedure_create_stores_folded_name_and_is_audited():
    procedure = procedure_create(
        actor=SYSTEM, code=" 1.001193 ", name="Thủ tục đăng ký khai sinh", field="Hộ tịch", level="commune"
    )
    assert (procedure.code, procedure.name_folded) == ("1.001193", "thu tuc dang ky khai sinh")
    event = last_event("procedure.create")
    assert event.target_id == str(procedure.pk)
    assert event.changes == {
        "code": "1.001193",
        "name": "Thủ tục đăng ký khai sinh",
        "field": "Hộ tịch",
        "level": "commune",
        "is_demo": False,
    }


def test_procedure_create_rejects_a_duplicate_code_and_a_bad_level(published):
    before = catalogue_state()
    with pytest.raises(InvalidInput) as caught:
        procedure_create(actor=SYSTEM, code="1.004873", name="X", field="Hộ tịch", level="district")
    assert [(f.field, f.rule) for f in caught.value.fields] == [("level", "enum"), ("code", "unique")]
    assert catalogue_state() == before


def test_procedure_update_changes_only_what_differs(published):
    procedure = published.procedure
    procedure_update(actor=SYSTEM, procedure=procedure, name="Cấp Giấy xác nhận tình trạng hôn nhân")
    procedure.refresh_from_db()
    assert procedure.name_folded == "cap giay xac nhan tinh trang hon nhan"
    assert last_event("procedure.update").changes == {
        "name": {
            "from": "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
            "to": "Cấp Giấy xác nhận tình trạng hôn nhân",
        }
    }
    count = len(actions())
    procedure_update(actor=SYSTEM, procedure=procedure, name="Cấp Giấy xác nhận tình trạng hôn nhân")
    assert len(actions()) == count
    with pytest.raises(InvalidInput) as caught:
        procedure_update(actor=SYSTEM, procedure=procedure, code="2.0")
    assert [(f.field, f.rule) for f in caught.value.fields] == [("code", "unknown_field")]


# --------------------------------------------------------------------------- versions
def test_create_version_copies_the_latest_with_lines_and_templates(published):
    component = published.components.get(code="C1")
    component.template.save("to-khai.docx", ContentFile(b"template"), save=True)
    draft = procedure_create_version(actor=SYSTEM, procedure=published.procedure)
    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
    assert draft.time_limit_value == Decimal(3)
    assert draft.process == published.process
    assert list(draft.fee_lines.values_list("code", "name", "amount_vnd")) == [
        ("LP", "Lệ phí đăng ký hộ tịch", 10000),
        ("F2", "Phí cấp bản sao", None),
    ]
    assert list(draft.components.values_list("code", "form")) == [("C1", "original"), ("C2", "show_original")]
    assert draft.components.get(code="C1").template.name == component.template.name
    assert last_event("procedure_version.create").changes == {"number": 2, "copied_from": 1}
    published.refresh_from_db()
    assert published.status == VersionStatus.PUBLISHED


def test_only_one_draft_at_a_time(draft):
    before = catalogue_state()
    with pytest.raises(Conflict) as caught:
        procedure_create_version(actor=SYSTEM, procedure=draft.procedure)
    assert caught.value.code == "draft_exists"
    assert "already has a draft (version 2)" in caught.value.message
    assert catalogue_state() == before


def test_create_version_refuses_a_version_of_another_procedure(published):
    other = procedure_create(actor=SYSTEM, code="9.000001", name="Khác", field="Khác", level="province")
    with pytest.raises(InvalidInput) as caught:
        procedure_create_version(actor=SYSTEM, procedure=other, from_version=published)
    assert [(f.field, f.rule) for f in caught.value.fields] == [("from_version", "same_procedure")]
    assert not other.versions.exists()


def test_first_version_of_a_new_procedure_is_an_empty_draft_that_cannot_be_published():
    procedure = procedure_create(actor=SYSTEM, code="9.000001", name="Mới", field="Hộ tịch", level="commune")
    draft = procedure_create_version(actor=SYSTEM, procedure=procedure)
    assert (draft.number, draft.status, draft.process) == (1, VersionStatus.DRAFT, {})
    before = catalogue_state()
    with pytest.raises(InvalidInput) as caught:
        procedure_version_publish(actor=SYSTEM, version=draft)
    assert [(f.field, f.rule) for f in caught.value.fields] == [("process.steps", "required")]
    assert catalogue_state() == before


def test_update_changes_a_draft_and_records_what_changed(draft):
    updated = procedure_version_update(
        actor=SYSTEM,
        version=draft,
        time_limit_value=Decimal("2"),
        time_limit_text="02 ngày làm việc",
        valid_from=dt.date(2026, 7, 1),
        fees=[{"code": "LP", "name": "Lệ phí đăng ký hộ tịch", "amount_vnd": 15000, "per": "lần"}],
    )
    assert (updated.time_limit_value, updated.valid_from) == (Decimal(2), dt.date(2026, 7, 1))
    assert list(updated.fee_lines.values_list("code", "amount_vnd", "note")) == [("LP", 15000, "")]
    changes = last_event("procedure_version.update").changes
    assert sorted(changes) == ["fees", "time_limit", "valid_from"]
    assert changes["time_limit"]["from"]["value"] == 3
    assert changes["time_limit"]["to"] == {"value": 2, "unit": "working_day", "text": "02 ngày làm việc"}
    assert changes["valid_from"] == {"from": None, "to": "2026-07-01"}


def test_an_update_that_changes_nothing_writes_nothing(draft):
    before = catalogue_state()
    procedure_version_update(actor=SYSTEM, version=draft, time_limit_value=Decimal("3.00"), agency=draft.agency)
    assert catalogue_state() == before


def test_published_and_retired_versions_cannot_be_edited(published):
    before = catalogue_state()
    with pytest.raises(Conflict) as caught:
        procedure_version_update(actor=SYSTEM, version=published, notes="sửa")
    assert caught.value.code == "not_draft"
    assert catalogue_state() == before


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"time_limit_unit": "same_day"}, [("time_limit_value", "null_for_same_day")]),
        ({"time_limit_value": None}, [("time_limit_value", "required")]),
        ({"time_limit_unit": "week"}, [("time_limit_unit", "enum")]),
        ({"online_level": "always"}, [("online_level", "enum")]),
        ({"colour": "red"}, [("colour", "unknown_field")]),
        ({"fees": [{"name": "A", "amount_vnd": -5}]}, [("fees[0].amount_vnd", "minimum")]),
        (
            {"components": [{"code": "X", "name": "A"}, {"code": "X", "name": "B"}]},
            [("components[1].code", "unique")],
        ),
        (
            {"process": {"steps": [*PROCESS["steps"][:1], {**PROCESS["steps"][1], "role": "boss"}]}},
            [("process.steps[1].role", "enum"), ("process.steps[1].actions", "last_step_return_result")],
        ),
        (
            {"time_limit_value": 1},
            [("process.steps", "within_time_limit")],
        ),
    ],
)
def test_an_invalid_update_names_the_field_and_rule_and_changes_nothing(draft, fields, expected):
    before = catalogue_state()
    with pytest.raises(InvalidInput) as caught:
        procedure_version_update(actor=SYSTEM, version=draft, **fields)
    assert [(f.field, f.rule) for f in caught.value.fields] == expected
    assert catalogue_state() == before


def test_update_can_replace_a_component_template(draft):
    upload = ContentFile(b"new form", name="mau-01.docx")
    components = [
        {"code": "C1", "name": "Tờ khai theo mẫu", "form": "original", "template": upload},
        {"code": "C2", "name": "Giấy tờ tùy thân", "form": "show_original"},
    ]
    procedure_version_update(actor=SYSTEM, version=draft, components=components)
    spec = ComponentSpec.objects.get(version=draft, code="C1")
    assert spec.template.name.startswith("procedure-templates/mau-01")
    assert spec.template.read() == b"new form"
    assert last_event("procedure_version.update").changes["templates"] == ["C1"]


def test_publish_validates_retires_the_previous_version_and_is_audited(draft):
    procedure_version_update(actor=SYSTEM, version=draft, notes="Sửa đổi theo NĐ 18/2026")
    published = procedure_version_publish(actor=SYSTEM, version=draft)
    assert (published.status, published.published_at is not None) == (VersionStatus.PUBLISHED, True)
    statuses = dict(ProcedureVersion.objects.filter(procedure=draft.procedure).values_list("number", "status"))
    assert statuses == {1: VersionStatus.RETIRED, 2: VersionStatus.PUBLISHED}
    assert last_event("procedure_version.publish").changes == {"number": 2, "retired": 1}


def test_publishing_twice_changes_nothing_and_a_retired_version_cannot_come_back(draft):
    procedure_version_publish(actor=SYSTEM, version=draft)
    before = catalogue_state()
    procedure_version_publish(actor=SYSTEM, version=draft)
    assert catalogue_state() == before
    retired = ProcedureVersion.objects.get(procedure=draft.procedure, number=1)
    with pytest.raises(Conflict) as caught:
        procedure_version_publish(actor=SYSTEM, version=retired)
    assert caught.value.code == "retired"
    assert catalogue_state() == before


def test_publish_refuses_a_process_that_exceeds_the_time_limit(draft):
    process = {"steps": [dict(step) for step in PROCESS["steps"]]}
    process["steps"][1]["hours"] = 30
    ProcedureVersion.objects.filter(pk=draft.pk).update(process=process)  # as if saved by an older release
    assert [(i.field, i.rule) for i in version_issues(draft)] == [("process.steps", "within_time_limit")]
    before = catalogue_state()
    with pytest.raises(InvalidInput) as caught:
        procedure_version_publish(actor=SYSTEM, version=draft)
    assert caught.value.message == "Version 2 cannot be published"
    assert "34 working hours in total" in caught.value.fields[0].message
    assert "24 working hours" in caught.value.fields[0].message
    assert catalogue_state() == before
    assert Procedure.objects.get(code="1.004873").versions.get(status=VersionStatus.PUBLISHED).number == 1
