"""How the forms write dates, times, money, time limits, unit headers and the QR code (Vietnamese usage)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import segno

# Legal documents carry Vietnam time whatever the server's zone is.
VN = ZoneInfo("Asia/Ho_Chi_Minh")

LOCAL_TYPES = ("province", "commune", "ward", "special_zone")
_TYPE_PREFIXES = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu ")

TIME_LIMIT_UNITS = {
    "working_day": "ngày làm việc",
    "day": "ngày",
    "hour": "giờ làm việc",
    "month": "tháng",
}
COMPONENT_FORMS = {
    "original": "Bản chính",
    "copy": "Bản sao",
    "show_original": "Bản chính (xuất trình để đối chiếu)",
    "copy_or_electronic": "Bản sao hoặc bản điện tử",
}
DELIVERY = {
    "desk": "Tại Bộ phận tiếp nhận và trả kết quả",
    "post": "Qua dịch vụ bưu chính công ích",
    "electronic": "Trực tuyến (bản điện tử)",
}
CHANNELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Qua dịch vụ bưu chính công ích"}
TIMELINESS = {"early": "Sớm", "on_time": "Đúng hạn", "late": "Trễ hạn"}


def local(value: dt.datetime) -> dt.datetime:
    """`value` in Vietnam time."""
    return value.astimezone(VN)


def _day(value: dt.date | dt.datetime) -> dt.date:
    return local(value).date() if isinstance(value, dt.datetime) else value


def date_vn(value: dt.date | dt.datetime | None) -> str:
    """dd/MM/yyyy (Vietnam time); empty for None."""
    return "" if value is None else f"{_day(value):%d/%m/%Y}"


def time_vn(value: dt.datetime | None) -> str:
    """hh:mm, 24-hour, Vietnam time; empty for None."""
    return "" if value is None else f"{local(value):%H:%M}"


def moment_vn(value: dt.datetime | None) -> str:
    """'hh:mm, ngày dd/MM/yyyy'; empty for None."""
    return "" if value is None else f"{time_vn(value)}, ngày {date_vn(value)}"


def long_date(value: dt.date | dt.datetime) -> str:
    """'ngày 02 tháng 3 năm 2026': days below 10 and months below 3 take a leading zero (Decree 30/2020)."""
    day = _day(value)
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def money(amount: int | Decimal | None) -> str:
    """'30.000 đồng': dots between thousands."""
    return f"{int(amount or 0):,} đồng".replace(",", ".")


def two_digits(count: int) -> str:
    """Counts on forms are written with two digits: 01, 02, … 12."""
    return f"{count:02d}"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


def time_limit(version: Any) -> str:
    """The statutory time limit in words, e.g. '05 ngày làm việc' or 'Trong ngày làm việc'."""
    if version.time_limit_text:
        return str(version.time_limit_text)
    unit = version.time_limit_unit
    if unit == "same_day":
        return "Trong ngày làm việc"
    value = version.time_limit_value
    if value is None or unit not in TIME_LIMIT_UNITS:
        return "Theo quy định của thủ tục"
    amount = Decimal(str(value))
    number = two_digits(int(amount)) if amount == amount.to_integral_value() and amount < 10 else _number(amount)
    return f"{number} {TIME_LIMIT_UNITS[unit]}"


def _bare_name(name: str) -> str:
    for prefix in _TYPE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _in_sentence(name: str) -> str:
    """'Phường Tân Thành' → 'phường Tân Thành' (the type word is lower-case inside a sentence)."""
    for prefix in _TYPE_PREFIXES:
        if name.startswith(prefix):
            return prefix.lower() + name[len(prefix) :]
    return name


def _local_ancestor(unit: Any) -> Any:
    current = unit
    while current is not None and current.type not in LOCAL_TYPES:
        current = current.parent
    return current or unit


def agency_name(unit: Any) -> str:
    """The authority's name in a sentence: 'Ủy ban nhân dân phường Tân Thành', or a department's own name."""
    if unit.type in LOCAL_TYPES:
        return f"Ủy ban nhân dân {_in_sentence(unit.name)}"
    return str(unit.name)


def place_name(unit: Any) -> str:
    """The place written before the date: the unit's commune, ward or province without its type word."""
    return _bare_name(str(_local_ancestor(unit).name))


def issuer_lines(unit: Any, *, desk: bool) -> tuple[list[str], list[str]]:
    """The header at the top left, upper case: the governing authority's lines, then the issuing body's (bold)."""
    name = unit.name.upper()
    if unit.type in LOCAL_TYPES:
        if desk:
            return [f"UBND {name}"], ["BỘ PHẬN TIẾP NHẬN", "VÀ TRẢ KẾT QUẢ"]
        return [], ["ỦY BAN NHÂN DÂN", name]
    parent = unit.parent
    if parent is None:
        return [], [name]
    top = f"UBND {parent.name.upper()}" if parent.type in LOCAL_TYPES else parent.name.upper()
    return [top], [name]


def qr_data_uri(payload: str) -> str:
    """A PNG data URI of a QR code for `payload`, one pixel per module (printed crisp by the stylesheet)."""
    return segno.make_qr(payload, error="m").png_data_uri(scale=1, border=2)
