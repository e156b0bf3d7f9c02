"""The demo catalogue: data/procedures-reference.json converted to the import format.

What is taken from the reference and what is made up for the demo is listed in
docs/procedures.md ("The demo catalogue"). In short: codes, names, fields, levels, time limits,
components, results, online flags, sources and notes come from the reference; the internal
processes and the fee amounts the province would set (HĐND) are demo values, marked as such.
Everything is imported with `is_demo=True`, and loading twice changes nothing.
"""

from __future__ import annotations

import json
import math
from decimal import ROUND_FLOOR, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from twotier.core.text import fold
from twotier.procedures.deadlines import WORKING_DAY_HOURS, hours_for_time_limit
from twotier.procedures.document import empty_document
from twotier.procedures.services import ImportReport, catalogue_import

DATA_FILE = Path(__file__).resolve().parent / "data" / "procedures-reference.json"

LEVELS = {"xã": "commune", "tỉnh": "province"}

# The commune department that handles each field (culture-social VX, economic KT).
COMMUNE_DEPARTMENTS = {
    "Hộ tịch": "VX",
    "Chứng thực": "VX",
    "Bảo trợ xã hội": "VX",
    "Giảm nghèo": "VX",
    "Hộ kinh doanh": "KT",
    "Đất đai": "KT",
    "Hoạt động xây dựng": "KT",
}
COMMUNE_DEPARTMENT_NAMES = {"VX": "Phòng Văn hóa - Xã hội", "KT": "Phòng Kinh tế"}
# Residence (cư trú) is handled by the commune police, who belong to the provincial police (CAT);
# the demo organisation has no commune police posts, so those steps go to CAT.
POLICE_FIELDS = {"Cư trú": "CAT"}
# The competent provincial department of each province-level field.
PROVINCE_DEPARTMENTS = {
    "Đất đai": "SNNMT",
    "Hoạt động xây dựng": "SXD",
    "Thành lập và hoạt động doanh nghiệp": "STC",
    "Lao động": "SNV",
    "Lý lịch tư pháp": "CAT",
}
PROVINCE_DEPARTMENT_NAMES = {
    "STP": "Sở Tư pháp",
    "SNNMT": "Sở Nông nghiệp và Môi trường",
    "SXD": "Sở Xây dựng",
    "STC": "Sở Tài chính",
    "SNV": "Sở Nội vụ",
    "CAT": "Công an tỉnh",
}
# Commune procedures whose dossier visits a provincial department and comes back to the commune.
CROSS_LEVEL = {
    "1.013978": "SNNMT",  # first land registration: the land registration office prints the certificate
    "1.013949": "SNNMT",  # change of land use: the land registration office updates the records
    "2.000806": "STP",  # marriage with a foreigner: the Department of Justice checks the foreign papers
}
ONE_STOP_CENTRE = "TTHCC"

RECEIVE_ACTIONS = ["forward", "refuse", "request_supplement"]
PROCESS_ACTIONS = ["forward", "return", "request_supplement", "request_payment", "apologise", "stop"]
CONSULT_ACTIONS = ["forward", "return", "apologise"]
APPROVE_ACTIONS = ["approve", "return", "apologise", "stop"]
RETURN_ACTIONS = ["return_result"]

# Demo amounts for fees the reference leaves to the province (HĐND): (procedure code or "*", fee name).
DEMO_FEES: dict[tuple[str, str], int] = {
    ("*", "Lệ phí đăng ký khai sinh quá hạn"): 5_000,
    ("*", "Lệ phí đăng ký khai tử quá hạn"): 5_000,
    ("*", "Lệ phí đăng ký hộ tịch"): 10_000,
    ("2.000528", "Lệ phí đăng ký hộ tịch"): 75_000,  # birth with a foreign element
    ("2.000806", "Lệ phí đăng ký hộ tịch"): 1_000_000,  # marriage with a foreigner
    ("1.001766", "Lệ phí đăng ký hộ tịch"): 75_000,  # death with a foreign element
    ("2.000554", "Lệ phí đăng ký hộ tịch"): 75_000,  # recording a divorce decided abroad
    ("*", "Lệ phí đăng ký hộ kinh doanh"): 100_000,
    ("1.013225", "Lệ phí cấp giấy phép xây dựng"): 75_000,  # houses and grade III-IV works
    ("1.013236", "Lệ phí cấp giấy phép xây dựng"): 150_000,  # other works
    ("*", "Lệ phí cấp Giấy chứng nhận"): 100_000,
    ("*", "Phí thẩm định hồ sơ cấp Giấy chứng nhận"): 500_000,
    ("*", "Phí, lệ phí liên quan"): 500_000,
    ("*", "Lệ phí cấp/chỉnh lý Giấy chứng nhận"): 50_000,
    ("*", "Phí thẩm định hồ sơ"): 300_000,
}
DEMO_FEE_NOTE = "DEMO: mức thu minh họa, không phải nghị quyết HĐND tỉnh; nạp mức thu thật trước khi sử dụng"
UNVERIFIED_NOTE = "Chưa xác minh (độ tin cậy L): không hiển thị số liệu này cho người dân"
FORM_WORDING = "Hình thức theo tài liệu gốc"

EXACT_FORMS = {
    "bản chính": "original",
    "bản sao": "copy",
    "xuất trình bản chính": "show_original",
    "bản sao hoặc khai thác điện tử": "copy_or_electronic",
}
# Wordings that are neither a paper nor a copy (declarations, data) are what the applicant
# produces themselves: treated as an original.
ELECTRONIC_ONLY_RESULTS = (
    "thong bao",
    "cap nhat",
    "xac nhan thong tin",
    "phieu tu choi",
    "phieu khai bao",
    "van ban neu ro ly do",
    "noi quy lao dong",
)
QUARTER = Decimal("0.25")


@cache
def reference() -> list[dict[str, Any]]:
    """The reference records (52 procedures), as shipped in data/procedures-reference.json."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        data: list[dict[str, Any]] = json.load(handle)
    return data


def component_form(text: str) -> str:
    """Map the reference's Vietnamese form wording to a ComponentForm value (documented rules)."""
    wording = text.strip().casefold()
    if wording in EXACT_FORMS:
        return EXACT_FORMS[wording]
    folded = fold(wording)
    if "khai thac" in folded:
        return "copy_or_electronic"  # the office should fetch it from a national database first
    if folded.startswith("xuat trinh"):
        return "show_original"
    if "hoac ban sao" in folded or folded.startswith(("ban sao", "ban chup")) or "tep" in folded.split()[:2]:
        return "copy"
    return "original"  # bản chính (…), bản gốc, declarations made on the spot


def requires_paper_result(result: str) -> bool:
    """False when every result is a notice, update or confirmation, or may be electronic; else True."""
    items = [fold(item) for item in result.split(";") if item.strip()]
    if any("hoac dien tu" in item for item in items):
        return False
    return not all(item.startswith(ELECTRONIC_ONLY_RESULTS) for item in items)


def _join(*parts: str | None) -> str:
    return "; ".join(p.strip() for p in parts if p and p.strip())


def _fee(code: str, confidence: str, fee: dict[str, Any]) -> dict[str, Any]:
    amount, note = fee.get("amount_vnd"), fee.get("note") or ""
    if amount is None and confidence == "L":
        note = _join(note, UNVERIFIED_NOTE)
    elif amount is None and "HĐND" in note:
        demo = DEMO_FEES.get((code, fee["name"]), DEMO_FEES.get(("*", fee["name"])))
        if demo is not None:
            amount, note = demo, _join(note, DEMO_FEE_NOTE)
    line: dict[str, Any] = {"name": fee["name"], "amount_vnd": amount, "note": note}
    if fee.get("per"):
        line["per"] = fee["per"]
    return line


def _component(item: dict[str, Any]) -> dict[str, Any]:
    wording = item["form"]
    exact = wording.strip().casefold() in EXACT_FORMS
    condition = item.get("condition") or ""
    return {
        "name": item["name"],
        "form": component_form(wording),
        "quantity": int(item.get("quantity") or 1),
        "required": not condition,
        "condition": condition if exact else _join(condition, f"{FORM_WORDING}: {wording}"),
    }


def _floor_quarter(hours: Decimal) -> Decimal:
    return max(QUARTER, (hours / QUARTER).to_integral_value(ROUND_FLOOR) * QUARTER)


def hours_budget(unit: str | None, value: float | int | None) -> Decimal:
    """Working hours the demo process may use: 3/4 of the limit, 4 h for same-day, 40 h if unknown."""
    if unit == "same_day":
        return Decimal(4)
    limit = hours_for_time_limit(unit, value)
    if limit is None and value is not None and unit == "day":
        limit = Decimal(math.floor(Decimal(str(value)) * 5 / 7)) * WORKING_DAY_HOURS
    elif limit is None and value is not None and unit == "month":
        limit = Decimal(str(value)) * 20 * WORKING_DAY_HOURS
    if limit is None:
        return 5 * WORKING_DAY_HOURS
    return limit * 3 / 4


def _step(key: str, name: str, unit: dict[str, str], role: str, hours: Decimal, actions: list[str]) -> dict[str, Any]:
    return {
        "key": key,
        "name": name,
        "unit": unit,
        "role": role,
        "hours": int(hours) if hours == hours.to_integral_value() else float(hours),
        "actions": actions,
    }


def demo_process(ref: dict[str, Any]) -> dict[str, Any]:
    """A plausible internal process for a reference record (commune, province or cross-level)."""
    budget = hours_budget(ref["time_limit"]["unit"], ref["time_limit"]["value"])
    zero = Decimal(0)
    if LEVELS[ref["level"]] == "province":
        dept = PROVINCE_DEPARTMENTS[ref["field"]]
        dept_name = PROVINCE_DEPARTMENT_NAMES[dept]
        centre = {"province_department": ONE_STOP_CENTRE}
        here = {"province_department": dept}
        steps = [
            _step(
                "receive",
                "Tiếp nhận hồ sơ tại Trung tâm Phục vụ hành chính công tỉnh",
                centre,
                "one_stop_receiver",
                zero,
                RECEIVE_ACTIONS,
            ),
            _step(
                "process",
                f"{dept_name} thẩm định, xử lý",
                here,
                "specialist",
                _floor_quarter(budget * 2 / 3),
                PROCESS_ACTIONS,
            ),
            _step(
                "approve",
                f"Lãnh đạo {dept_name} phê duyệt, ký kết quả",
                here,
                "unit_leader",
                _floor_quarter(budget / 3),
                APPROVE_ACTIONS,
            ),
            _step(
                "return",
                "Trả kết quả tại Trung tâm Phục vụ hành chính công tỉnh",
                centre,
                "one_stop_receiver",
                zero,
                RETURN_ACTIONS,
            ),
        ]
        return {"steps": steps}
    desk = {"relative": "receiving"}
    receive = _step(
        "receive", "Tiếp nhận hồ sơ tại bộ phận một cửa xã", desk, "one_stop_receiver", zero, RECEIVE_ACTIONS
    )
    give_back = _step("return", "Trả kết quả tại bộ phận một cửa xã", desk, "one_stop_receiver", zero, RETURN_ACTIONS)
    approve_name = "Lãnh đạo UBND xã phê duyệt, ký kết quả"
    if ref["field"] in POLICE_FIELDS:
        police = {"province_department": POLICE_FIELDS[ref["field"]]}
        return {
            "steps": [
                receive,
                _step(
                    "process",
                    "Công an (cơ quan đăng ký cư trú) thẩm định, xử lý",
                    police,
                    "specialist",
                    _floor_quarter(budget * 2 / 3),
                    PROCESS_ACTIONS,
                ),
                _step(
                    "approve",
                    "Lãnh đạo cơ quan đăng ký cư trú phê duyệt",
                    police,
                    "unit_leader",
                    _floor_quarter(budget / 3),
                    APPROVE_ACTIONS,
                ),
                give_back,
            ]
        }
    dept = COMMUNE_DEPARTMENTS[ref["field"]]
    department = {"relative": "receiving_department", "department": dept}
    process_name = f"{COMMUNE_DEPARTMENT_NAMES[dept]} thẩm định, xử lý"
    if ref["code"] in CROSS_LEVEL:
        province_dept = CROSS_LEVEL[ref["code"]]
        return {
            "steps": [
                receive,
                _step(
                    "process",
                    process_name,
                    department,
                    "specialist",
                    _floor_quarter(budget * Decimal("0.3")),
                    PROCESS_ACTIONS,
                ),
                _step(
                    "province",
                    f"{PROVINCE_DEPARTMENT_NAMES[province_dept]} thẩm định",
                    {"province_department": province_dept},
                    "specialist",
                    _floor_quarter(budget * Decimal("0.45")),
                    CONSULT_ACTIONS,
                ),
                _step(
                    "approve",
                    approve_name,
                    desk,
                    "unit_leader",
                    _floor_quarter(budget * Decimal("0.25")),
                    APPROVE_ACTIONS,
                ),
                give_back,
            ]
        }
    return {
        "steps": [
            receive,
            _step(
                "process",
                process_name,
                department,
                "specialist",
                _floor_quarter(budget * 2 / 3),
                PROCESS_ACTIONS,
            ),
            _step("approve", approve_name, desk, "unit_leader", _floor_quarter(budget / 3), APPROVE_ACTIONS),
            give_back,
        ]
    }


def demo_record(ref: dict[str, Any]) -> dict[str, Any]:
    """One reference record in the import format (see the module docstring for what is demo-only)."""
    time_limit = ref["time_limit"]
    fpo, submission = ref.get("full_process_online"), ref.get("online_submission")
    in_person = ref["field"] == "Chứng thực" or ref["code"] == "1.012812"  # certification, mediation
    online_submission = bool(submission) if submission is not None else not in_person
    return {
        "code": ref["code"],
        "name": ref["name"],
        "field": ref["field"],
        "level": LEVELS[ref["level"]],
        "is_demo": True,
        "time_limit": {"value": time_limit["value"], "unit": time_limit["unit"], "text": time_limit["text"]},
        "cutoff_applies": time_limit["unit"] != "hour",
        "requires_paper_result": requires_paper_result(ref["result"]),
        "online_level": "full" if fpo else ("partial" if online_submission else "none"),
        "full_process_eligible": fpo is True,
        "online_submission": online_submission,
        "agency": ref.get("agency") or "",
        "results": [item.strip() for item in ref["result"].split(";") if item.strip()],
        "fees": [_fee(ref["code"], ref["confidence"], fee) for fee in ref["fees"]],
        "components": [_component(item) for item in ref["components"]],
        "process": demo_process(ref),
        "source": ref.get("source") or "",
        "confidence": ref.get("confidence") or "",
        "notes": _join(ref.get("notes"), f"Cải cách 2025: {ref['reform_2025']}" if ref.get("reform_2025") else None),
    }


def demo_document() -> dict[str, Any]:
    """The whole demo catalogue as an import document (52 procedures)."""
    document = empty_document([demo_record(ref) for ref in reference()])
    document["description"] = (
        "Demo catalogue derived from procedures-reference.json (not authoritative): internal processes "
        "and province-set fee amounts are demo values."
    )
    return document


def load_demo_catalogue(*, actor: Any) -> ImportReport:
    """Import the demo catalogue (every procedure `is_demo=True`); idempotent."""
    return catalogue_import(actor=actor, document=demo_document(), mark_demo=True)
