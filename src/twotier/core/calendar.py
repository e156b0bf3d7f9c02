"""The working-day calendar: working time, deadlines and elapsed working hours.

`WorkingCalendar` is an immutable value built from a set of non-working dates (public holidays
and declared days off), a set of extra working dates (make-up working days, usually Saturdays),
the working weekdays, the daily working periods and a time zone. All arithmetic is pure and
works on a "working-time axis": `W(t)` is the number of working microseconds between a fixed
origin and `t`. Because the exception dates are kept as sorted lists, `W` and its inverse cost
a few bisections and never iterate day by day, so computing a deadline is O(log n) in the number
of exception dates, whatever the distance.

Rules (see docs/calendar.md):

* Working time is the union of the daily periods (default 07:30–11:30 and 13:30–17:30, so
  8 working hours a day) on working days. A date is a working day when it is an extra working
  date, or when its weekday is a working weekday and it is not a non-working date.
* `next_working_start(ts)` is the first moment at or after `ts` from which working time
  elapses. With a cut-off (e.g. 15:00, Decree 118/2025: paper dossiers received after 15:00
  move the next working day) a timestamp strictly after the cut-off on a working day starts at
  the next working day's first period; before the cut-off the ordinary rule applies (a
  receipt at 12:00 starts at 13:30 the same day, one on Saturday starts Monday 07:30).
* `add_working_hours(ts, h)` returns the earliest moment at which `h` working hours have
  elapsed since the counting start. A deadline that ends exactly at the end of a period is that
  end (Monday 07:30 + 8 h = Monday 17:30, not Tuesday 07:30). Adding zero returns the
  counting start itself.
* One working day is the calendar's daily working time (8 h by default):
  `add_working_days(ts, n)` is `add_working_hours(ts, n × 8)`. A dossier received Monday 09:00
  with one working day is due Tuesday 09:00; received Friday 09:00, due Monday 09:00.
* `working_hours_between(start, end, pauses)` is the working time in [start, end) minus the
  union of the pause intervals (overlapping pauses count once), as a `Decimal` number of hours.
  Durations are stored as working hours; `working_time_between` gives the exact `timedelta`.

Timestamps must be aware; they are converted to the calendar's zone (Asia/Ho_Chi_Minh, which
has no daylight-saving time, so wall-clock arithmetic is exact) and results are aware datetimes
in that zone. Naive datetimes, negative amounts and reversed intervals raise `ValueError`.
"""

from __future__ import annotations

import bisect
import decimal
import itertools
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_PERIODS",
    "DEFAULT_WEEKDAYS",
    "Pause",
    "WorkingCalendar",
    "add_working_days",
    "add_working_hours",
    "configured_cutoff",
    "current_calendar",
    "invalidate",
    "is_working_day",
    "next_working_start",
    "parse_periods",
    "parse_time",
    "parse_weekdays",
    "working_hours_between",
    "working_time_between",
]

US_PER_HOUR = 3_600_000_000
_ONE_US = timedelta(microseconds=1)
_DEC = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)
_MAX_ORDINAL = date.max.toordinal()

DEFAULT_PERIODS: tuple[tuple[time, time], ...] = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 30)))
DEFAULT_WEEKDAYS: frozenset[int] = frozenset({0, 1, 2, 3, 4})

Hours = Decimal | int | float
# A pause from `a` to `b`; `b=None` means "still paused" (until the end of the measured interval).
Pause = tuple[datetime, datetime | None]


def parse_time(text: str) -> time:
    """Parse "HH:MM" (24-hour clock) into a `time`, raising ValueError on anything else."""
    try:
        hours, minutes = text.strip().split(":")
        if len(hours) > 2 or len(minutes) != 2:
            raise ValueError
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"Expected a time as HH:MM, got {text!r}") from None


def parse_periods(text: str) -> tuple[tuple[time, time], ...]:
    """Parse "07:30-11:30,13:30-17:30" into a tuple of (start, end) times."""
    periods = []
    for chunk in text.split(","):
        if not chunk.strip():
            continue
        start, sep, end = chunk.partition("-")
        if not sep:
            raise ValueError(f"Expected a period as HH:MM-HH:MM, got {chunk.strip()!r}")
        periods.append((parse_time(start), parse_time(end)))
    return tuple(periods)


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse "0,1,2,3,4" (Monday = 0) into a set of weekday numbers."""
    try:
        days = frozenset(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"Expected weekday numbers 0-6 separated by commas, got {text!r}") from None
    return days


def _time_us(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def _us_time(us: int) -> time:
    seconds, micro = divmod(us, 1_000_000)
    minutes, sec = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour, minute, sec, micro)


def _require_aware(value: Any, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware; got the naive datetime {value.isoformat()}")
    return value


def _to_us(value: Hours, unit_us: int, name: str) -> int:
    """Convert a non-negative number of units (hours, days) to whole microseconds, half-even."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        raise ValueError(f"{name} must be a number, got {type(value).__name__}")
    amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if amount < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return int(_DEC.multiply(amount, Decimal(unit_us)).to_integral_value(decimal.ROUND_HALF_EVEN))


@dataclass(frozen=True)
class WorkingCalendar:
    """An immutable working-day calendar; every method is pure (no database access)."""

    non_working_dates: frozenset[date] = frozenset()
    extra_working_dates: frozenset[date] = frozenset()
    weekdays: frozenset[int] = DEFAULT_WEEKDAYS
    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    tz: tzinfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))

    # Derived lookup structures (ordinals of dates; date.fromordinal(1) is a Monday).
    _spans: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    _day_us: int = field(init=False, repr=False, compare=False)
    _removed: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _added: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _off: frozenset[int] = field(init=False, repr=False, compare=False)
    _extra: frozenset[int] = field(init=False, repr=False, compare=False)
    _prefix: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Validate the inputs and precompute the lookup tables."""
        non_working = frozenset(self.non_working_dates)
        extra = frozenset(self.extra_working_dates)
        weekdays = frozenset(self.weekdays)
        periods = tuple((start, end) for start, end in self.periods)
        if not weekdays or not weekdays <= set(range(7)):
            raise ValueError(f"weekdays must be a non-empty subset of 0-6 (Monday = 0), got {sorted(weekdays)}")
        if not periods:
            raise ValueError("a working calendar needs at least one daily working period")
        spans = tuple((_time_us(start), _time_us(end)) for start, end in periods)
        for (start, end), (text_start, text_end) in zip(spans, periods, strict=True):
            if start >= end:
                raise ValueError(f"working period {text_start:%H:%M}-{text_end:%H:%M} ends before it starts")
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start < end:
                raise ValueError("working periods must be in order and must not overlap")
        both = non_working & extra
        if both:
            raise ValueError(f"dates both non-working and extra working: {sorted(d.isoformat() for d in both)}")
        if any(isinstance(d, datetime) for d in non_working | extra):
            raise ValueError("calendar dates must be dates, not datetimes")

        def normal(ordinal: int) -> bool:
            return (ordinal - 1) % 7 in weekdays

        setter = object.__setattr__
        setter(self, "non_working_dates", non_working)
        setter(self, "extra_working_dates", extra)
        setter(self, "weekdays", weekdays)
        setter(self, "periods", periods)
        setter(self, "_spans", spans)
        setter(self, "_day_us", sum(end - start for start, end in spans))
        setter(self, "_off", frozenset(d.toordinal() for d in non_working))
        setter(self, "_extra", frozenset(d.toordinal() for d in extra))
        setter(self, "_removed", tuple(sorted(o for o in self._off if normal(o))))
        setter(self, "_added", tuple(sorted(o for o in self._extra if not normal(o))))
        setter(self, "_prefix", tuple(sum(1 for w in weekdays if w < r) for r in range(8)))

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_settings(
        cls, *, non_working_dates: Iterable[date] = (), extra_working_dates: Iterable[date] = ()
    ) -> WorkingCalendar:
        """Build a calendar with the working week, periods and zone from Django settings."""
        from django.conf import settings

        return cls(
            non_working_dates=frozenset(non_working_dates),
            extra_working_dates=frozenset(extra_working_dates),
            weekdays=parse_weekdays(settings.TWOTIER_WORKING_WEEKDAYS),
            periods=parse_periods(settings.TWOTIER_WORKDAY_PERIODS),
            tz=ZoneInfo(settings.TIME_ZONE),
        )

    @classmethod
    def from_db(cls) -> WorkingCalendar:
        """Return the calendar of the CalendarDay table, cached per process and rebuilt on change."""
        return current_calendar()

    # ----------------------------------------------------------------- properties
    @property
    def working_day_length(self) -> timedelta:
        """The working time of one working day (8 hours by default)."""
        return timedelta(microseconds=self._day_us)

    @property
    def hours_per_day(self) -> Decimal:
        """The working hours of one working day, as a Decimal."""
        return _DEC.divide(Decimal(self._day_us), Decimal(US_PER_HOUR))

    # ----------------------------------------------------------------- ordinal machinery
    def _is_working_ordinal(self, ordinal: int) -> bool:
        if ordinal in self._extra:
            return True
        if ordinal in self._off:
            return False
        return (ordinal - 1) % 7 in self.weekdays

    def _working_days_before(self, ordinal: int) -> int:
        """Number of working days with an ordinal in [1, ordinal)."""
        weeks, rest = divmod(ordinal - 1, 7)
        base = weeks * len(self.weekdays) + self._prefix[rest]
        return base - bisect.bisect_left(self._removed, ordinal) + bisect.bisect_left(self._added, ordinal)

    def _nth_working_ordinal(self, index: int) -> int:
        """The ordinal of the working day preceded by exactly `index` working days."""
        target = index + 1

        def through(ordinal: int) -> int:  # working days in [1, ordinal]
            return self._working_days_before(ordinal + 1)

        estimate = max(1, index * 7 // len(self.weekdays))
        lo, step = estimate, 8
        while lo > 1 and through(lo) >= target:
            lo, step = max(1, lo - step), step * 2
        if through(lo) >= target:
            return lo
        hi, step = max(estimate, lo + 1), 8
        while through(hi) < target:
            if hi >= _MAX_ORDINAL:
                raise ValueError("the result lies beyond the last supported date (9999-12-31)")
            hi, step = min(_MAX_ORDINAL, hi + step), step * 2
        while hi - lo > 1:  # through(lo) < target <= through(hi)
            mid = (lo + hi) // 2
            if through(mid) >= target:
                hi = mid
            else:
                lo = mid
        return hi

    def _within_day(self, offset_us: int) -> int:
        """Working microseconds of a working day before the time of day `offset_us`."""
        total = 0
        for start, end in self._spans:
            if offset_us <= start:
                break
            total += min(offset_us, end) - start
        return total

    # ----------------------------------------------------------------- the working-time axis
    def _local(self, value: datetime) -> datetime:
        return value.astimezone(self.tz).replace(tzinfo=None)

    def _aware(self, ordinal: int, offset_us: int) -> datetime:
        return datetime.combine(date.fromordinal(ordinal), _us_time(offset_us)).replace(tzinfo=self.tz)

    def _axis(self, local: datetime) -> int:
        """W(t): working microseconds from the origin of the calendar to the local time `local`."""
        ordinal = local.toordinal()
        position = self._working_days_before(ordinal) * self._day_us
        if self._is_working_ordinal(ordinal):
            position += self._within_day(_time_us(local.time()))
        return position

    def _from_axis(self, position: int) -> datetime:
        """The earliest moment whose W equals `position` (> 0): may be the end of a period."""
        index, rest = divmod(position - 1, self._day_us)
        rest += 1
        ordinal = self._nth_working_ordinal(index)
        for start, end in self._spans:
            if rest <= end - start:
                return self._aware(ordinal, start + rest)
            rest -= end - start
        raise AssertionError("unreachable: rest never exceeds the day's working time")

    def _start_local(self, local: datetime, cutoff: time | None) -> tuple[int, int]:
        """(ordinal, time-of-day µs) of the first moment at or after `local` where work elapses."""
        ordinal = local.toordinal()
        offset = _time_us(local.time())
        if self._is_working_ordinal(ordinal) and (cutoff is None or offset <= _time_us(cutoff)):
            for start, end in self._spans:
                if offset < end:
                    return ordinal, max(offset, start)
        following = self._nth_working_ordinal(self._working_days_before(ordinal + 1))
        return following, self._spans[0][0]

    # ----------------------------------------------------------------- public API
    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day (an aware datetime is first converted to local time)."""
        if isinstance(day, datetime):
            day = self._local(_require_aware(day, "day")).date()
        if not isinstance(day, date):
            raise ValueError(f"day must be a date, got {type(day).__name__}")
        return self._is_working_ordinal(day.toordinal())

    def is_working_time(self, ts: datetime) -> bool:
        """Whether `ts` falls inside a working period of a working day (period ends included)."""
        local = self._local(_require_aware(ts, "ts"))
        if not self._is_working_ordinal(local.toordinal()):
            return False
        offset = _time_us(local.time())
        return any(start <= offset <= end for start, end in self._spans)

    def next_working_start(self, ts: datetime, *, cutoff: time | None = None) -> datetime:
        """The first moment at or after `ts` from which working time elapses (cut-off applied)."""
        local = self._local(_require_aware(ts, "ts"))
        ordinal, offset = self._start_local(local, cutoff)
        if ordinal == local.toordinal() and offset == _time_us(local.time()):
            return ts.astimezone(self.tz)
        return self._aware(ordinal, offset)

    def add_working_time(self, ts: datetime, amount: timedelta, *, cutoff: time | None = None) -> datetime:
        """The earliest moment at which `amount` of working time has elapsed after `ts`."""
        local = self._local(_require_aware(ts, "ts"))
        if not isinstance(amount, timedelta):
            raise ValueError(f"amount must be a timedelta, got {type(amount).__name__}")
        if amount < timedelta(0):
            raise ValueError(f"amount must not be negative, got {amount}")
        ordinal, offset = self._start_local(local, cutoff)
        micro = amount // _ONE_US
        if micro == 0:
            return self.next_working_start(ts, cutoff=cutoff)
        start = datetime.combine(date.fromordinal(ordinal), _us_time(offset))
        return self._from_axis(self._axis(start) + micro)

    def add_working_hours(self, ts: datetime, hours: Hours, *, cutoff: time | None = None) -> datetime:
        """`ts` plus `hours` working hours (rounded to the microsecond), see the module docstring."""
        micro = _to_us(hours, US_PER_HOUR, "hours")
        return self.add_working_time(ts, timedelta(microseconds=micro), cutoff=cutoff)

    def add_working_days(self, ts: datetime, days: Decimal | int, *, cutoff: time | None = None) -> datetime:
        """`ts` plus `days` working days, one working day being the daily working time (8 h)."""
        if isinstance(days, float):
            raise ValueError("days must be an int or a Decimal, not a float")
        micro = _to_us(days, self._day_us, "days")
        return self.add_working_time(ts, timedelta(microseconds=micro), cutoff=cutoff)

    def working_time_between(self, start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> timedelta:
        """Working time in [start, end) minus the union of the pause intervals, as a timedelta."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        if end < start:
            raise ValueError(f"end ({end.isoformat()}) is before start ({start.isoformat()})")
        total = self._axis(self._local(end)) - self._axis(self._local(start))
        clipped: list[tuple[datetime, datetime]] = []
        for position, pause in enumerate(pauses):
            pause_start, pause_end = pause
            name = f"pauses[{position}]"
            _require_aware(pause_start, name)
            if pause_end is None:
                pause_end = end
            _require_aware(pause_end, name)
            if pause_end < pause_start:
                raise ValueError(f"{name} ends ({pause_end.isoformat()}) before it starts")
            lo, hi = max(pause_start, start), min(pause_end, end)
            if lo < hi:
                clipped.append((lo, hi))
        clipped.sort()
        merged: list[tuple[datetime, datetime]] = []
        for lo, hi in clipped:
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        for lo, hi in merged:
            total -= self._axis(self._local(hi)) - self._axis(self._local(lo))
        return timedelta(microseconds=total)

    def working_hours_between(self, start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> Decimal:
        """Working hours in [start, end) minus the union of the pauses, as a Decimal (28 digits)."""
        micro = self.working_time_between(start, end, pauses) // _ONE_US
        return _DEC.divide(Decimal(micro), Decimal(US_PER_HOUR))


# --------------------------------------------------------------------- the database calendar
_lock = threading.Lock()
_cached: tuple[tuple[Any, ...], WorkingCalendar] | None = None


def _fingerprint() -> tuple[Any, ...]:
    """A cheap summary of the CalendarDay table: it changes when a row is added or removed, or when a
    row's date or working/non-working class changes. (In theory several edits made between two calls
    could cancel out in the sums; the services also call `invalidate()`.)
    """
    from django.conf import settings
    from django.db.models import Case, Count, F, IntegerField, Max, Sum, Value, When
    from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear

    from twotier.core.models import CalendarDay, CalendarDayKind

    date_key = ExtractYear("date") * 10000 + ExtractMonth("date") * 100 + ExtractDay("date")
    summary = CalendarDay.objects.aggregate(
        rows=Count("id"),
        top=Max("id"),
        dates=Sum(F("id") * date_key, output_field=IntegerField()),
        working=Sum(
            Case(When(kind=CalendarDayKind.WORKING_DAY, then=F("id")), default=Value(0)),
            output_field=IntegerField(),
        ),
    )
    config = (settings.TWOTIER_WORKING_WEEKDAYS, settings.TWOTIER_WORKDAY_PERIODS, settings.TIME_ZONE)
    return (*config, summary["rows"], summary["top"], summary["dates"], summary["working"])


def _load() -> WorkingCalendar:
    from twotier.core.models import CalendarDay, CalendarDayKind

    non_working: set[date] = set()
    extra: set[date] = set()
    for day, kind in CalendarDay.objects.order_by().values_list("date", "kind"):
        (extra if kind == CalendarDayKind.WORKING_DAY else non_working).add(day)
    return WorkingCalendar.from_settings(non_working_dates=non_working, extra_working_dates=extra)


CHECK_SECONDS = 5.0
_checked_at = -1e9
_monotonic = __import__("time").monotonic


def current_calendar() -> WorkingCalendar:
    """The calendar of the CalendarDay table; one cheap aggregate query decides whether to rebuild it.

    For batch work (deadlines of many dossiers) call this once and use the returned object.
    """
    global _cached, _checked_at
    cached = _cached
    now = _monotonic()
    # The table changes a few times a year; re-check it at most every CHECK_SECONDS (the services that
    # write it invalidate this process at once, other processes within CHECK_SECONDS).
    if cached is not None and now - _checked_at < CHECK_SECONDS:
        return cached[1]
    key = _fingerprint()
    if cached is not None and cached[0] == key:
        _checked_at = now
        return cached[1]
    with _lock:
        calendar = _load()
        _cached = (key, calendar)
        _checked_at = now
    return calendar


def invalidate() -> None:
    """Drop this process's cached calendar (the calendar services call it after every write)."""
    global _cached, _checked_at
    _cached = None
    _checked_at = -1e9


def configured_cutoff() -> time:
    """The reception cut-off from settings (TWOTIER_CUTOFF_TIME, 15:00 by default)."""
    from django.conf import settings

    return parse_time(settings.TWOTIER_CUTOFF_TIME)


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day in the database calendar."""
    return current_calendar().is_working_day(day)


def next_working_start(ts: datetime, *, cutoff: time | None = None) -> datetime:
    """The first moment at or after `ts` from which working time elapses (database calendar)."""
    return current_calendar().next_working_start(ts, cutoff=cutoff)


def add_working_hours(ts: datetime, hours: Hours, *, cutoff: time | None = None) -> datetime:
    """`ts` plus `hours` working hours in the database calendar."""
    return current_calendar().add_working_hours(ts, hours, cutoff=cutoff)


def add_working_days(ts: datetime, days: Decimal | int, *, cutoff: time | None = None) -> datetime:
    """`ts` plus `days` working days (8 working hours each) in the database calendar."""
    return current_calendar().add_working_days(ts, days, cutoff=cutoff)


def working_time_between(start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> timedelta:
    """Working time in [start, end) minus the pauses, as a timedelta (database calendar)."""
    return current_calendar().working_time_between(start, end, pauses)


def working_hours_between(start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> Decimal:
    """Working hours in [start, end) minus the pauses, as a Decimal (database calendar)."""
    return current_calendar().working_hours_between(start, end, pauses)
