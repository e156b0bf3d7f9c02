import copy
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator

from twotier.core.errors import FieldIssue
from twotier.org.permissions import STANDARD_ROLES
from twotier.procedures.process_schema import PROCESS_SCHEMA, ROLES, total_hours, validate_process

EXAMPLE = {
    "steps": [
        {
            "key": "receive",
            "name": "Tiếp nhận hồ sơ",
            "unit": {"relative": "receiving"},
            "role": "one_stop_receiver",
            "hours": 0,
            "actions": ["forward", "refuse", "request_supplement"],
        },
        {
            "key": "process",
            "name": "Thẩm định, xử lý",
            "unit": {"relative": "receiving_department", "department": "VX"},
            "role": "specialist",
            "hours": 4,
            "actions": ["forward", "return", "request_supplement", "request_payment", "apologise", "stop"],
        },
        {
            "key": "province",
            "name": "Sở Tư pháp thẩm định",
            "unit": {"province_department": "STP"},
            "role": "specialist",
            "hours": 16,
            "actions": ["forward", "return"],
        },
        {
            "key": "approve",
            "name": "Phê duyệt, ký kết quả",
            "unit": {"relative": "receiving"},
            "role": "unit_leader",
            "hours": 2,
            "actions": ["approve", "return", "apologise", "stop"],
        },
        {
            "key": "return",
            "name": "Trả kết quả",
            "unit": {"unit_code": "CM-TT"},
            "role": "one_stop_receiver",
            "hours": 0,
            "actions": ["return_result"],
        },
    ]
}


def _changed(**changes):
    """A copy of EXAMPLE with `changes` applied: keys like 'steps.2.role'."""
    data = copy.deepcopy(EXAMPLE)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is KeyError:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return data


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(PROCESS_SCHEMA)
    assert PROCESS_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(ROLES) == {spec.code for spec in STANDARD_ROLES}


def test_the_documented_example_is_valid_within_its_time_limit():
    assert validate_process(EXAMPLE) == []
    assert validate_process(EXAMPLE, statutory_hours=Decimal(22)) == []
    assert total_hours(EXAMPLE) == Decimal(22)


def test_an_unknown_role_names_the_json_path_and_the_rule():
    issues = validate_process(_changed(**{"steps.2.role": "clerk"}))
    assert len(issues) == 1
    assert (issues[0].field, issues[0].rule) == ("process.steps[2].role", "enum")
    assert "one_stop_receiver" in issues[0].message
    assert "'clerk'" in issues[0].message


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"steps.1.name": KeyError}, "process.steps[1].name", "required"),
        ({"steps.1.colour": "red"}, "process.steps[1].colour", "unknown_key"),
        ({"steps.1.hours": -1}, "process.steps[1].hours", "minimum"),
        ({"steps.1.hours": "4"}, "process.steps[1].hours", "type"),
        ({"steps.1.hours": True}, "process.steps[1].hours", "type"),
        ({"steps.1.key": "Thẩm định"}, "process.steps[1].key", "pattern"),
        ({"steps.1.actions": []}, "process.steps[1].actions", "minItems"),
        ({"steps.1.actions": ["forward", "forward"]}, "process.steps[1].actions", "uniqueItems"),
        ({"steps.1.actions": ["forward", "sign"]}, "process.steps[1].actions[1]", "enum"),
        ({"steps.3.name": ""}, "process.steps[3].name", "minLength"),
        ({"steps": []}, "process.steps", "minItems"),
        ({"steps": "receive"}, "process.steps", "type"),
    ],
)
def test_schema_violations_name_the_path_and_rule(change, field, rule):
    issues = validate_process(_changed(**change))
    assert [(i.field, i.rule) for i in issues] == [(field, rule)]


def test_a_missing_steps_list_and_a_non_object_are_reported():
    assert [(i.field, i.rule) for i in validate_process({})] == [("process.steps", "required")]
    assert [(i.field, i.rule) for i in validate_process({"steps": [], "other": 1})] == [
        ("process.other", "unknown_key"),
        ("process.steps", "minItems"),
    ]
    issues = validate_process(["receive"])
    assert [(i.field, i.rule) for i in issues] == [("process", "type")]


@pytest.mark.parametrize(
    ("unit", "field", "rule"),
    [
        ({"relative": "sending"}, "process.steps[1].unit.relative", "enum"),
        ({"relative": "receiving_department"}, "process.steps[1].unit.department", "required"),
        (
            {"relative": "receiving_department", "department": "YT"},
            "process.steps[1].unit.department",
            "enum",
        ),
        ({"relative": "receiving", "department": "VX"}, "process.steps[1].unit.department", "unknown_key"),
        ({"province_department": "stp"}, "process.steps[1].unit.province_department", "pattern"),
        ({"province_department": "STP", "unit_code": "CM-STP"}, "process.steps[1].unit", "unit_selector"),
        ({"unit_code": ""}, "process.steps[1].unit.unit_code", "pattern"),
        ({"unit_code": "CM-STP", "note": "x"}, "process.steps[1].unit.note", "unknown_key"),
        ({}, "process.steps[1].unit", "unit_selector"),
        ("receiving", "process.steps[1].unit", "type"),
    ],
)
def test_unit_selector_errors_are_precise(unit, field, rule):
    issues = validate_process(_changed(**{"steps.1.unit": unit}))
    assert [(i.field, i.rule) for i in issues] == [(field, rule)]


def test_step_keys_must_be_unique():
    issues = validate_process(_changed(**{"steps.3.key": "process"}))
    assert issues == [
        FieldIssue(
            "process.steps[3].key",
            "unique",
            "repeats the key 'process' of steps[1]; step keys must be unique",
        )
    ]


def test_the_first_step_must_forward_and_the_last_must_return_the_result():
    issues = validate_process(_changed(**{"steps.0.actions": ["refuse"], "steps.4.actions": ["approve"]}))
    assert [(i.field, i.rule) for i in issues] == [
        ("process.steps[0].actions", "first_step_forward"),
        ("process.steps[4].actions", "last_step_return_result"),
    ]


def test_the_steps_must_fit_in_the_statutory_time_limit():
    issues = validate_process(EXAMPLE, statutory_hours=Decimal(16))
    assert issues == [
        FieldIssue(
            "process.steps",
            "within_time_limit",
            "the steps take 22 working hours in total, more than the statutory time limit of 16 working hours",
        )
    ]
    # When the limit is unknown (calendar days, months) the sum is not checked.
    assert validate_process(EXAMPLE, statutory_hours=None) == []


def test_fractional_hours_are_allowed_and_summed_exactly():
    data = _changed(**{"steps.1.hours": 0.25, "steps.2.hours": 7.5, "steps.3.hours": 0.25})
    assert total_hours(data) == Decimal("8.00")
    assert validate_process(data, statutory_hours=Decimal(8)) == []


def test_a_custom_path_prefix_is_used_in_every_field():
    issues = validate_process(_changed(**{"steps.2.role": "boss"}), path="procedures[4].process")
    assert [i.field for i in issues] == ["procedures[4].process.steps[2].role"]


def test_every_problem_is_reported_at_once_in_document_order():
    data = _changed(**{"steps.2.role": "boss", "steps.1.hours": -2})
    data["steps"][0]["actions"] = ["refuse"]
    issues = validate_process(data)
    assert [(i.field, i.rule) for i in issues] == [
        ("process.steps[1].hours", "minimum"),
        ("process.steps[2].role", "enum"),
        ("process.steps[0].actions", "first_step_forward"),
    ]
