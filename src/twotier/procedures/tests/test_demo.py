import datetime as dt
import io
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from twotier.core.actors import SystemActor
from twotier.procedures.deadlines import promised_return_at, statutory_hours, step_deadlines
from twotier.procedures.demo import (
    DEMO_FEE_NOTE,
    UNVERIFIED_NOTE,
    component_form,
    demo_document,
    demo_record,
    load_demo_catalogue,
    reference,
    requires_paper_result,
)
from twotier.procedures.document import validate_document
from twotier.procedures.models import ComponentSpec, FeeLine, Procedure, ProcedureVersion, VersionStatus
from twotier.procedures.process_schema import total_hours
from twotier.procedures.routing import resolve_step_unit
from twotier.procedures.services import (
    catalogue_export,
    catalogue_export_xlsx,
    catalogue_import,
    catalogue_import_xlsx,
    version_issues,
)
from twotier.procedures.tests.helpers import catalogue_state

pytestmark = pytest.mark.django_db

ACTOR = SystemActor("demo")
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def demo():
    return load_demo_catalogue(actor=ACTOR)


def test_the_reference_data_ships_with_the_app():
    assert len(reference()) == 52
    assert validate_document(demo_document()) == []


def test_the_demo_catalogue_loads_52_valid_published_demo_procedures(demo):
    assert len(demo.created) == 52
    versions = ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("procedure")
    assert versions.count() == 52
    assert set(Procedure.objects.values_list("is_demo", flat=True)) == {True}
    levels = list(Procedure.objects.values_list("level", flat=True))
    assert (levels.count("commune"), levels.count("province")) == (42, 10)
    for version in versions:
        assert version_issues(version) == [], version.procedure.code


def test_birth_registration(demo):
    version = ProcedureVersion.objects.get(procedure__code="1.001193", status=VersionStatus.PUBLISHED)
    procedure = version.procedure
    assert (procedure.name, procedure.field, procedure.level) == ("Thủ tục đăng ký khai sinh", "Hộ tịch", "commune")
    assert (version.time_limit_unit, version.time_limit_value, version.cutoff_applies) == ("same_day", None, True)
    assert version.results == ["Giấy khai sinh"]
    assert (version.requires_paper_result, version.online_level, version.online_submission) == (True, "partial", True)
    fees = list(version.fee_lines.values_list("name", "amount_vnd"))
    assert fees[0] == ("Lệ phí đăng ký khai sinh đúng hạn (trong 60 ngày kể từ ngày sinh)", 0)
    late = version.fee_lines.get(name="Lệ phí đăng ký khai sinh quá hạn")
    assert late.amount_vnd == 5000
    assert DEMO_FEE_NOTE in late.note
    assert [s["key"] for s in version.process["steps"]] == ["receive", "process", "approve", "return"]
    assert version.process["steps"][1]["unit"] == {"relative": "receiving_department", "department": "VX"}
    received = dt.datetime(2026, 3, 10, 9, 0, tzinfo=VN)
    assert promised_return_at(version, received) == dt.datetime(2026, 3, 10, 17, 30, tzinfo=VN)
    assert step_deadlines(version, received)[-1][1] <= promised_return_at(version, received)


def test_loading_twice_changes_nothing(demo):
    before = catalogue_state()
    again = load_demo_catalogue(actor=ACTOR)
    assert (again.created, again.updated, len(again.unchanged)) == ([], [], 52)
    assert catalogue_state() == before


def test_every_step_resolves_in_the_demo_organisation(demo, org):
    receiving = {"commune": org["CM-TT"], "province": org["CM-TTHCC"]}
    for version in ProcedureVersion.objects.select_related("procedure"):
        for step in version.process["steps"]:
            unit = resolve_step_unit(step, receiving[version.procedure.level])
            assert unit.code.startswith("CM"), (version.procedure.code, step["key"])


def test_commune_province_and_cross_level_processes(demo):
    by_code = {v.procedure.code: v.process["steps"] for v in ProcedureVersion.objects.select_related("procedure")}
    commune = by_code["1.004873"]
    assert [(s["unit"], s["role"]) for s in commune] == [
        ({"relative": "receiving"}, "one_stop_receiver"),
        ({"relative": "receiving_department", "department": "VX"}, "specialist"),
        ({"relative": "receiving"}, "unit_leader"),
        ({"relative": "receiving"}, "one_stop_receiver"),
    ]
    assert by_code["1.001612"][1]["unit"] == {"relative": "receiving_department", "department": "KT"}
    province = by_code["1.013831"]
    assert [(s["unit"], s["role"]) for s in province] == [
        ({"province_department": "TTHCC"}, "one_stop_receiver"),
        ({"province_department": "SNNMT"}, "specialist"),
        ({"province_department": "SNNMT"}, "unit_leader"),
        ({"province_department": "TTHCC"}, "one_stop_receiver"),
    ]
    assert by_code["2.001610"][1]["unit"] == {"province_department": "STC"}
    assert by_code["3.000333"][1]["unit"] == {"province_department": "CAT"}
    cross = [
        code
        for code, steps in by_code.items()
        if steps[0]["unit"] == {"relative": "receiving"}
        and steps[-1]["unit"] == {"relative": "receiving"}
        and any("province_department" in s["unit"] for s in steps)
        and any(s["unit"].get("relative") == "receiving_department" for s in steps)
    ]
    assert sorted(cross) == ["1.013949", "1.013978", "2.000806"]
    assert [s["unit"] for s in by_code["2.000806"]][2] == {"province_department": "STP"}


def test_step_hours_fit_the_time_limit(demo):
    for version in ProcedureVersion.objects.select_related("procedure"):
        limit = statutory_hours(version)
        total = total_hours(version.process)
        if limit is not None:
            assert total <= limit, version.procedure.code
        assert total > 0


def test_fees_left_to_the_province_get_demo_amounts_except_unverified_entries(demo):
    for ref in reference():
        version = ProcedureVersion.objects.get(procedure__code=ref["code"])
        lines = list(version.fee_lines.order_by("order"))
        assert len(lines) == len(ref["fees"])
        for ref_fee, line in zip(ref["fees"], lines, strict=True):
            if ref_fee["amount_vnd"] is not None:
                assert line.amount_vnd == ref_fee["amount_vnd"]
                assert DEMO_FEE_NOTE not in line.note
            elif ref["confidence"] == "L":
                assert (line.amount_vnd, UNVERIFIED_NOTE in line.note) == (None, True)
            elif "HĐND" in (ref_fee.get("note") or ""):
                assert line.amount_vnd is not None and line.amount_vnd > 0, (ref["code"], line.name)
                assert line.note.endswith(DEMO_FEE_NOTE)
            else:  # tax or percentage charges: no fixed amount
                assert line.amount_vnd is None
    assert FeeLine.objects.filter(note__contains="DEMO").count() == 27
    assert FeeLine.objects.get(version__procedure__code="2.000806").amount_vnd == 1_000_000


def test_unverified_l_entries_keep_their_null_values():
    ref = next(r for r in reference() if r["confidence"] == "L")
    patched = {
        **ref,
        "fees": [{"name": "Lệ phí đăng ký hộ tịch", "amount_vnd": None, "note": "HĐND cấp tỉnh quy định"}],
    }
    fee = demo_record(patched)["fees"][0]
    assert fee["amount_vnd"] is None
    assert fee["note"] == f"HĐND cấp tỉnh quy định; {UNVERIFIED_NOTE}"


def test_time_limits_online_flags_and_results_follow_the_reference(demo):
    get = {v.procedure.code: v for v in ProcedureVersion.objects.select_related("procedure")}
    assert (get["2.001159"].time_limit_unit, get["2.001159"].time_limit_value) == ("hour", Decimal(1))
    assert get["2.001159"].cutoff_applies is False
    assert (get["1.013949"].time_limit_unit, get["1.013949"].time_limit_value) == ("day", Decimal(15))
    assert (get["1.001776"].time_limit_unit, get["1.001776"].time_limit_value) == (None, None)
    assert (get["1.004194"].online_level, get["1.004194"].full_process_eligible) == ("full", True)
    assert (get["2.000986"].online_level, get["2.000986"].online_submission) == ("none", False)
    assert (get["2.000815"].online_level, get["2.000815"].online_submission) == ("none", False)
    assert (get["1.001612"].online_level, get["1.001612"].online_submission) == ("partial", True)
    assert get["1.004222"].requires_paper_result is False
    assert get["3.000333"].requires_paper_result is False
    assert get["2.000986"].requires_paper_result is True
    assert get["1.000689"].results == ["Giấy khai sinh", "Trích lục đăng ký nhận cha, mẹ, con"]


@pytest.mark.parametrize(
    ("wording", "form"),
    [
        ("bản chính", "original"),
        ("bản sao", "copy"),
        ("xuất trình bản chính", "show_original"),
        ("bản sao hoặc khai thác điện tử", "copy_or_electronic"),
        ("bản gốc", "original"),
        ("bản chính (hợp pháp hóa lãnh sự nếu cần)", "original"),
        ("bản chính hoặc tệp chụp", "original"),
        ("bản chính hoặc bản sao", "copy"),
        ("bản sao (xuất trình bản chính để đối chiếu)", "copy"),
        ("bản sao có chứng thực hoặc bản sao điện tử chứng thực", "copy"),
        ("bản sao/bản chụp", "copy"),
        ("bản chụp/xuất trình bản chính", "copy"),
        ("tệp điện tử", "copy"),
        ("tệp ảnh", "copy"),
        ("khai thác điện tử hoặc bản sao", "copy_or_electronic"),
        ("khai thác điện tử hoặc giấy xác nhận", "copy_or_electronic"),
        ("bản sao hoặc khai thác CSDL dân cư", "copy_or_electronic"),
        ("cung cấp thông tin", "original"),
        ("khai báo", "original"),
        ("khai trực tiếp/trực tuyến/điện thoại", "original"),
    ],
)
def test_component_form_mapping(wording, form):
    assert component_form(wording) == form


def test_inexact_form_wordings_are_kept_in_the_condition(demo):
    spec = ProcedureVersion.objects.get(procedure__code="2.001035").components.get(order=1)
    assert (spec.code, spec.form, spec.required) == ("C2", "copy", True)
    assert spec.condition == "Hình thức theo tài liệu gốc: bản sao (xuất trình bản chính để đối chiếu)"
    birth = ProcedureVersion.objects.get(procedure__code="1.001193").components.get(order=0)
    assert (birth.form, birth.required, birth.condition) == ("original", True, "")


@pytest.mark.parametrize(
    ("result", "paper"),
    [
        ("Giấy khai sinh", True),
        ("Thông báo kết quả giải quyết thủ tục về cư trú; Cập nhật thông tin trong Cơ sở dữ liệu về cư trú", False),
        ("Xác nhận thông tin về cư trú (CT07); Phiếu từ chối tiếp nhận, giải quyết hồ sơ", False),
        ("Thông báo kết quả; Giấy khai sinh; Thẻ bảo hiểm y tế", True),
        ("Phiếu lý lịch tư pháp số 1 hoặc số 2 (bản giấy hoặc điện tử)", False),
        ("Quyết định công nhận hộ nghèo", True),
    ],
)
def test_paper_result_rule(result, paper):
    assert requires_paper_result(result) is paper


def test_the_whole_demo_catalogue_round_trips_through_json_and_excel(demo):
    exported = catalogue_export()
    workbook = catalogue_export_xlsx()
    for load in (
        lambda: catalogue_import(actor=ACTOR, document=json.loads(json.dumps(exported, ensure_ascii=False))),
        lambda: catalogue_import_xlsx(actor=ACTOR, file=io.BytesIO(workbook)),
    ):
        ComponentSpec.objects.all().delete()
        FeeLine.objects.all().delete()
        ProcedureVersion.objects.all().delete()
        Procedure.objects.all().delete()
        assert len(load().created) == 52
        assert catalogue_export() == exported
