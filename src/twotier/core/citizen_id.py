"""Structure of the 12-digit national id number (CCCD / số định danh cá nhân).

Digits 1–3: province of birth registration (001–096); digit 4: gender and century
(0/1 = male/female born 1900–1999, 2/3 = 2000–2099, 4/5 = 2100–2199, 6/7 = 2200–2299,
8/9 = 2300–2399); digits 5–6: last two digits of the birth year; digits 7–12: random.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from twotier.core.errors import FieldIssue

# Province codes of the 63 pre-2025 provinces (the code of the registration place, kept after the merger).
PROVINCE_CODES = frozenset(
    {
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022",
        "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042",
        "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060", "062", "064", "066",
        "067", "068", "070", "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087",
        "089", "091", "092", "093", "094", "095", "096",
    }
)  # fmt: skip


@dataclass(frozen=True)
class CitizenId:
    number: str
    province_code: str
    female: bool
    birth_year: int


def parse_citizen_id(value: str, *, field: str = "id_number", today: dt.date | None = None) -> CitizenId:
    """Validate the structure of a national id number; raise InvalidInput naming the rule broken."""
    from twotier.core.errors import InvalidInput

    number = (value or "").strip()
    issues: list[FieldIssue] = []
    # ASCII only: str.isdigit() also accepts other scripts' digits and superscripts.
    if len(number) != 12 or not (number.isascii() and number.isdigit()):
        issues.append(FieldIssue(field, "twelve_digits", "The national id number must be exactly 12 digits"))
        raise InvalidInput("Invalid national id number", issues)
    province = number[:3]
    if province not in PROVINCE_CODES:
        issues.append(FieldIssue(field, "province_code", f"{province} is not a province code (001–096)"))
    century_digit = int(number[3])
    century_start = 1900 + 100 * (century_digit // 2)
    birth_year = century_start + int(number[4:6])
    year_now = (today or dt.date.today()).year
    if century_start > year_now:
        issues.append(
            FieldIssue(
                field,
                "gender_century",
                f"Digit 4 ({century_digit}) means born in {century_start}–{century_start + 99}, which has not begun",
            )
        )
    elif birth_year > year_now:
        issues.append(FieldIssue(field, "birth_year", f"Birth year {birth_year} is in the future"))
    if issues:
        raise InvalidInput("Invalid national id number", issues)
    return CitizenId(number=number, province_code=province, female=century_digit % 2 == 1, birth_year=birth_year)
