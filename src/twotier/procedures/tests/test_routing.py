import datetime as dt

import pytest

from twotier.core.errors import InvalidInput
from twotier.org.models import Unit, UnitType
from twotier.procedures.routing import province_of, resolve_step_unit
from twotier.testing.factories import unit_make

pytestmark = pytest.mark.django_db


def _step(unit, key="process"):
    return {
        "key": key,
        "name": "Bước",
        "unit": unit,
        "role": "specialist",
        "hours": 1,
        "actions": ["forward"],
    }


def test_receiving_is_the_receiving_unit(org):
    assert resolve_step_unit(_step({"relative": "receiving"}), org["CM-TT"]) == org["CM-TT"]


def test_receiving_department_is_the_child_with_the_suffixed_code(org):
    step = _step({"relative": "receiving_department", "department": "VX"})
    assert resolve_step_unit(step, org["CM-TT"]).code == "CM-TT-VX"
    step = _step({"relative": "receiving_department", "department": "KT"})
    assert resolve_step_unit(step, org["CM-TT"]).code == "CM-TT-KT"


def test_province_department_is_found_under_the_receiving_units_province(org):
    step = _step({"province_department": "STP"})
    assert resolve_step_unit(step, org["CM-TT"]).code == "CM-STP"
    assert resolve_step_unit(step, org["CM-TTHCC"]).code == "CM-STP"
    assert resolve_step_unit(step, org["CM-TT-VX"]).code == "CM-STP"
    assert province_of(org["CM-TT-VX"]) == org["CM"]


def test_unit_code_is_a_fixed_unit(org):
    assert resolve_step_unit(_step({"unit_code": "CM-SXD"}), org["CM-TT"]).code == "CM-SXD"


def test_a_missing_department_names_the_step_and_the_unit(org):
    commune = unit_make("CM-KH", "Xã Khánh Hưng", UnitType.COMMUNE, org["CM"])
    with pytest.raises(InvalidInput) as caught:
        resolve_step_unit(_step({"relative": "receiving_department", "department": "VX"}, "verify"), commune)
    assert caught.value.message == "Step 'verify': the unit CM-KH-VX under CM-KH does not exist"
    assert [(f.field, f.rule) for f in caught.value.fields] == [("steps.verify.unit", "unit_exists")]


def test_a_department_code_under_another_parent_does_not_count(org):
    other = unit_make("XX", "Tỉnh khác", UnitType.PROVINCE)
    unit_make("XX-TT", "Xã", UnitType.COMMUNE, other)
    with pytest.raises(InvalidInput) as caught:
        resolve_step_unit(_step({"province_department": "STP"}), Unit.objects.get(code="XX-TT"))
    assert caught.value.fields[0].rule == "unit_exists"
    assert "XX-STP under XX" in caught.value.message


def test_an_unknown_fixed_unit_and_a_unit_without_province_are_errors(org):
    with pytest.raises(InvalidInput) as caught:
        resolve_step_unit(_step({"unit_code": "CM-NOPE"}), org["CM-TT"])
    assert caught.value.message == "Step 'process': the unit CM-NOPE does not exist"
    orphan = unit_make("ORPHAN", "Đơn vị lẻ", UnitType.COMMUNE)
    with pytest.raises(InvalidInput) as caught:
        resolve_step_unit(_step({"province_department": "STP"}), orphan)
    assert caught.value.fields[0].rule == "province_exists"


def test_an_ended_unit_is_not_a_destination(org):
    Unit.objects.filter(code="CM-STP").update(valid_to=dt.date(2026, 1, 31))
    step = _step({"province_department": "STP"})
    assert resolve_step_unit(step, org["CM-TT"], on=dt.date(2026, 1, 31)).code == "CM-STP"
    with pytest.raises(InvalidInput) as caught:
        resolve_step_unit(step, org["CM-TT"], on=dt.date(2026, 2, 1))
    assert caught.value.fields[0].rule == "unit_active"
    assert "CM-STP is not active on 2026-02-01" in caught.value.message


def test_a_step_without_a_selector_is_an_error(org):
    with pytest.raises(InvalidInput) as caught:
        resolve_step_unit({"key": "x", "unit": None}, org["CM-TT"])
    assert caught.value.fields[0].rule == "unit_selector"
