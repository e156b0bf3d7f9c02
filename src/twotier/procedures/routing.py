"""Resolve a process step's unit selector to a concrete unit, relative to the receiving unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from twotier.core.errors import FieldIssue, InvalidInput
from twotier.org.models import Unit, UnitType


def _step_label(step: dict[str, Any]) -> str:
    return str(step.get("key") or step.get("name") or "?")


def _fail(step: dict[str, Any], rule: str, message: str) -> InvalidInput:
    label = _step_label(step)
    return InvalidInput(
        f"Step {label!r}: {message}",
        [FieldIssue(f"steps.{label}.unit", rule, message)],
    )


def province_of(unit: Unit) -> Unit | None:
    """The province a unit belongs to (the unit itself when it is a province), or None."""
    current: Unit | None = unit
    while current is not None:
        if current.type == UnitType.PROVINCE:
            return current
        current = current.parent
    return None


def _existing(step: dict[str, Any], on: dt.date, code: str, parent: Unit | None = None) -> Unit:
    units = Unit.objects.filter(code=code)
    if parent is not None:
        units = units.filter(parent=parent)
    unit = units.first()
    if unit is None:
        where = f" under {parent.code}" if parent is not None else ""
        raise _fail(step, "unit_exists", f"the unit {code}{where} does not exist")
    if not unit.is_active_on(on):
        raise _fail(step, "unit_active", f"the unit {unit.code} is not active on {on.isoformat()}")
    return unit


def resolve_step_unit(step: dict[str, Any], receiving_unit: Unit, *, on: dt.date | None = None) -> Unit:
    """The unit that handles `step` for a dossier received at `receiving_unit` (InvalidInput if none)."""
    on = on or timezone.localdate()
    selector = step.get("unit")
    if not isinstance(selector, dict):
        raise _fail(step, "unit_selector", "the step has no unit selector")
    relative = selector.get("relative")
    if relative == "receiving":
        return receiving_unit
    if relative == "receiving_department":
        code = f"{receiving_unit.code}-{selector.get('department')}"
        return _existing(step, on, code, parent=receiving_unit)
    if "province_department" in selector:
        province = province_of(receiving_unit)
        if province is None:
            raise _fail(step, "province_exists", f"the receiving unit {receiving_unit.code} has no province")
        code = f"{province.code}-{selector['province_department']}"
        return _existing(step, on, code, parent=province)
    if "unit_code" in selector:
        return _existing(step, on, str(selector["unit_code"]))
    raise _fail(step, "unit_selector", f"unknown unit selector {selector!r}")
