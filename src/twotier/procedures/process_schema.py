"""The internal process of a procedure version (`ProcedureVersion.process`): its JSON Schema and rules.

A process is an ordered list of steps. Each step says where the dossier is (a unit selector,
resolved against the receiving unit by `routing.resolve_step_unit`), which role acts on it, how
many working hours the step may take, and which actions the actor may take there. The dossier
engine depends on exactly these keys; see docs/procedures.md.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator

from twotier.core.errors import FieldIssue
from twotier.org.permissions import STANDARD_ROLES
from twotier.procedures.schema_errors import json_path, schema_issues

ACTIONS: tuple[str, ...] = (
    "forward",
    "return",
    "request_supplement",
    "request_payment",
    "apologise",
    "stop",
    "approve",
    "refuse",
    "return_result",
)
ROLES: tuple[str, ...] = tuple(spec.code for spec in STANDARD_ROLES)
RELATIVE_UNITS: tuple[str, ...] = ("receiving", "receiving_department")
COMMUNE_DEPARTMENTS: tuple[str, ...] = ("VX", "KT")
DEPARTMENT_CODE_PATTERN = r"^[A-Z][A-Z0-9]{0,15}$"
UNIT_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"
STEP_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"

_UNIT_SHAPES = (
    '{"relative": "receiving"}, {"relative": "receiving_department", "department": "VX"|"KT"}, '
    '{"province_department": "STP"} or {"unit_code": "CM-STP"}'
)

PROCESS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://twotier.example/schemas/procedure-process.json",
    "title": "Internal process of a procedure version",
    "type": "object",
    "required": ["steps"],
    "additionalProperties": False,
    "properties": {
        "steps": {
            "type": "array",
            "minItems": 2,
            "items": {"$ref": "#/$defs/step"},
        }
    },
    "$defs": {
        "step": {
            "type": "object",
            "required": ["key", "name", "unit", "role", "hours", "actions"],
            "additionalProperties": False,
            "properties": {
                "key": {
                    "type": "string",
                    "pattern": STEP_KEY_PATTERN,
                    "description": "must be a short key in lower case: a letter, then letters, digits or _",
                },
                "name": {"type": "string", "minLength": 1, "maxLength": 200},
                "unit": {"$ref": "#/$defs/unit"},
                "role": {"type": "string", "enum": list(ROLES)},
                "hours": {"type": "number", "minimum": 0, "maximum": 100000},
                "actions": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"type": "string", "enum": list(ACTIONS)},
                },
            },
        },
        "unit": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["relative"],
                    "additionalProperties": False,
                    "properties": {"relative": {"const": "receiving"}},
                },
                {
                    "type": "object",
                    "required": ["relative", "department"],
                    "additionalProperties": False,
                    "properties": {
                        "relative": {"const": "receiving_department"},
                        "department": {"enum": list(COMMUNE_DEPARTMENTS)},
                    },
                },
                {
                    "type": "object",
                    "required": ["province_department"],
                    "additionalProperties": False,
                    "properties": {"province_department": {"type": "string", "pattern": DEPARTMENT_CODE_PATTERN}},
                },
                {
                    "type": "object",
                    "required": ["unit_code"],
                    "additionalProperties": False,
                    "properties": {"unit_code": {"type": "string", "pattern": UNIT_CODE_PATTERN}},
                },
            ]
        },
    },
}

Draft202012Validator.check_schema(PROCESS_SCHEMA)
_VALIDATOR = Draft202012Validator(PROCESS_SCHEMA)


def _unit_issues(path: str, unit: Any) -> list[FieldIssue]:
    """Precise messages for a unit selector that matches none of the four shapes."""
    if not isinstance(unit, dict):
        return [FieldIssue(path, "type", f"must be an object: {_UNIT_SHAPES}")]
    kinds = [k for k in ("relative", "province_department", "unit_code") if k in unit]
    if len(kinds) != 1:
        return [FieldIssue(path, "unit_selector", f"must be exactly one of {_UNIT_SHAPES}; got {unit!r}")]
    kind = kinds[0]
    value = unit[kind]
    allowed = {"relative": {"relative", "department"}}.get(kind, {kind})
    issues = [
        FieldIssue(json_path(path, [name]), "unknown_key", f"is not allowed with {kind!r}")
        for name in unit
        if name not in allowed
    ]
    if kind == "relative":
        if value not in RELATIVE_UNITS:
            issues.append(
                FieldIssue(
                    json_path(path, ["relative"]),
                    "enum",
                    f"must be one of: {', '.join(RELATIVE_UNITS)}; got {value!r}",
                )
            )
        elif value == "receiving" and "department" in unit:
            issues.append(
                FieldIssue(
                    json_path(path, ["department"]),
                    "unknown_key",
                    'is only allowed with {"relative": "receiving_department"}',
                )
            )
        elif value == "receiving_department" and unit.get("department") not in COMMUNE_DEPARTMENTS:
            rule = "required" if "department" not in unit else "enum"
            issues.append(
                FieldIssue(
                    json_path(path, ["department"]),
                    rule,
                    f"must be one of: {', '.join(COMMUNE_DEPARTMENTS)}; got {unit.get('department')!r}",
                )
            )
    elif kind == "province_department" and not (isinstance(value, str) and _matches(DEPARTMENT_CODE_PATTERN, value)):
        issues.append(
            FieldIssue(
                json_path(path, [kind]),
                "pattern",
                f"must be a department code suffix in capitals such as STP or SNNMT; got {value!r}",
            )
        )
    elif kind == "unit_code" and not (isinstance(value, str) and _matches(UNIT_CODE_PATTERN, value)):
        issues.append(
            FieldIssue(json_path(path, [kind]), "pattern", f"must be a unit code such as CM-STP; got {value!r}")
        )
    return issues


def _matches(pattern: str, value: str) -> bool:
    return re.search(pattern, value) is not None


def total_hours(process: Any) -> Decimal | None:
    """The sum of the steps' hours, or None when the process is not a well-formed list of steps."""
    steps = process.get("steps") if isinstance(process, dict) else None
    if not isinstance(steps, list):
        return None
    total = Decimal(0)
    for step in steps:
        hours = step.get("hours") if isinstance(step, dict) else None
        if isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
            return None
        total += Decimal(str(hours))
    return total


def _format_hours(hours: Decimal) -> str:
    text = format(hours.normalize(), "f")
    return f"{text} working hour{'' if hours == 1 else 's'}"


def _rule_issues(process: dict[str, Any], path: str, statutory_hours: Decimal | None) -> list[FieldIssue]:
    """The rules a schema cannot express: unique keys, first and last steps, the time budget."""
    steps = process.get("steps")
    if not isinstance(steps, list) or not steps:
        return []
    issues: list[FieldIssue] = []
    seen: dict[str, int] = {}
    for index, step in enumerate(steps):
        key = step.get("key") if isinstance(step, dict) else None
        if isinstance(key, str):
            if key in seen:
                issues.append(
                    FieldIssue(
                        json_path(path, ["steps", index, "key"]),
                        "unique",
                        f"repeats the key {key!r} of steps[{seen[key]}]; step keys must be unique",
                    )
                )
            else:
                seen[key] = index
    first, last = steps[0], steps[-1]
    first_actions = first.get("actions") if isinstance(first, dict) else None
    if isinstance(first_actions, list) and "forward" not in first_actions:
        issues.append(
            FieldIssue(
                json_path(path, ["steps", 0, "actions"]),
                "first_step_forward",
                "the first step (reception) must allow 'forward'",
            )
        )
    last_actions = last.get("actions") if isinstance(last, dict) else None
    if isinstance(last_actions, list) and "return_result" not in last_actions:
        issues.append(
            FieldIssue(
                json_path(path, ["steps", len(steps) - 1, "actions"]),
                "last_step_return_result",
                "the last step must allow 'return_result'",
            )
        )
    total = total_hours(process)
    if statutory_hours is not None and total is not None and total > statutory_hours:
        issues.append(
            FieldIssue(
                json_path(path, ["steps"]),
                "within_time_limit",
                f"the steps take {_format_hours(total)} in total, more than the statutory time limit "
                f"of {_format_hours(statutory_hours)}",
            )
        )
    return issues


def validate_process(data: Any, *, statutory_hours: Decimal | None = None, path: str = "process") -> list[FieldIssue]:
    """Check a process definition; return every problem with its JSON path (e.g. `process.steps[2].role`)."""
    issues = schema_issues(_VALIDATOR, data, prefix=path, explain=_unit_issues)
    if isinstance(data, dict):
        issues.extend(_rule_issues(data, path, statutory_hours))
    return issues
