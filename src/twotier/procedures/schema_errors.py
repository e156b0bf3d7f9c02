"""Turn JSON Schema errors into `FieldIssue`s that name the JSON path and the rule in plain words."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from twotier.core.errors import FieldIssue

_TYPE_WORDS = {
    "object": "an object",
    "array": "a list",
    "string": "a text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}

# Called for a `oneOf`/`anyOf` failure: (path, value) -> issues, or [] to fall back to a generic one.
AlternativeExplainer = Callable[[str, Any], list[FieldIssue]]


def json_path(prefix: str, parts: Iterable[Any]) -> str:
    """Render a path such as `process.steps[2].role` from a prefix and path parts."""
    path = prefix
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _type_words(expected: Any) -> str:
    if isinstance(expected, list):
        return " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in expected)
    return _TYPE_WORDS.get(expected, str(expected))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _issues_for(error: ValidationError, prefix: str, explain: AlternativeExplainer | None) -> list[FieldIssue]:
    path = json_path(prefix, error.absolute_path)
    rule = str(error.validator)
    value = error.validator_value
    instance = error.instance
    if rule == "required":
        missing = [name for name in value if isinstance(instance, dict) and name not in instance]
        return [FieldIssue(json_path(path, [name]), "required", "is required") for name in missing]
    if rule == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extra = [name for name in instance if name not in allowed]
        return [
            FieldIssue(
                json_path(path, [name]),
                "unknown_key",
                f"is not an allowed key (allowed: {', '.join(allowed)})",
            )
            for name in extra
        ]
    if rule in ("oneOf", "anyOf") and explain is not None:
        explained = explain(path, instance)
        if explained:
            return explained
    messages = {
        "type": lambda: f"must be {_type_words(value)}, got {_shown(instance)}",
        "enum": lambda: f"must be one of: {', '.join(str(v) for v in value)}; got {_shown(instance)}",
        "const": lambda: f"must be {_shown(value)}, got {_shown(instance)}",
        "minItems": lambda: f"must have at least {value} item{'s' if value != 1 else ''}",
        "maxItems": lambda: f"must have at most {value} items",
        "uniqueItems": lambda: "must not list the same item twice",
        "minimum": lambda: f"must be at least {value}, got {_shown(instance)}",
        "exclusiveMinimum": lambda: f"must be greater than {value}, got {_shown(instance)}",
        "maximum": lambda: f"must be at most {value}, got {_shown(instance)}",
        "minLength": lambda: "must not be empty" if value == 1 else f"must have at least {value} characters",
        "maxLength": lambda: f"must have at most {value} characters (has {len(instance)})",
        "pattern": lambda: error.schema.get("description") or f"must match {value}",
        "multipleOf": lambda: f"must be a multiple of {value}",
    }
    message = messages[rule]() if rule in messages else error.message
    return [FieldIssue(path, rule, message)]


def field_sort_key(field: str) -> list[tuple[int, int, str]]:
    """Order fields as they appear in a document: `steps[2]` before `steps[10]`, keys alphabetically."""
    parts = re.findall(r"\[(\d+)\]|([^.\[\]]+)", field)
    return [(0, int(index), "") if index else (1, 0, name) for index, name in parts]


def schema_issues(
    validator: Draft202012Validator,
    instance: Any,
    *,
    prefix: str,
    explain: AlternativeExplainer | None = None,
) -> list[FieldIssue]:
    """Validate `instance` and return one issue per problem, in document order."""
    issues: list[FieldIssue] = []
    for error in validator.iter_errors(instance):
        issues.extend(_issues_for(error, prefix, explain))
    return sorted(issues, key=lambda issue: field_sort_key(issue.field))


def prefixed(issues: Sequence[FieldIssue], label: str) -> list[FieldIssue]:
    """Prefix every message with `label` (e.g. the procedure code) so a long report stays readable."""
    return [FieldIssue(i.field, i.rule, f"{label}: {i.message}") for i in issues]
