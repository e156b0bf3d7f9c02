"""Writes for the per-year calendar table: seeding from `holidays` and editing swap days.

What `holidays.VN` (0.109) gives, checked for the years that matter now:

* 2025: 1 Jan; Tết Mon 27 Jan – Sat 1 Feb (29 Tết to the 4th day); Hùng Kings Mon 7 Apr; 30 Apr,
  1 May and "Ngày nghỉ (thay cho ngày 26/04/2025)" Fri 2 May, i.e. Fri 2 May off, made up on
  Sat 26 Apr; National Day Mon 1 – Tue 2 Sep.
* 2026: 1 Jan; Tết Mon 16 – Fri 20 Feb (Eve to the 4th day). The official break for civil
  servants is Sat 14 – Sun 22 Feb: the same five working days off plus the two weekends, so no
  extra rows are needed. Hùng Kings Sun 26 Apr, observed Mon 27 Apr; 30 Apr; 1 May;
  "Ngày nghỉ (thay cho ngày 22/08/2026)" Mon 31 Aug, i.e. Mon 31 Aug off, made up on
  Sat 22 Aug; National Day Tue 1 – Wed 2 Sep.
* From 2026 the package lists 24 Nov, "Ngày Văn hóa Việt Nam" (Vietnam Cultural Day,
  Resolution 80-NQ/TW), as a paid public holiday, with an observed day when it falls on a
  weekend (Mon 26 Nov 2029, Mon 25 Nov 2030). We keep what the package says. If a year's
  official notice does not give the day off, override it with
  `calendar_day_set(kind="working_day")`: a manual row that the seed never touches. (Removing
  the row is not enough, the next seed would add it back.)

Each "substituted" entry (the label `Ngày nghỉ (thay cho ngày DD/MM/YYYY)`) is seeded as a
`day_off`, and the date it was substituted from, when it is a weekend, as a `working_day`.
Everything else is a `holiday`. Names are the package's Vietnamese names; the note holds the
English name.

The services do not check permissions: `core` knows no roles. Callers authorise (the Django
admin by its model permissions, the management command by shell access).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import holidays
from django.conf import settings
from django.db import transaction

from twotier.core.audit import audit_record
from twotier.core.calendar import invalidate, parse_weekdays
from twotier.core.errors import FieldIssue, InvalidInput, NotFound
from twotier.core.models import CalendarDay, CalendarDayKind

SOURCE_HOLIDAYS = "holidays"
SOURCE_MANUAL = "manual"
FIRST_YEAR, LAST_YEAR = 1995, 2100  # the package's observed rules for Vietnam start in 1995

_SUBSTITUTED_LABEL = "Ngày nghỉ (thay cho ngày %s)"
_SUBSTITUTED_DATE_FORMAT = "%d/%m/%Y"


@dataclass(frozen=True)
class PlannedDay:
    """One CalendarDay row as the `holidays` package implies it."""

    date: dt.date
    kind: str
    name: str
    note: str


@dataclass(frozen=True)
class SeedResult:
    """What a seed run did, by date."""

    added: tuple[dt.date, ...]
    updated: tuple[dt.date, ...]
    kept_manual: tuple[dt.date, ...]


def parse_years(text: str) -> list[int]:
    """Parse "2025-2030", "2026" or "2025,2027" into a sorted list of years."""
    years: set[int] = set()
    try:
        for part in text.split(","):
            if not part.strip():
                continue
            first, sep, last = part.partition("-")
            start = int(first)
            end = int(last) if sep else start
            if end < start:
                raise ValueError
            years.update(range(start, end + 1))
    except ValueError:
        raise ValueError(f"Expected years like 2025-2030 or 2025,2026, got {text!r}") from None
    return sorted(years)


def _working_weekdays() -> frozenset[int]:
    return parse_weekdays(settings.TWOTIER_WORKING_WEEKDAYS)


def _substituted_pattern(table: holidays.HolidayBase) -> tuple[re.Pattern[str], str]:
    label = getattr(table, "substituted_label", None) or _SUBSTITUTED_LABEL
    date_format = getattr(table, "substituted_date_format", None) or _SUBSTITUTED_DATE_FORMAT
    prefix, _, suffix = label.partition("%s")
    return re.compile(f"^{re.escape(prefix)}(.+){re.escape(suffix)}$"), date_format


def vn_holiday_days(years: Iterable[int]) -> list[PlannedDay]:
    """The rows the `holidays` package implies for `years`, in date order (pure, no database)."""
    years = sorted(set(years))
    local = holidays.VN(years=years, language="vi")
    english = holidays.VN(years=years, language="en_US")
    pattern, date_format = _substituted_pattern(local)
    weekdays = _working_weekdays()
    planned: dict[dt.date, PlannedDay] = {}
    make_up: dict[dt.date, dt.date] = {}
    for day in sorted(local):
        name = local.get_list(day)
        vi_name, en_name = "; ".join(name), "; ".join(english.get_list(day))
        match = pattern.match(name[0]) if len(name) == 1 else None
        if match:
            substituted_from = dt.datetime.strptime(match.group(1), date_format).date()
            planned[day] = PlannedDay(day, CalendarDayKind.DAY_OFF, vi_name, en_name)
            if substituted_from.weekday() not in weekdays:
                make_up[substituted_from] = day
        else:
            planned[day] = PlannedDay(day, CalendarDayKind.HOLIDAY, vi_name, en_name)
    for worked, day_off in make_up.items():
        if worked in planned:  # a holiday wins over a make-up day
            continue
        planned[worked] = PlannedDay(
            worked,
            CalendarDayKind.WORKING_DAY,
            f"Làm việc bù cho ngày nghỉ {day_off:%d/%m/%Y}",
            f"Make-up working day for the day off on {day_off.isoformat()}",
        )
    return [planned[day] for day in sorted(planned)]


def _check_years(years: Iterable[int]) -> list[int]:
    try:
        chosen = sorted({int(year) for year in years})
    except (TypeError, ValueError):
        chosen = []
    if not chosen:
        raise InvalidInput(
            "Choose the years to seed",
            [FieldIssue("years", "required", "Give at least one year, e.g. 2025-2030.")],
        )
    outside = [year for year in chosen if not FIRST_YEAR <= year <= LAST_YEAR]
    if outside:
        raise InvalidInput(
            "Years out of range",
            [
                FieldIssue(
                    "years",
                    "range",
                    f"Years must be between {FIRST_YEAR} and {LAST_YEAR}; got {outside}.",
                )
            ],
        )
    return chosen


@transaction.atomic
def calendar_seed_from_holidays(*, actor: Any, years: Iterable[int]) -> SeedResult:
    """Insert the Vietnamese public holidays of `years` from `holidays`; idempotent, keeps manual rows."""
    chosen = _check_years(years)
    planned = vn_holiday_days(chosen)
    existing = {
        row.date: row for row in CalendarDay.objects.select_for_update().filter(date__in=[p.date for p in planned])
    }
    added: list[dt.date] = []
    updated: list[dt.date] = []
    kept: list[dt.date] = []
    for plan in planned:
        row = existing.get(plan.date)
        if row is None:
            CalendarDay.objects.create(
                date=plan.date, kind=plan.kind, name=plan.name, note=plan.note, source=SOURCE_HOLIDAYS
            )
            added.append(plan.date)
        elif row.source != SOURCE_HOLIDAYS:
            kept.append(plan.date)
        elif (row.kind, row.name, row.note) != (plan.kind, plan.name, plan.note):
            row.kind, row.name, row.note = plan.kind, plan.name, plan.note
            row.save(update_fields=["kind", "name", "note"])
            updated.append(plan.date)
    if added or updated:
        audit_record(
            actor=actor,
            action="calendar.seed",
            target_type=CalendarDay._meta.label_lower,
            target_label=f"years {chosen[0]}-{chosen[-1]}",
            changes={
                "years": chosen,
                "package": f"holidays {holidays.__version__}",
                "added": [day.isoformat() for day in added],
                "updated": [day.isoformat() for day in updated],
                "kept_manual": [day.isoformat() for day in kept],
            },
        )
        invalidate()  # this process, at once (the new rows are visible to this transaction)
        transaction.on_commit(invalidate)
    return SeedResult(tuple(added), tuple(updated), tuple(kept))


def _is_package_holiday(day: dt.date) -> bool:
    return day in holidays.VN(years=day.year, language="vi")


def calendar_day_issues(*, date: Any, kind: Any, name: Any, note: Any = "") -> list[FieldIssue]:
    """Validate one calendar-day entry and return the problems (empty when valid)."""
    issues: list[FieldIssue] = []
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        issues.append(FieldIssue("date", "type", "Give a date (YYYY-MM-DD), not a time."))
    elif not FIRST_YEAR <= date.year <= LAST_YEAR:
        issues.append(FieldIssue("date", "range", f"The year must be between {FIRST_YEAR} and {LAST_YEAR}."))
    if kind not in CalendarDayKind.values:
        choices = ", ".join(CalendarDayKind.values)
        issues.append(FieldIssue("kind", "choice", f"The kind must be one of: {choices}."))
    if not isinstance(name, str) or not name.strip():
        issues.append(FieldIssue("name", "required", "Give the day a name."))
    elif len(name.strip()) > 200:
        issues.append(FieldIssue("name", "max_length", "The name must be at most 200 characters."))
    if not isinstance(note, str):
        issues.append(FieldIssue("note", "type", "The note must be text."))
    elif len(note.strip()) > 255:
        issues.append(FieldIssue("note", "max_length", "The note must be at most 255 characters."))
    if (
        not issues
        and kind == CalendarDayKind.WORKING_DAY
        and date.weekday() in _working_weekdays()
        and not _is_package_holiday(date)
    ):
        issues.append(
            FieldIssue(
                "date",
                "working_day_on_working_weekday",
                f"{date:%d/%m/%Y} is already a working weekday; a make-up working day must fall on a "
                "weekend (or override a public holiday listed by the holidays package).",
            )
        )
    return issues


@transaction.atomic
def calendar_day_set(*, actor: Any, date: dt.date, kind: str, name: str, note: str = "") -> CalendarDay:
    """Create or replace the manual entry for `date` (holiday, extra day off or make-up working day)."""
    issues = calendar_day_issues(date=date, kind=kind, name=name, note=note)
    if issues:
        raise InvalidInput("The calendar day is not valid", issues)
    values = {"kind": str(kind), "name": name.strip(), "note": note.strip(), "source": SOURCE_MANUAL}
    row = CalendarDay.objects.select_for_update().filter(date=date).first()
    if row is None:
        row = CalendarDay.objects.create(date=date, **values)
        changes: dict[str, Any] = {"date": date.isoformat(), **values}
    else:
        changes = {key: [getattr(row, key), value] for key, value in values.items() if getattr(row, key) != value}
        if not changes:
            return row
        for key, value in values.items():
            setattr(row, key, value)
        row.save()
    audit_record(actor=actor, action="calendar.day_set", target=row, changes=changes)
    invalidate()  # this process, at once (the new rows are visible to this transaction)
    transaction.on_commit(invalidate)
    return row


@transaction.atomic
def calendar_day_remove(*, actor: Any, date: dt.date) -> None:
    """Delete the entry for `date`, so that it follows the normal working week again."""
    row = CalendarDay.objects.select_for_update().filter(date=date).first()
    if row is None:
        raise NotFound(f"No calendar entry for {date}")
    audit_record(
        actor=actor,
        action="calendar.day_remove",
        target=row,
        changes={
            "date": row.date.isoformat(),
            "kind": row.kind,
            "name": row.name,
            "source": row.source,
            "note": row.note,
        },
    )
    row.delete()
    invalidate()  # this process, at once (the new rows are visible to this transaction)
    transaction.on_commit(invalidate)
