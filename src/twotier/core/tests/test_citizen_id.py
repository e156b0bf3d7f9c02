"""Structure of the 12-digit national id number."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twotier.core.citizen_id import PROVINCE_CODES, parse_citizen_id
from twotier.core.errors import InvalidInput

TODAY = dt.date(2026, 3, 2)


def _rules(value: str, **kw) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        parse_citizen_id(value, today=TODAY, **kw)
    return [(issue.field, issue.rule) for issue in caught.value.fields]


@pytest.mark.parametrize(
    ("number", "province", "female", "year"),
    [
        ("096090001234", "096", False, 1990),  # Cà Mau, man born 1990
        ("001195004321", "001", True, 1995),  # Hà Nội, woman born 1995
        ("079200123456", "079", False, 2000),  # Hồ Chí Minh City, man born 2000
        ("031326000001", "031", True, 2026),  # Hải Phòng, girl born this year
        (" 094200999999 ", "094", False, 2000),  # surrounding spaces are ignored
    ],
)
def test_valid_numbers_parse_into_their_parts(number, province, female, year):
    parsed = parse_citizen_id(number, today=TODAY)
    assert (parsed.number, parsed.province_code, parsed.female, parsed.birth_year) == (
        number.strip(),
        province,
        female,
        year,
    )


@pytest.mark.parametrize(
    ("number", "rules"),
    [
        ("09609000123", [("id_number", "twelve_digits")]),  # 11 digits
        ("0960900012345", [("id_number", "twelve_digits")]),  # 13 digits
        ("", [("id_number", "twelve_digits")]),
        ("09609000123A", [("id_number", "twelve_digits")]),
        ("０９６０９０００１２３４", [("id_number", "twelve_digits")]),  # full-width digits
        ("09609000123²", [("id_number", "twelve_digits")]),  # a superscript passes str.isdigit()
        ("٠٩٦٠٩٠٠٠١٢٣٤", [("id_number", "twelve_digits")]),  # Arabic-Indic digits
        ("000090001234", [("id_number", "province_code")]),
        ("003090001234", [("id_number", "province_code")]),  # 003 is not a province code
        ("097090001234", [("id_number", "province_code")]),  # beyond 096
        ("096227001234", [("id_number", "birth_year")]),  # born 2027: future
        ("096399001234", [("id_number", "birth_year")]),  # born 2099: future
        ("096400001234", [("id_number", "gender_century")]),  # 22nd century has not begun
        ("096900001234", [("id_number", "gender_century")]),
        ("999227001234", [("id_number", "province_code"), ("id_number", "birth_year")]),
    ],
)
def test_bad_numbers_name_the_rule(number, rules):
    assert _rules(number) == rules


def test_the_field_name_is_the_callers():
    assert _rules("123", field="applicant.id_number") == [("applicant.id_number", "twelve_digits")]


def test_birth_year_boundary_moves_with_today():
    assert parse_citizen_id("096227001234", today=dt.date(2027, 1, 1)).birth_year == 2027
    assert _rules("096227001234") == [("id_number", "birth_year")]


@given(
    province=st.sampled_from(sorted(PROVINCE_CODES)),
    digit=st.integers(0, 3),
    yy=st.integers(0, 99),
    tail=st.integers(0, 999_999),
)
def test_every_structurally_valid_number_round_trips(province, digit, yy, tail):
    number = f"{province}{digit}{yy:02d}{tail:06d}"
    year = 1900 + 100 * (digit // 2) + yy
    if year > TODAY.year:
        assert _rules(number) == [("id_number", "birth_year")]
    else:
        parsed = parse_citizen_id(number, today=TODAY)
        assert (parsed.birth_year, parsed.female, parsed.province_code) == (year, digit % 2 == 1, province)
