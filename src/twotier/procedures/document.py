"""The catalogue exchange format (JSON): its schema, validation, canonical form and export of a version.

One document holds many procedures; each record describes a procedure and the content of its
current version. Every key is documented in docs/procedures.md. Validation reports every problem
with its path (`procedures[3].fees[0].amount_vnd`), a rule name and the procedure code.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from jsonschema import Draft202012Validator

from twotier.core.errors import FieldIssue
from twotier.core.text import nfc
from twotier.procedures.deadlines import hours_for_time_limit
from twotier.procedures.models import (
    ComponentForm,
    Level,
    OnlineLevel,
    ProcedureVersion,
    TimeLimitUnit,
)
from twotier.procedures.process_schema import validate_process
from twotier.procedures.schema_errors import json_path, prefixed, schema_issues

FORMAT = "twotier.procedures"
FORMAT_VERSION = 1

# Keys that describe the procedure itself; every other key belongs to its version.
PROCEDURE_KEYS = ("code", "name", "field", "level", "is_demo")
RECORD_KEYS = (
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
)
FEE_KEYS = ("code", "name", "amount_vnd", "per", "note")
COMPONENT_KEYS = ("code", "name", "form", "quantity", "required", "condition")
STEP_KEYS = ("key", "name", "unit", "role", "hours", "actions")
UNIT_KEYS = ("relative", "department", "province_department", "unit_code")
CONFIDENCE_VALUES = ("H", "M", "L", "")
CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$"
LINE_CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$"
MAX_TIME_LIMIT = Decimal("99999.99")

_text = {"type": "string"}
_line_code = {
    "type": "string",
    "pattern": LINE_CODE_PATTERN,
    "description": "must be a short code (letters, digits, '.', '-', '_'; at most 32 characters)",
}

RECORD_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://twotier.example/schemas/procedure-record.json",
    "title": "One procedure of a catalogue document",
    "type": "object",
    "required": ["code", "name", "field", "level", "time_limit", "process"],
    "additionalProperties": False,
    "properties": {
        "code": {
            "type": "string",
            "pattern": CODE_PATTERN,
            "description": "must be a procedure code such as 1.001193 (letters, digits, '.', '-', '_')",
        },
        "name": {"type": "string", "minLength": 1, "maxLength": 1000},
        "field": {"type": "string", "minLength": 1, "maxLength": 200},
        "level": {"enum": [c.value for c in Level]},
        "is_demo": {"type": "boolean"},
        "valid_from": {
            "type": ["string", "null"],
            "pattern": r"^\d{4}-\d{2}-\d{2}$",
            "description": "must be a date written YYYY-MM-DD",
        },
        "time_limit": {
            "type": "object",
            "required": ["value", "unit"],
            "additionalProperties": False,
            "properties": {
                "value": {
                    "type": ["number", "null"],
                    "exclusiveMinimum": 0,
                    "maximum": float(MAX_TIME_LIMIT),
                },
                "unit": {"enum": [*(c.value for c in TimeLimitUnit), None]},
                "text": _text,
            },
        },
        "cutoff_applies": {"type": "boolean"},
        "requires_paper_result": {"type": "boolean"},
        "online_level": {"enum": [c.value for c in OnlineLevel]},
        "full_process_eligible": {"type": "boolean"},
        "online_submission": {"type": "boolean"},
        "agency": {"type": "string", "maxLength": 300},
        "results": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 500}},
        "fees": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "amount_vnd"],
                "additionalProperties": False,
                "properties": {
                    "code": _line_code,
                    "name": {"type": "string", "minLength": 1, "maxLength": 500},
                    "amount_vnd": {"type": ["integer", "null"], "minimum": 0},
                    "per": {"type": "string", "maxLength": 100},
                    "note": _text,
                },
            },
        },
        "components": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name"],
                "additionalProperties": False,
                "properties": {
                    "code": _line_code,
                    "name": {"type": "string", "minLength": 1, "maxLength": 1000},
                    "form": {"enum": [c.value for c in ComponentForm]},
                    "quantity": {"type": "integer", "minimum": 1, "maximum": 32767},
                    "required": {"type": "boolean"},
                    "condition": _text,
                },
            },
        },
        "process": {"type": "object"},
        "source": _text,
        "confidence": {"enum": list(CONFIDENCE_VALUES)},
        "notes": _text,
    },
}

DOCUMENT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://twotier.example/schemas/procedure-catalogue.json",
    "title": "TwoTier procedure catalogue document",
    "type": "object",
    "required": ["format", "version", "procedures"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "version": {"const": FORMAT_VERSION},
        "description": _text,
        "procedures": {"type": "array", "items": {"type": "object"}},
    },
}

for _schema in (RECORD_SCHEMA, DOCUMENT_SCHEMA):
    Draft202012Validator.check_schema(_schema)
_RECORD = Draft202012Validator(RECORD_SCHEMA)
_DOCUMENT = Draft202012Validator(DOCUMENT_SCHEMA)


# --------------------------------------------------------------------------- canonical values
def number(value: Any) -> int | float | None:
    """A JSON number in canonical form: an int when integral, else a float; None stays None."""
    if value is None:
        return None
    amount = Decimal(str(value))
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount.normalize())


def _str(value: Any) -> str:
    return nfc(str(value)).strip() if value is not None else ""


def _codes(items: list[dict[str, Any]], prefix: str) -> list[str]:
    """Each line's code: its own, or the first free `<prefix><n>` (n = its position) for a missing one."""
    used = {_str(item["code"]) for item in items if _str(item.get("code"))}
    codes = []
    for position, item in enumerate(items, 1):
        own = _str(item.get("code"))
        if own:
            codes.append(own)
            continue
        candidate, n = f"{prefix}{position}", position
        while candidate in used:
            n += 1
            candidate = f"{prefix}{n}"
        used.add(candidate)
        codes.append(candidate)
    return codes


def canonical_unit(unit: dict[str, Any]) -> dict[str, Any]:
    """A unit selector with its keys in the documented order."""
    return {key: _str(unit[key]) for key in UNIT_KEYS if key in unit}


def canonical_process(process: dict[str, Any]) -> dict[str, Any]:
    """A process with canonical key order and numbers; an empty process stays empty."""
    if not process or "steps" not in process:
        return {}
    try:
        return _canonical_steps(process)
    except (KeyError, TypeError, AttributeError, InvalidOperation):
        return dict(process)  # not a valid process (a draft being edited): keep it as it is


def _canonical_steps(process: dict[str, Any]) -> dict[str, Any]:
    return {
        "steps": [
            {
                "key": _str(step["key"]),
                "name": _str(step["name"]),
                "unit": canonical_unit(step["unit"]),
                "role": step["role"],
                "hours": number(step["hours"]),
                "actions": list(step["actions"]),
            }
            for step in process["steps"]
        ]
    }


def canonical_record(record: dict[str, Any], *, is_demo: bool | None = None) -> dict[str, Any]:
    """A valid record with every key present, defaults filled, text NFC-normalised and codes assigned."""
    time_limit = record["time_limit"]
    fees = list(record.get("fees") or [])
    components = list(record.get("components") or [])
    fee_codes = _codes(fees, "F")
    component_codes = _codes(components, "C")
    return {
        "code": _str(record["code"]),
        "name": _str(record["name"]),
        "field": _str(record["field"]),
        "level": record["level"],
        "is_demo": bool(record.get("is_demo", False)) if is_demo is None else is_demo,
        "valid_from": record.get("valid_from") or None,
        "time_limit": {
            "value": number(time_limit.get("value")),
            "unit": time_limit.get("unit"),
            "text": _str(time_limit.get("text")),
        },
        "cutoff_applies": bool(record.get("cutoff_applies", True)),
        "requires_paper_result": bool(record.get("requires_paper_result", True)),
        "online_level": record.get("online_level", OnlineLevel.PARTIAL.value),
        "full_process_eligible": bool(record.get("full_process_eligible", False)),
        "online_submission": bool(record.get("online_submission", True)),
        "agency": _str(record.get("agency")),
        "results": [_str(r) for r in record.get("results") or []],
        "fees": [
            {
                "code": code,
                "name": _str(fee["name"]),
                "amount_vnd": fee.get("amount_vnd"),
                "per": _str(fee.get("per")),
                "note": _str(fee.get("note")),
            }
            for code, fee in zip(fee_codes, fees, strict=True)
        ],
        "components": [
            {
                "code": code,
                "name": _str(component["name"]),
                "form": component.get("form", ComponentForm.ORIGINAL.value),
                "quantity": int(component.get("quantity", 1)),
                "required": bool(component.get("required", True)),
                "condition": _str(component.get("condition")),
            }
            for code, component in zip(component_codes, components, strict=True)
        ],
        "process": canonical_process(record.get("process") or {}),
        "source": _str(record.get("source")),
        "confidence": record.get("confidence", ""),
        "notes": _str(record.get("notes")),
    }


def version_content(record: dict[str, Any]) -> dict[str, Any]:
    """The part of a canonical record that belongs to the version (everything but the procedure keys)."""
    return {key: value for key, value in record.items() if key not in PROCEDURE_KEYS}


# --------------------------------------------------------------------------- validation
def _time_limit_issues(time_limit: Any, path: str) -> list[FieldIssue]:
    if not isinstance(time_limit, dict):
        return []
    unit, value = time_limit.get("unit"), time_limit.get("value")
    value_path = json_path(path, ["value"])
    issues: list[FieldIssue] = []
    fixed = (TimeLimitUnit.WORKING_DAY, TimeLimitUnit.HOUR, TimeLimitUnit.DAY, TimeLimitUnit.MONTH)
    if unit in fixed and value is None:
        issues.append(FieldIssue(value_path, "required", f"is required when the unit is {unit!r}"))
    if unit == TimeLimitUnit.SAME_DAY and value is not None:
        issues.append(FieldIssue(value_path, "null_for_same_day", "must be null when the unit is 'same_day'"))
    if unit is None and value is not None:
        issues.append(FieldIssue(json_path(path, ["unit"]), "required", "is required when a value is given"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount = Decimal(str(value))
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(Decimal("0.01")):
            issues.append(FieldIssue(value_path, "decimal_places", "must have at most 2 decimal places"))
        if unit == TimeLimitUnit.MONTH and amount != amount.to_integral_value():
            issues.append(FieldIssue(value_path, "integer", "must be a whole number of months"))
    return issues


def _duplicate_code_issues(items: Any, path: str) -> list[FieldIssue]:
    if not isinstance(items, list):
        return []
    issues = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        code = item.get("code") if isinstance(item, dict) else None
        if not isinstance(code, str) or not code.strip():
            continue
        code = nfc(code).strip()
        if code in seen:
            issues.append(
                FieldIssue(
                    json_path(path, [index, "code"]),
                    "unique",
                    f"repeats the code {code!r} of {path.rsplit('.', 1)[-1]}[{seen[code]}]",
                )
            )
        else:
            seen[code] = index
    return issues


def _valid_from_issues(value: Any, path: str) -> list[FieldIssue]:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return []
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return [FieldIssue(path, "date", f"is not a real date: {value!r}")]
    return []


def record_issues(record: Any, *, path: str = "", require_process: bool = True) -> list[FieldIssue]:
    """Every problem of one procedure record (schema, time limit, codes and process), unprefixed."""
    issues = schema_issues(_RECORD, record, prefix=path)
    if not isinstance(record, dict):
        return issues
    time_limit = record.get("time_limit")
    issues.extend(_time_limit_issues(time_limit, json_path(path, ["time_limit"])))
    issues.extend(_valid_from_issues(record.get("valid_from"), json_path(path, ["valid_from"])))
    issues.extend(_duplicate_code_issues(record.get("fees"), json_path(path, ["fees"])))
    issues.extend(_duplicate_code_issues(record.get("components"), json_path(path, ["components"])))
    process = record.get("process")
    if "process" in record and (require_process or process):
        limit = None
        value = time_limit.get("value") if isinstance(time_limit, dict) else None
        positive = value is None or (isinstance(value, int | float) and not isinstance(value, bool) and value > 0)
        if isinstance(time_limit, dict) and positive and not _time_limit_issues(time_limit, ""):
            try:
                limit = hours_for_time_limit(time_limit.get("unit"), time_limit.get("value"))
            except (InvalidOperation, TypeError):
                limit = None
        issues.extend(validate_process(process, statutory_hours=limit, path=json_path(path, ["process"])))
    return issues


def _label(record: Any, index: int) -> str:
    code = record.get("code") if isinstance(record, dict) else None
    return f"Procedure {code}" if isinstance(code, str) and code else f"Procedure #{index + 1}"


def validate_document(document: Any) -> list[FieldIssue]:
    """Every problem of a catalogue document, each naming the procedure, the JSON path and the rule."""
    issues = schema_issues(_DOCUMENT, document, prefix="")
    if not isinstance(document, dict) or not isinstance(document.get("procedures"), list):
        return issues
    first_index: dict[str, int] = {}
    for index, record in enumerate(document["procedures"]):
        if not isinstance(record, dict):
            continue
        path = f"procedures[{index}]"
        found = record_issues(record, path=path)
        code = record.get("code")
        if isinstance(code, str):
            code = nfc(code).strip()
            if code in first_index:
                found.append(
                    FieldIssue(
                        f"{path}.code",
                        "unique",
                        f"repeats the code of procedures[{first_index[code]}]; a document lists each procedure once",
                    )
                )
            else:
                first_index[code] = index
        issues.extend(prefixed(found, _label(record, index)))
    return issues


# --------------------------------------------------------------------------- export
def version_record(version: ProcedureVersion) -> dict[str, Any]:
    """The canonical record of one version (with its procedure), as the document format writes it."""
    procedure = version.procedure
    record: dict[str, Any] = {
        "code": procedure.code,
        "name": procedure.name,
        "field": procedure.field,
        "level": procedure.level,
        "is_demo": procedure.is_demo,
        "valid_from": version.valid_from.isoformat() if version.valid_from else None,
        "time_limit": {
            "value": number(version.time_limit_value),
            "unit": version.time_limit_unit or None,
            "text": version.time_limit_text,
        },
        "cutoff_applies": version.cutoff_applies,
        "requires_paper_result": version.requires_paper_result,
        "online_level": version.online_level,
        "full_process_eligible": version.full_process_eligible,
        "online_submission": version.online_submission,
        "agency": version.agency,
        "results": list(version.results or []),
        "fees": [
            {"code": f.code, "name": f.name, "amount_vnd": f.amount_vnd, "per": f.per, "note": f.note}
            for f in version.fee_lines.all()
        ],
        "components": [
            {
                "code": c.code,
                "name": c.name,
                "form": c.form,
                "quantity": c.quantity,
                "required": c.required,
                "condition": c.condition,
            }
            for c in version.components.all()
        ],
        "process": version.process or {},
        "source": version.source,
        "confidence": version.confidence,
        "notes": version.notes,
    }
    return canonical_record(record)


def empty_document(procedures: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A catalogue document around the given records."""
    return {"format": FORMAT, "version": FORMAT_VERSION, "procedures": procedures or []}
