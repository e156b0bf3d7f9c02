"""Deadlines of a procedure version: the statutory time in working hours, the promised return time
and the deadline of each internal step, computed on the working-day calendar (docs/procedures.md).
"""

from __future__ import annotations

import calendar as month_calendar
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol

from twotier.core.calendar import WorkingCalendar, configured_cutoff, current_calendar
from twotier.procedures.models import TimeLimitUnit

# One working day is 8 working hours, whatever the configured daily periods (DOMAIN.md §2).
WORKING_DAY_HOURS = Decimal(8)
_US_PER_DAY = 86_400_000_000


class TimeLimited(Protocol):
    """What the deadline functions read from a version (a ProcedureVersion or anything alike)."""

    time_limit_value: Decimal | None
    time_limit_unit: str | None
    cutoff_applies: bool
    process: Any


def hours_for_time_limit(unit: str | None, value: Decimal | int | float | None) -> Decimal | None:
    """Working hours of a statutory time limit, or None when it has no fixed working-hour length."""
    if unit == TimeLimitUnit.SAME_DAY:
        return WORKING_DAY_HOURS
    if value is None or isinstance(value, bool):
        return None
    amount = Decimal(str(value))
    if unit == TimeLimitUnit.WORKING_DAY:
        return amount * WORKING_DAY_HOURS
    if unit == TimeLimitUnit.HOUR:
        return amount
    return None  # calendar days, months and unknown limits depend on the date


def statutory_hours(version: TimeLimited) -> Decimal | None:
    """The statutory time limit in working hours (same_day = one working day), None if not fixed."""
    return hours_for_time_limit(version.time_limit_unit, version.time_limit_value)


def _cutoff(version: TimeLimited) -> time | None:
    return configured_cutoff() if version.cutoff_applies else None


def _next_working_moment(cal: WorkingCalendar, due: datetime) -> datetime:
    """`due` itself on a working day, else the start of the next working day."""
    return due if cal.is_working_day(due) else cal.next_working_start(due)


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, month_calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def promised_return_at(
    version: TimeLimited, received_at: datetime, *, calendar: WorkingCalendar | None = None
) -> datetime | None:
    """The promised return time for a dossier received at `received_at`, or None when no limit is set."""
    unit, value = version.time_limit_unit, version.time_limit_value
    if unit is None or (value is None and unit != TimeLimitUnit.SAME_DAY):
        return None
    cal = calendar or current_calendar()
    cutoff = _cutoff(version)
    if unit == TimeLimitUnit.SAME_DAY:
        start = cal.next_working_start(received_at, cutoff=cutoff).astimezone(cal.tz)
        return datetime.combine(start.date(), cal.periods[-1][1]).replace(tzinfo=cal.tz)
    assert value is not None
    amount = Decimal(str(value))
    if unit == TimeLimitUnit.WORKING_DAY:
        return cal.add_working_hours(received_at, amount * WORKING_DAY_HOURS, cutoff=cutoff)
    if unit == TimeLimitUnit.HOUR:
        return cal.add_working_hours(received_at, amount, cutoff=cutoff)
    local = received_at.astimezone(cal.tz)
    if unit == TimeLimitUnit.DAY:
        due = local + timedelta(microseconds=int(amount * _US_PER_DAY))
        return _next_working_moment(cal, due)
    if unit == TimeLimitUnit.MONTH:
        if amount != amount.to_integral_value():
            raise ValueError(f"a time limit in months must be a whole number, got {value}")
        return _next_working_moment(cal, _add_months(local, int(amount)))
    raise ValueError(f"unknown time limit unit {unit!r}")


def step_deadlines(
    version: TimeLimited, start_at: datetime, *, calendar: WorkingCalendar | None = None
) -> list[tuple[str, datetime]]:
    """Each step's deadline (step key, moment): the steps' hours added one after another from `start_at`."""
    cal = calendar or current_calendar()
    process = version.process if isinstance(version.process, dict) else {}
    moment = cal.next_working_start(start_at, cutoff=_cutoff(version))
    deadlines: list[tuple[str, datetime]] = []
    for step in process.get("steps") or []:
        hours = Decimal(str(step.get("hours") or 0))
        if hours > 0:
            moment = cal.add_working_hours(moment, hours)
        deadlines.append((str(step.get("key")), moment))
    return deadlines
