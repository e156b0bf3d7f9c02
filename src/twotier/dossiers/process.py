"""A dossier's internal process: the steps of its frozen procedure version, and who acts at each."""

from __future__ import annotations

from typing import Any

from twotier.core.errors import Conflict
from twotier.org.permissions import P

# Used when a catalogue entry has no process of its own (e.g. created by a history import).
DEFAULT_PROCESS: dict[str, Any] = {
    "steps": [
        {
            "key": "receive",
            "name": "Tiếp nhận hồ sơ",
            "unit": {"relative": "receiving"},
            "role": "one_stop_receiver",
            "hours": 0,
            "actions": ["forward", "refuse", "request_supplement", "request_payment"],
        },
        {
            "key": "process",
            "name": "Thẩm định, xử lý",
            "unit": {"relative": "receiving"},
            "role": "specialist",
            "hours": 0,
            "actions": ["forward", "return", "request_supplement", "request_payment", "apologise", "stop"],
        },
        {
            "key": "approve",
            "name": "Phê duyệt kết quả",
            "unit": {"relative": "receiving"},
            "role": "unit_leader",
            "hours": 0,
            "actions": ["approve", "return", "apologise", "stop"],
        },
        {
            "key": "return",
            "name": "Trả kết quả",
            "unit": {"relative": "receiving"},
            "role": "one_stop_receiver",
            "hours": 0,
            "actions": ["return_result"],
        },
    ]
}

# The permission a step's role needs over the step's unit to act there without being assigned.
ROLE_STEP_PERMISSION = {
    "one_stop_receiver": P.DOSSIER_RECEIVE,
    "specialist": P.DOSSIER_PROCESS,
    "unit_leader": P.DOSSIER_APPROVE,
}


def steps_of(version: Any) -> list[dict[str, Any]]:
    """The ordered steps of a procedure version (the default process when it has none)."""
    process = version.process or {}
    steps = process.get("steps") if isinstance(process, dict) else None
    return list(steps) if steps else list(DEFAULT_PROCESS["steps"])


def step_index(version: Any, key: str) -> int:
    """Position of step `key` in the version's process."""
    for i, step in enumerate(steps_of(version)):
        if step["key"] == key:
            return i
    raise Conflict(f"The process has no step {key!r}", code="unknown_step")


def step_by_key(version: Any, key: str) -> dict[str, Any]:
    """The step definition called `key`."""
    return steps_of(version)[step_index(version, key)]


def step_permission(step: dict[str, Any]) -> str:
    """The permission needed to act at `step` (from its role)."""
    return ROLE_STEP_PERMISSION.get(step.get("role", ""), P.DOSSIER_PROCESS)


def approve_step_index(version: Any) -> int:
    """Index of the step where the result is approved (the one allowing 'approve')."""
    for i, step in enumerate(steps_of(version)):
        if "approve" in step.get("actions", []):
            return i
    return len(steps_of(version)) - 2
