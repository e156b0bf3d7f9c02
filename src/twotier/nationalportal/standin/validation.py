"""Record checks of the stand-in portal: the fields DOMAIN.md §2 names, dates as yyyyMMddHHmmss."""

from __future__ import annotations

import datetime as dt
from typing import Any

LIST_FIELDS = ("TaiLieuNop", "DanhSachLePhi", "DanhSachHoSoBoSung", "DanhSachXinLoi", "DanhSachGiayToKetQua")
DATE_PREFIXES = ("Ngay", "ThoiDiem")


def _is_date_key(key: str) -> bool:
    return key.startswith(DATE_PREFIXES)


def _check_date(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) != 14 or not value.isdigit():
        return f"{key}: expected yyyyMMddHHmmss, got {value!r}"
    try:
        dt.datetime.strptime(value, "%Y%m%d%H%M%S")
    except ValueError:
        return f"{key}: not a real date-time: {value!r}"
    return None


def _check_dates(record: dict[str, Any], where: str = "") -> str | None:
    for key, value in record.items():
        if _is_date_key(key):
            problem = _check_date(where + key, value)
            if problem:
                return problem
    return None


def _check_code(record: dict[str, Any]) -> str | None:
    code = record.get("MaHoSo")
    if not isinstance(code, str) or not code.strip() or len(code) > 40:
        return "MaHoSo: required, at most 40 characters"
    return None


def _check_status(record: dict[str, Any]) -> str | None:
    status = record.get("TrangThaiHoSo")
    if not isinstance(status, int) or isinstance(status, bool) or not 1 <= status <= 10:
        return f"TrangThaiHoSo: must be a national status code 1-10, got {status!r}"
    return None


def check_upsert(record: Any) -> str | None:
    """The reason a DongBoHoSoMC record is refused, or None when it is acceptable."""
    if not isinstance(record, dict):
        return "record: must be a JSON object"
    problem = _check_code(record) or _check_status(record)
    if problem:
        return problem
    if not isinstance(record.get("MaTTHC"), str) or not record["MaTTHC"].strip():
        return "MaTTHC: required"
    if record.get("KenhThucHien") not in (1, 2, 3):
        return f"KenhThucHien: must be 1, 2 or 3, got {record.get('KenhThucHien')!r}"
    if record.get("DuocThanhToanTrucTuyen", 0) not in (0, 1, 2):
        return "DuocThanhToanTrucTuyen: must be 0, 1 or 2"
    problem = _check_dates(record)
    if problem:
        return problem
    for name in LIST_FIELDS:
        items = record.get(name, [])
        if not isinstance(items, list):
            return f"{name}: must be a list"
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                return f"{name}[{i}]: must be a JSON object"
            problem = _check_dates(item, f"{name}[{i}].")
            if problem:
                return problem
    return None


def check_progress(record: Any) -> str | None:
    """The reason a CapNhatTienDoHoSoMC record is refused, or None when it is acceptable."""
    if not isinstance(record, dict):
        return "record: must be a JSON object"
    problem = _check_code(record) or _check_status(record)
    if problem:
        return problem
    stt = record.get("STT")
    if not isinstance(stt, int) or isinstance(stt, bool) or stt < 1:
        return f"STT: must be a positive integer, got {stt!r}"
    if not record.get("ThoiDiemXuLy"):
        return "ThoiDiemXuLy: required"
    return _check_dates(record)
