import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from twotier.core.actors import SystemActor
from twotier.core.errors import InvalidInput
from twotier.procedures.models import ComponentSpec, FeeLine, Procedure, ProcedureVersion, VersionStatus
from twotier.procedures.services import (
    catalogue_export,
    catalogue_export_xlsx,
    catalogue_import,
    catalogue_import_xlsx,
)
from twotier.procedures.tests.helpers import actions, catalogue_state, document, last_event, record
from twotier.procedures.xlsx import read_workbook

pytestmark = pytest.mark.django_db

SYSTEM = SystemActor("test")


def _empty_the_catalogue():
    ComponentSpec.objects.all().delete()
    FeeLine.objects.all().delete()
    ProcedureVersion.objects.all().delete()
    Procedure.objects.all().delete()


def _second():
    return record(
        "2.001610",
        name="Đăng ký thành lập doanh nghiệp tư nhân",
        field="Thành lập và hoạt động doanh nghiệp",
        level="province",
        time_limit={"value": 3, "unit": "working_day", "text": ""},
        fees=[{"name": "Phí công bố nội dung đăng ký doanh nghiệp", "amount_vnd": 100000, "per": "lần"}],
        components=[],
        online_level="full",
        full_process_eligible=True,
    )


# --------------------------------------------------------------------------- JSON import
def test_import_creates_published_versions_with_canonical_content():
    report = catalogue_import(actor=SYSTEM, document=document(record(), _second()))
    assert report.as_dict() == {
        "created": ["1.004873", "2.001610"],
        "updated": [],
        "unchanged": [],
        "versions": {"1.004873": 1, "2.001610": 1},
    }
    procedure = Procedure.objects.get(code="1.004873")
    assert (procedure.name_folded, procedure.level, procedure.is_demo) == (
        "thu tuc cap giay xac nhan tinh trang hon nhan",
        "commune",
        False,
    )
    version = procedure.versions.get()
    assert (version.status, version.number, version.time_limit_unit) == (VersionStatus.PUBLISHED, 1, "working_day")
    assert list(version.fee_lines.values_list("order", "code", "amount_vnd")) == [(0, "LP", 10000), (1, "F2", None)]
    assert list(version.components.values_list("code", "required", "condition")) == [
        ("C1", True, ""),
        ("C2", False, "khi không khai thác được CSDL"),
    ]
    assert actions() == ["procedure.import", "procedure.import"]
    assert last_event("procedure.import").changes == {
        "version": 1,
        "retired": None,
        "procedure": {},
        "content": [],
    }


def test_reimporting_the_same_document_changes_nothing():
    doc = document(record(), _second())
    catalogue_import(actor=SYSTEM, document=doc)
    before = catalogue_state()
    report = catalogue_import(actor=SYSTEM, document=doc)
    assert report.as_dict() == {
        "created": [],
        "updated": [],
        "unchanged": ["1.004873", "2.001610"],
        "versions": {"1.004873": 1, "2.001610": 1},
    }
    assert not report.changed
    assert catalogue_state() == before


def test_a_changed_procedure_gets_a_new_published_version_and_the_rest_is_untouched():
    catalogue_import(actor=SYSTEM, document=document(record(), _second()))
    changed = record(time_limit={"value": 2, "unit": "working_day", "text": "02 ngày làm việc"})
    report = catalogue_import(actor=SYSTEM, document=document(changed, _second()))
    assert (report.updated, report.unchanged, report.versions["1.004873"]) == (["1.004873"], ["2.001610"], 2)
    versions = dict(Procedure.objects.get(code="1.004873").versions.values_list("number", "status"))
    assert versions == {1: VersionStatus.RETIRED, 2: VersionStatus.PUBLISHED}
    assert last_event("procedure.import").changes == {
        "version": 2,
        "retired": 1,
        "procedure": {},
        "content": ["time_limit"],
    }
    assert Procedure.objects.get(code="2.001610").versions.count() == 1


def test_a_renamed_procedure_is_updated_without_a_new_version():
    catalogue_import(actor=SYSTEM, document=document(record()))
    report = catalogue_import(actor=SYSTEM, document=document(record(name="Cấp Giấy xác nhận tình trạng hôn nhân")))
    assert (report.updated, report.versions) == (["1.004873"], {"1.004873": 1})
    procedure = Procedure.objects.get(code="1.004873")
    assert procedure.name_folded == "cap giay xac nhan tinh trang hon nhan"
    assert procedure.versions.count() == 1
    assert last_event("procedure.import").changes["procedure"] == {
        "name": {
            "from": "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
            "to": "Cấp Giấy xác nhận tình trạng hôn nhân",
        }
    }


def test_mark_demo_flags_every_procedure():
    catalogue_import(actor=SYSTEM, document=document(record(), _second()), mark_demo=True)
    assert set(Procedure.objects.values_list("is_demo", flat=True)) == {True}


def test_an_invalid_document_reports_every_error_and_writes_nothing():
    catalogue_import(actor=SYSTEM, document=document(_second()))
    bad_time = record(time_limit={"value": None, "unit": "working_day", "text": ""})
    bad_fee = record("1.000894", fees=[{"name": "Lệ phí", "amount_vnd": "miễn"}], level="xa")
    bad_step = record("1.001022")
    bad_step["process"]["steps"][2]["role"] = "chairman"
    changed_valid = _second() | {"name": "Đổi tên"}
    before = catalogue_state()
    with pytest.raises(InvalidInput) as caught:
        catalogue_import(actor=SYSTEM, document=document(bad_time, bad_fee, bad_step, changed_valid))
    error = caught.value
    assert error.message == "The catalogue document has 4 problems; nothing was imported"
    assert [(f.field, f.rule) for f in error.fields] == [
        ("procedures[0].time_limit.value", "required"),
        ("procedures[1].fees[0].amount_vnd", "type"),
        ("procedures[1].level", "enum"),
        ("procedures[2].process.steps[2].role", "enum"),
    ]
    assert error.fields[0].message == "Procedure 1.004873: is required when the unit is 'working_day'"
    assert error.fields[1].message == "Procedure 1.000894: must be a whole number or null, got 'miễn'"
    assert error.fields[3].message.startswith("Procedure 1.001022: must be one of: one_stop_receiver, ")
    assert catalogue_state() == before


def test_document_level_errors():
    before = catalogue_state()
    with pytest.raises(InvalidInput) as caught:
        catalogue_import(actor=SYSTEM, document={"format": "csv", "procedures": [record(), record(), 5]})
    assert [(f.field, f.rule) for f in caught.value.fields] == [
        ("format", "const"),
        ("procedures[2]", "type"),
        ("version", "required"),
        ("procedures[1].code", "unique"),
    ]
    assert caught.value.fields[3].message == (
        "Procedure 1.004873: repeats the code of procedures[0]; a document lists each procedure once"
    )
    assert catalogue_state() == before


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"code": "1 001193"}, "procedures[0].code", "pattern"),
        ({"name": ""}, "procedures[0].name", "minLength"),
        ({"extra": 1}, "procedures[0].extra", "unknown_key"),
        ({"process": {}}, "procedures[0].process.steps", "required"),
        ({"valid_from": "2026-02-30"}, "procedures[0].valid_from", "date"),
        ({"valid_from": "1/7/2026"}, "procedures[0].valid_from", "pattern"),
        ({"confidence": "X"}, "procedures[0].confidence", "enum"),
        ({"time_limit": {"value": 1, "unit": "same_day"}}, "procedures[0].time_limit.value", "null_for_same_day"),
        ({"time_limit": {"value": 1.5, "unit": "month"}}, "procedures[0].time_limit.value", "integer"),
        ({"time_limit": {"value": 1.125, "unit": "working_day"}}, "procedures[0].time_limit.value", "decimal_places"),
        ({"time_limit": {"value": 0, "unit": "working_day"}}, "procedures[0].time_limit.value", "exclusiveMinimum"),
        ({"time_limit": {"value": 5, "unit": None}}, "procedures[0].time_limit.unit", "required"),
        ({"time_limit": {"value": 1, "unit": "working_day"}}, "procedures[0].process.steps", "within_time_limit"),
        ({"components": [{"name": "A", "form": "photo"}]}, "procedures[0].components[0].form", "enum"),
        ({"components": [{"name": "A", "quantity": 0}]}, "procedures[0].components[0].quantity", "minimum"),
        ({"fees": [{"name": "A"}]}, "procedures[0].fees[0].amount_vnd", "required"),
        ({"results": ["Giấy", ""]}, "procedures[0].results[1]", "minLength"),
    ],
)
def test_each_record_rule_names_the_field(change, field, rule):
    with pytest.raises(InvalidInput) as caught:
        catalogue_import(actor=SYSTEM, document=document(record(**change)))
    assert [(f.field, f.rule) for f in caught.value.fields] == [(field, rule)]
    assert not Procedure.objects.exists()


def test_defaults_fill_the_optional_keys():
    minimal = {
        "code": "9.000001",
        "name": "Thủ tục tối thiểu",
        "field": "Khác",
        "level": "province",
        "time_limit": {"value": None, "unit": None},
        "process": record()["process"],
    }
    catalogue_import(actor=SYSTEM, document=document(minimal))
    exported = catalogue_export()["procedures"][0]
    assert exported == {
        **minimal,
        "is_demo": False,
        "valid_from": None,
        "time_limit": {"value": None, "unit": None, "text": ""},
        "cutoff_applies": True,
        "requires_paper_result": True,
        "online_level": "partial",
        "full_process_eligible": False,
        "online_submission": True,
        "agency": "",
        "results": [],
        "fees": [],
        "components": [],
        "source": "",
        "confidence": "",
        "notes": "",
    }


# --------------------------------------------------------------------------- export and round trips
def test_export_gives_the_import_format_sorted_by_code_and_filtered():
    catalogue_import(actor=SYSTEM, document=document(_second(), record()))
    exported = catalogue_export()
    assert (exported["format"], exported["version"]) == ("twotier.procedures", 1)
    assert [p["code"] for p in exported["procedures"]] == ["1.004873", "2.001610"]
    first = exported["procedures"][0]
    assert list(first) == [
        "code",
        "name",
        "field",
        "level",
        "is_demo",
        "valid_from",
        "time_limit",
        "cutoff_applies",
        "requires_paper_result",
        "online_level",
        "full_process_eligible",
        "online_submission",
        "agency",
        "results",
        "fees",
        "components",
        "process",
        "source",
        "confidence",
        "notes",
    ]
    assert first["fees"][1] == {
        "code": "F2",
        "name": "Phí cấp bản sao",
        "amount_vnd": None,
        "per": "",
        "note": "HĐND tỉnh quy định",
    }
    assert [p["code"] for p in catalogue_export(codes=["2.001610"])["procedures"]] == ["2.001610"]
    with pytest.raises(InvalidInput) as caught:
        catalogue_export(codes=["2.001610", "9.9"])
    assert [(f.field, f.rule, f.message) for f in caught.value.fields] == [
        ("codes", "exists", "no published procedure has the code 9.9")
    ]


def test_drafts_are_not_exported():
    catalogue_import(actor=SYSTEM, document=document(record()))
    from twotier.procedures.services import procedure_create_version, procedure_version_update

    draft = procedure_create_version(actor=SYSTEM, procedure=Procedure.objects.get())
    procedure_version_update(actor=SYSTEM, version=draft, notes="bản nháp")
    assert catalogue_export()["procedures"][0]["notes"] == ""


def test_json_round_trip_through_an_empty_database():
    catalogue_import(actor=SYSTEM, document=document(record(), _second()), mark_demo=True)
    first = catalogue_export()
    _empty_the_catalogue()
    catalogue_import(actor=SYSTEM, document=json.loads(json.dumps(first)))
    assert catalogue_export() == first
    assert json.dumps(catalogue_export(), ensure_ascii=False) == json.dumps(first, ensure_ascii=False)


def test_xlsx_round_trip_through_an_empty_database():
    catalogue_import(actor=SYSTEM, document=document(record(), _second()), mark_demo=True)
    first = catalogue_export()
    workbook_bytes = catalogue_export_xlsx()
    parsed, _locations = read_workbook(io.BytesIO(workbook_bytes))
    assert parsed["format"] == "twotier.procedures"
    _empty_the_catalogue()
    report = catalogue_import_xlsx(actor=SYSTEM, file=io.BytesIO(workbook_bytes))
    assert report.created == ["1.004873", "2.001610"]
    assert catalogue_export() == first
    again = catalogue_import_xlsx(actor=SYSTEM, file=io.BytesIO(catalogue_export_xlsx()))
    assert again.unchanged == ["1.004873", "2.001610"]


def test_the_workbook_layout():
    catalogue_import(actor=SYSTEM, document=document(record()))
    workbook = load_workbook(io.BytesIO(catalogue_export_xlsx()))
    assert workbook.sheetnames == ["About", "Procedures", "Fees", "Components", "Steps"]
    procedures = list(workbook["Procedures"].iter_rows(values_only=True))
    assert procedures[0][:4] == ("code", "name", "field", "level")
    assert procedures[1][:4] == ("1.004873", "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", "Hộ tịch", "commune")
    assert list(workbook["Fees"].iter_rows(values_only=True)) == [
        ("procedure_code", "code", "name", "amount_vnd", "per", "note"),
        ("1.004873", "LP", "Lệ phí đăng ký hộ tịch", 10000, "lần", None),
        ("1.004873", "F2", "Phí cấp bản sao", None, None, "HĐND tỉnh quy định"),
    ]
    steps = list(workbook["Steps"].iter_rows(values_only=True))
    assert steps[0] == ("procedure_code", "key", "name", "unit", "role", "hours", "actions")
    assert steps[2] == (
        "1.004873",
        "process",
        "Thẩm định, xử lý",
        "receiving_department:VX",
        "specialist",
        12,
        "forward, return, request_supplement, apologise",
    )


def _workbook(**sheets):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


PROCEDURE_HEADER = ["code", "name", "field", "level", "time_limit_value", "time_limit_unit"]
STEP_HEADER = ["procedure_code", "key", "name", "unit", "role", "hours", "actions"]
GOOD_STEPS = [
    ["1.004873", "receive", "Tiếp nhận", "receiving", "one_stop_receiver", 0, "forward, refuse"],
    ["1.004873", "process", "Xử lý", "receiving_department:VX", "specialist", 8, "forward,return"],
    ["1.004873", "return", "Trả kết quả", "receiving", "one_stop_receiver", 0, "return_result"],
]


def test_a_hand_made_workbook_imports_with_defaults():
    row = ["1.004873", "Xác nhận tình trạng hôn nhân", "Hộ tịch", "commune", 3, "working_day"]
    file = _workbook(
        Procedures=[PROCEDURE_HEADER, row],
        Fees=[["procedure_code", "name", "amount_vnd"], ["1.004873", "Lệ phí", "10 000"]],
        Components=[["procedure_code", "name", "required"], ["1.004873", "Tờ khai", "có"]],
        Steps=[STEP_HEADER, *GOOD_STEPS],
    )
    report = catalogue_import_xlsx(actor=SYSTEM, file=file)
    assert report.created == ["1.004873"]
    exported = catalogue_export()["procedures"][0]
    assert exported["fees"] == [{"code": "F1", "name": "Lệ phí", "amount_vnd": 10000, "per": "", "note": ""}]
    assert exported["components"][0]["required"] is True
    assert [s["actions"] for s in exported["process"]["steps"]] == [
        ["forward", "refuse"],
        ["forward", "return"],
        ["return_result"],
    ]


def test_workbook_errors_name_the_sheet_row_and_column_and_nothing_is_written():
    numeric_code = [1.004873, "Tên", "Hộ tịch", "commune", 3, "working_day", "đỏ"]
    bad_unit = ["1.004873", "receive", "Tiếp nhận", "the desk", "one_stop_receiver", 0, "forward"]
    file = _workbook(
        Procedures=[[*PROCEDURE_HEADER, "colour"], numeric_code],
        Fees=[["procedure_code", "name", "amount_vnd"], ["9.999", "Lệ phí", 1]],
        Components=[["procedure_code", "name"]],
        Steps=[STEP_HEADER, bad_unit],
    )
    before = catalogue_state()
    with pytest.raises(InvalidInput) as caught:
        catalogue_import_xlsx(actor=SYSTEM, file=file)
    assert [(f.field, f.rule) for f in caught.value.fields] == [
        ("Procedures!1.G", "unknown_column"),
        ("Procedures!2.code", "text"),
        ("Steps!2.unit", "unit_selector"),
        ("Fees!2.procedure_code", "unknown_procedure"),
    ]
    assert "2.000720 keep their zeros" in caught.value.fields[1].message
    assert catalogue_state() == before


def test_document_errors_in_a_workbook_are_relocated_to_cells():
    steps = copy.deepcopy(GOOD_STEPS)
    steps[1][4] = "boss"
    file = _workbook(
        Procedures=[PROCEDURE_HEADER, ["1.004873", "Tên", "Hộ tịch", "commune", None, "working_day"]],
        Fees=[["procedure_code", "name", "amount_vnd"], ["1.004873", "Lệ phí", "mười nghìn"]],
        Components=[["procedure_code", "name", "quantity"], ["1.004873", "Tờ khai", 0]],
        Steps=[STEP_HEADER, *steps],
    )
    with pytest.raises(InvalidInput) as caught:
        catalogue_import_xlsx(actor=SYSTEM, file=file)
    assert [(f.field, f.rule) for f in caught.value.fields] == [
        ("Components!2.quantity", "minimum"),
        ("Fees!2.amount_vnd", "type"),
        ("Procedures!2.time_limit_value", "required"),
        ("Steps!3.role", "enum"),
    ]
    assert not Procedure.objects.exists()


def test_missing_sheets_and_columns_and_a_file_that_is_not_a_workbook():
    with pytest.raises(InvalidInput) as caught:
        catalogue_import_xlsx(actor=SYSTEM, file=_workbook(Procedures=[["code", "name"]]))
    assert [(f.field, f.rule) for f in caught.value.fields] == [
        ("Procedures!1", "column_required"),
        ("Procedures!1", "column_required"),
        ("Fees", "sheet_required"),
        ("Components", "sheet_required"),
        ("Steps", "sheet_required"),
    ]
    with pytest.raises(InvalidInput) as caught:
        catalogue_import_xlsx(actor=SYSTEM, file=io.BytesIO(b"code,name\n1,2\n"))
    assert [(f.field, f.rule) for f in caught.value.fields] == [("file", "xlsx")]


# --------------------------------------------------------------------------- management commands
def test_commands_import_and_export_json_and_xlsx(tmp_path):
    source = tmp_path / "catalogue.json"
    source.write_text(json.dumps(document(record(), _second()), ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("import_procedures", str(source), "--demo", stdout=out)
    assert out.getvalue().splitlines() == [
        f"{source}: 2 created, 0 updated, 0 unchanged",
        "  1.004873 v1",
        "  2.001610 v1",
    ]
    assert set(Procedure.objects.values_list("is_demo", flat=True)) == {True}
    exported_json, exported_xlsx = tmp_path / "out.json", tmp_path / "out.xlsx"
    call_command("export_procedures", str(exported_json), stdout=io.StringIO())
    call_command("export_procedures", str(exported_xlsx), "--codes", "2.001610", stdout=io.StringIO())
    assert json.loads(exported_json.read_text(encoding="utf-8")) == catalogue_export()
    out = io.StringIO()
    call_command("import_procedures", str(exported_xlsx), stdout=out)
    assert out.getvalue().strip() == f"{exported_xlsx}: 0 created, 0 updated, 1 unchanged"


def test_import_command_lists_every_problem(tmp_path):
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(document(record(level="huyện"))), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_procedures", str(source))
    assert str(caught.value).splitlines() == [
        f"{source}: The catalogue document has 1 problem; nothing was imported",
        "  procedures[0].level: Procedure 1.004873: must be one of: province, commune; got 'huyện' [enum]",
    ]
    (tmp_path / "x.csv").write_text("code,name\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"expected a \.json or \.xlsx file"):
        call_command("import_procedures", str(tmp_path / "x.csv"))
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="not a JSON document"):
        call_command("import_procedures", str(tmp_path / "broken.json"))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_procedures", str(tmp_path / "missing.json"))
