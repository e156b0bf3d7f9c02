import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from twotier.core import calendar
from twotier.core.actors import SystemActor
from twotier.core.calendar import WorkingCalendar
from twotier.core.calendar_services import (
    calendar_day_remove,
    calendar_day_set,
    calendar_seed_from_holidays,
    parse_years,
    vn_holiday_days,
)
from twotier.core.errors import FieldIssue, InvalidInput, NotFound
from twotier.core.models import AuditEvent, CalendarDay, CalendarDayKind
from twotier.testing.factories import UserFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.UTC
ACTOR = SystemActor("test")
CUTOFF = dt.time(15, 0)


def at(year, month, day, hour=0, minute=0, second=0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=VN)


def _calendar_from(planned):
    return WorkingCalendar(
        non_working_dates=frozenset(p.date for p in planned if p.kind != CalendarDayKind.WORKING_DAY),
        extra_working_dates=frozenset(p.date for p in planned if p.kind == CalendarDayKind.WORKING_DAY),
    )


# The package's calendar for 2025-2030, built without the database for the pure tests.
CAL = _calendar_from(vn_holiday_days(range(2025, 2031)))


# --------------------------------------------------------------------------- Lunar New Year 2026
def test_tet_2026_break_is_sat_14_to_sun_22_february():
    off = [dt.date(2026, 2, d) for d in range(14, 23)]
    assert [CAL.is_working_day(d) for d in off] == [False] * 9
    assert CAL.is_working_day(dt.date(2026, 2, 13))
    assert CAL.is_working_day(dt.date(2026, 2, 23))


def test_tet_2026_received_friday_before_tet_due_first_working_day_after():
    assert CAL.add_working_hours(at(2026, 2, 13, 10), 8) == at(2026, 2, 23, 10)
    assert CAL.add_working_days(at(2026, 2, 13, 10), 1) == at(2026, 2, 23, 10)
    assert CAL.add_working_days(at(2026, 2, 13, 10), 2) == at(2026, 2, 24, 10)
    assert CAL.working_hours_between(at(2026, 2, 13, 10), at(2026, 2, 23, 10)) == Decimal(8)


def test_tet_2026_cutoff_moves_a_thursday_16_00_receipt_to_friday():
    received = at(2026, 2, 12, 16)
    assert CAL.next_working_start(received, cutoff=CUTOFF) == at(2026, 2, 13, 7, 30)
    assert CAL.add_working_hours(received, 8, cutoff=CUTOFF) == at(2026, 2, 13, 17, 30)
    assert CAL.add_working_hours(received, 16, cutoff=CUTOFF) == at(2026, 2, 23, 17, 30)
    # Without the cut-off, the last 1.5 h of Thursday count.
    assert CAL.add_working_hours(received, 8) == at(2026, 2, 13, 16)


def test_tet_2026_receipt_during_the_break_starts_after_it():
    assert CAL.next_working_start(at(2026, 2, 17, 9)) == at(2026, 2, 23, 7, 30)
    assert CAL.add_working_hours(at(2026, 2, 17, 9), 4) == at(2026, 2, 23, 11, 30)
    assert CAL.working_hours_between(at(2026, 2, 14), at(2026, 2, 22, 23)) == 0


# --------------------------------------------------------------------------- National Day 2026
def test_national_day_2026_days_off_and_make_up_saturday():
    assert CAL.is_working_day(dt.date(2026, 8, 22))  # Saturday worked
    for day in (29, 30, 31):
        assert not CAL.is_working_day(dt.date(2026, 8, day))
    assert not CAL.is_working_day(dt.date(2026, 9, 1))
    assert not CAL.is_working_day(dt.date(2026, 9, 2))
    assert CAL.is_working_day(dt.date(2026, 9, 3))


def test_national_day_2026_deadlines():
    assert CAL.add_working_hours(at(2026, 8, 28, 14), 8) == at(2026, 9, 3, 14)
    assert CAL.add_working_days(at(2026, 8, 28, 9), 3) == at(2026, 9, 7, 9)
    assert CAL.working_hours_between(at(2026, 8, 28, 9), at(2026, 9, 3, 9)) == Decimal(8)


def test_national_day_2026_make_up_saturday_counts():
    # Friday 21 Aug 16:00: 1.5 h on Friday, then the make-up Saturday.
    assert CAL.add_working_hours(at(2026, 8, 21, 16), 4) == at(2026, 8, 22, 10)
    assert CAL.next_working_start(at(2026, 8, 21, 16), cutoff=CUTOFF) == at(2026, 8, 22, 7, 30)
    assert CAL.working_hours_between(at(2026, 8, 22), at(2026, 8, 23)) == Decimal(8)


# --------------------------------------------------------------------------- weekends, lunch, cut-off
def test_weekend_is_skipped():
    assert CAL.add_working_hours(at(2026, 3, 6, 16), 4) == at(2026, 3, 9, 10)  # Fri -> Mon
    assert CAL.next_working_start(at(2026, 3, 7, 10)) == at(2026, 3, 9, 7, 30)
    assert CAL.add_working_days(at(2026, 3, 6, 9), 1) == at(2026, 3, 9, 9)
    assert CAL.working_hours_between(at(2026, 3, 6, 17), at(2026, 3, 9, 8)) == Decimal("1")


def test_lunch_break_is_not_working_time():
    assert CAL.add_working_hours(at(2026, 3, 9, 10), 2) == at(2026, 3, 9, 14)
    assert CAL.next_working_start(at(2026, 3, 9, 12)) == at(2026, 3, 9, 13, 30)
    assert CAL.working_hours_between(at(2026, 3, 9, 10, 30), at(2026, 3, 9, 14)) == Decimal("1.5")
    assert not CAL.is_working_time(at(2026, 3, 9, 12))
    assert CAL.is_working_time(at(2026, 3, 9, 11, 30))  # a deadline may end a period


def test_deadline_ending_a_period_is_that_end():
    assert CAL.add_working_hours(at(2026, 3, 9, 9), Decimal("2.5")) == at(2026, 3, 9, 11, 30)
    assert CAL.add_working_hours(at(2026, 3, 9, 7, 30), 8) == at(2026, 3, 9, 17, 30)
    assert CAL.add_working_days(at(2026, 3, 9, 7, 30), 1) == at(2026, 3, 9, 17, 30)
    assert CAL.add_working_days(at(2026, 3, 9, 9), 1) == at(2026, 3, 10, 9)
    assert CAL.add_working_days(at(2026, 3, 9, 9), Decimal("0.5")) == at(2026, 3, 9, 15)


def test_cutoff_boundaries():
    assert CAL.next_working_start(at(2026, 3, 9, 15), cutoff=CUTOFF) == at(2026, 3, 9, 15)
    assert CAL.next_working_start(at(2026, 3, 9, 15, 0, 1), cutoff=CUTOFF) == at(2026, 3, 10, 7, 30)
    assert CAL.next_working_start(at(2026, 3, 9, 12), cutoff=CUTOFF) == at(2026, 3, 9, 13, 30)
    assert CAL.next_working_start(at(2026, 3, 9, 6), cutoff=CUTOFF) == at(2026, 3, 9, 7, 30)
    assert CAL.next_working_start(at(2026, 3, 13, 16), cutoff=CUTOFF) == at(2026, 3, 16, 7, 30)
    assert CAL.next_working_start(at(2026, 3, 14, 10), cutoff=CUTOFF) == at(2026, 3, 16, 7, 30)
    assert CAL.add_working_hours(at(2026, 3, 9, 16), 0, cutoff=CUTOFF) == at(2026, 3, 10, 7, 30)
    assert CAL.add_working_days(at(2026, 3, 9, 16), 1, cutoff=CUTOFF) == at(2026, 3, 10, 17, 30)


def test_configured_cutoff_reads_settings(settings):
    assert calendar.configured_cutoff() == dt.time(15, 0)
    settings.TWOTIER_CUTOFF_TIME = "16:30"
    assert calendar.configured_cutoff() == dt.time(16, 30)


def test_zero_hours_is_the_counting_start():
    assert CAL.add_working_hours(at(2026, 3, 9, 9, 15), 0) == at(2026, 3, 9, 9, 15)
    assert CAL.add_working_hours(at(2026, 3, 7, 9), 0) == at(2026, 3, 9, 7, 30)


def test_other_time_zones_are_converted_and_results_are_in_vietnam_time():
    received = dt.datetime(2026, 2, 13, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội
    due = CAL.add_working_hours(received, 8)
    assert due == at(2026, 2, 23, 10)
    assert due.utcoffset() == dt.timedelta(hours=7)
    assert CAL.is_working_day(dt.datetime(2026, 3, 8, 18, tzinfo=UTC)) is True  # Monday 01:00 in VN


def test_hours_and_precision():
    assert isinstance(CAL.working_hours_between(at(2026, 3, 9, 8), at(2026, 3, 9, 9)), Decimal)
    twenty_minutes = CAL.working_hours_between(at(2026, 3, 9, 8), at(2026, 3, 9, 8, 20))
    assert twenty_minutes == Decimal(1) / Decimal(3)
    assert CAL.add_working_hours(at(2026, 3, 9, 8), twenty_minutes) == at(2026, 3, 9, 8, 20)
    assert CAL.add_working_hours(at(2026, 3, 9, 8), 0.25) == at(2026, 3, 9, 8, 15)
    assert CAL.working_time_between(at(2026, 3, 9, 8), at(2026, 3, 10, 8)) == dt.timedelta(hours=8)
    assert CAL.hours_per_day == Decimal(8)


def test_long_horizon_is_fast_and_exact():
    # 2025-2030 has 6 × 52 weeks, less the holidays; jumping 1000 working days must not loop.
    due = CAL.add_working_days(at(2025, 1, 2, 9), 1000)
    assert CAL.working_hours_between(at(2025, 1, 2, 9), due) == Decimal(8000)
    assert due.time() == dt.time(9, 0)


# --------------------------------------------------------------------------- pauses
def test_pauses_are_subtracted_once_when_overlapping():
    start, end = at(2026, 3, 9, 7, 30), at(2026, 3, 13, 17, 30)  # Mon-Fri: 40 h
    assert CAL.working_hours_between(start, end) == Decimal(40)
    pauses = [
        (at(2026, 3, 10, 7, 30), at(2026, 3, 11, 17, 30)),  # Tue-Wed: 16 h
        (at(2026, 3, 11, 7, 30), at(2026, 3, 12, 11, 30)),  # Wed-Thu morning, overlaps Wed
    ]
    assert CAL.working_hours_between(start, end, pauses) == Decimal(20)


def test_pauses_outside_or_in_non_working_time_subtract_nothing():
    start, end = at(2026, 3, 9, 7, 30), at(2026, 3, 9, 17, 30)
    pauses = [(at(2026, 3, 1), at(2026, 3, 2)), (at(2026, 3, 9, 12), at(2026, 3, 9, 13))]
    assert CAL.working_hours_between(start, end, pauses) == Decimal(8)


def test_open_pause_runs_to_the_end_and_pauses_are_clipped():
    start, end = at(2026, 3, 9, 7, 30), at(2026, 3, 10, 17, 30)
    assert CAL.working_hours_between(start, end, [(at(2026, 3, 10, 7, 30), None)]) == Decimal(8)
    assert CAL.working_hours_between(start, end, [(at(2026, 3, 1), at(2026, 3, 9, 9, 30))]) == Decimal(14)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: CAL.add_working_hours(dt.datetime(2026, 3, 9, 9), 1), "timezone-aware"),
        (lambda: CAL.add_working_hours(at(2026, 3, 9, 9), -1), "must not be negative"),
        (lambda: CAL.add_working_hours(at(2026, 3, 9, 9), Decimal("NaN")), "finite"),
        (lambda: CAL.add_working_hours(at(2026, 3, 9, 9), True), "must be a number"),
        (lambda: CAL.add_working_days(at(2026, 3, 9, 9), -2), "must not be negative"),
        (lambda: CAL.add_working_days(at(2026, 3, 9, 9), 1.5), "not a float"),
        (lambda: CAL.working_hours_between(at(2026, 3, 9, 9), at(2026, 3, 9, 8)), "before start"),
        (lambda: CAL.working_hours_between(dt.datetime(2026, 3, 9), at(2026, 3, 9)), "timezone-aware"),
        (
            lambda: CAL.working_hours_between(
                at(2026, 3, 9), at(2026, 3, 10), [(at(2026, 3, 9, 10), at(2026, 3, 9, 9))]
            ),
            "pauses[0] ends",
        ),
        (lambda: CAL.is_working_day(dt.datetime(2026, 3, 9)), "timezone-aware"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        call()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"weekdays": frozenset()}, "weekdays"),
        ({"weekdays": frozenset({7})}, "weekdays"),
        ({"periods": ()}, "at least one"),
        ({"periods": ((dt.time(12), dt.time(8)),)}, "ends before it starts"),
        ({"periods": ((dt.time(8), dt.time(12)), (dt.time(11), dt.time(14)))}, "overlap"),
        (
            {
                "non_working_dates": frozenset({dt.date(2026, 3, 7)}),
                "extra_working_dates": frozenset({dt.date(2026, 3, 7)}),
            },
            "both",
        ),
    ],
)
def test_calendar_rejects_inconsistent_definitions(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(**kwargs)


def test_calendar_from_settings(settings):
    settings.TWOTIER_WORKDAY_PERIODS = "08:00-12:00"
    settings.TWOTIER_WORKING_WEEKDAYS = "0,1,2,3,4,5"
    cal = WorkingCalendar.from_settings()
    assert cal.hours_per_day == Decimal(4)
    assert cal.add_working_days(at(2026, 3, 13, 9), 1) == at(2026, 3, 14, 9)  # Friday -> Saturday


# --------------------------------------------------------------------------- properties
moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2030, 12, 31),
    timezones=st.sampled_from([VN, UTC]),
)
amounts = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(400), places=4)
cutoffs = st.sampled_from([None, CUTOFF])


@given(moments, amounts, cutoffs)
def test_property_result_is_inside_working_time(t, hours, cutoff):
    due = CAL.add_working_hours(t, hours, cutoff=cutoff)
    assert CAL.is_working_time(due)
    assert due > t
    # The earliest such moment: never the start of a period (that equals the previous period's end).
    assert (due.astimezone(VN).time(), CAL.is_working_day(due)) not in {
        (dt.time(7, 30), True),
        (dt.time(13, 30), True),
    }


@given(moments, st.decimals(min_value=0, max_value=400, places=4))
def test_property_round_trip_from_working_time(t, hours):
    start = CAL.next_working_start(t)
    assert CAL.is_working_time(start)
    assert CAL.working_hours_between(start, CAL.add_working_hours(start, hours)) == hours


@given(moments, moments, amounts, cutoffs)
def test_property_monotonic_in_the_start(t1, t2, hours, cutoff):
    t1, t2 = sorted([t1, t2])
    assert CAL.add_working_hours(t1, hours, cutoff=cutoff) <= CAL.add_working_hours(t2, hours, cutoff=cutoff)


@given(moments, amounts, amounts)
def test_property_monotonic_in_the_amount(t, a, b):
    a, b = sorted([a, b])
    assert CAL.add_working_hours(t, a) <= CAL.add_working_hours(t, b)


@given(moments, amounts, amounts, cutoffs)
def test_property_additive(t, a, b, cutoff):
    first = CAL.add_working_hours(t, a, cutoff=cutoff)
    assert CAL.add_working_hours(first, b) == CAL.add_working_hours(t, a + b, cutoff=cutoff)


@given(moments, moments, st.lists(st.tuples(moments, moments), max_size=5))
def test_property_pauses_never_increase_the_result(t1, t2, raw_pauses):
    start, end = sorted([t1, t2])
    pauses = [tuple(sorted(pair)) for pair in raw_pauses]
    full = CAL.working_hours_between(start, end)
    paused = CAL.working_hours_between(start, end, pauses)
    assert 0 <= paused <= full
    # Overlapping pauses count once: the result does not depend on repeating a pause.
    assert CAL.working_hours_between(start, end, pauses + pauses) == paused


@given(moments, moments, moments)
def test_property_between_is_additive_over_a_split(t1, t2, t3):
    a, b, c = sorted([t1, t2, t3])
    whole = CAL.working_time_between(a, c)
    assert whole == CAL.working_time_between(a, b) + CAL.working_time_between(b, c)
    # Pausing [a, b) leaves exactly the working time in [b, c).
    assert CAL.working_time_between(a, c, [(a, b)]) == CAL.working_time_between(b, c)


def _brute_force_between(cal, start, end):
    """Reference: walk day by day and intersect each working period with [start, end)."""
    start, end = start.astimezone(VN), end.astimezone(VN)
    total = dt.timedelta(0)
    day = start.date()
    while day <= end.date():
        if cal.is_working_day(day):
            for p_start, p_end in cal.periods:
                lo = max(start, dt.datetime.combine(day, p_start, tzinfo=VN))
                hi = min(end, dt.datetime.combine(day, p_end, tzinfo=VN))
                if lo < hi:
                    total += hi - lo
        day += dt.timedelta(days=1)
    return total


window = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 3, 31))


@st.composite
def random_calendars(draw):
    off = draw(st.frozensets(window, max_size=15))
    extra = draw(st.frozensets(window, max_size=10)) - off
    weekdays = draw(st.frozensets(st.integers(0, 6), min_size=1))
    return WorkingCalendar(non_working_dates=off, extra_working_dates=extra, weekdays=weekdays)


window_moments = st.datetimes(
    min_value=dt.datetime(2025, 12, 20), max_value=dt.datetime(2026, 4, 10), timezones=st.just(VN)
)


@settings(max_examples=150)
@given(random_calendars(), window_moments, window_moments)
def test_property_fast_arithmetic_matches_a_day_by_day_walk(cal, t1, t2):
    start, end = sorted([t1, t2])
    assert cal.working_time_between(start, end) == _brute_force_between(cal, start, end)


@settings(max_examples=150)
@given(random_calendars(), window_moments, st.integers(min_value=0, max_value=60))
def test_property_adding_whole_days_lands_on_the_nth_working_day(cal, t, days):
    start = cal.next_working_start(t)
    due = cal.add_working_days(start, days)
    assert _brute_force_between(cal, start, due) == cal.working_day_length * days
    if days:
        assert cal.is_working_time(due)


# --------------------------------------------------------------------------- services
def _rows():
    return list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name", "source", "note"))


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


@pytest.mark.django_db
def test_seed_inserts_the_package_days_with_swaps():
    result = calendar_seed_from_holidays(actor=ACTOR, years=range(2025, 2031))
    planned = vn_holiday_days(range(2025, 2031))
    assert len(result.added) == len(planned) == CalendarDay.objects.count()
    assert (result.updated, result.kept_manual) == ((), ())
    rows = {row.date: row for row in CalendarDay.objects.all()}
    assert (rows[dt.date(2026, 8, 31)].kind, rows[dt.date(2026, 8, 31)].source) == ("day_off", "holidays")
    assert rows[dt.date(2026, 8, 22)].kind == "working_day"
    assert rows[dt.date(2025, 5, 2)].kind == "day_off"
    assert rows[dt.date(2025, 4, 26)].kind == "working_day"
    assert rows[dt.date(2026, 2, 17)].kind == "holiday"
    assert rows[dt.date(2026, 2, 17)].name == "Tết Nguyên Đán"
    assert rows[dt.date(2026, 2, 17)].note == "Lunar New Year"
    assert rows[dt.date(2026, 11, 24)].kind == "holiday"  # Vietnam Cultural Day, as the package says
    assert rows[dt.date(2026, 2, 17)].year == 2026
    (event,) = _events("calendar.seed")
    assert event.actor_label == "system:test"
    assert event.changes["years"] == [2025, 2026, 2027, 2028, 2029, 2030]
    assert "2026-08-31" in event.changes["added"]


@pytest.mark.django_db
def test_seed_is_idempotent():
    calendar_seed_from_holidays(actor=ACTOR, years=[2026])
    before, events = _rows(), AuditEvent.objects.count()
    result = calendar_seed_from_holidays(actor=ACTOR, years=[2026])
    assert (result.added, result.updated, result.kept_manual) == ((), (), ())
    assert _rows() == before
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_seed_never_overwrites_manual_rows_but_repairs_its_own():
    calendar_day_set(
        actor=ACTOR,
        date=dt.date(2026, 11, 24),
        kind=CalendarDayKind.WORKING_DAY,
        name="Làm việc bình thường",
        note="not a day off this year",
    )
    calendar_seed_from_holidays(actor=ACTOR, years=[2026])
    CalendarDay.objects.filter(date=dt.date(2026, 1, 1)).update(name="edited in the database")
    result = calendar_seed_from_holidays(actor=ACTOR, years=[2026])
    assert result.kept_manual == (dt.date(2026, 11, 24),)
    assert result.updated == (dt.date(2026, 1, 1),)
    manual = CalendarDay.objects.get(date=dt.date(2026, 11, 24))
    assert (manual.kind, manual.source, manual.name) == ("working_day", "manual", "Làm việc bình thường")
    assert CalendarDay.objects.get(date=dt.date(2026, 1, 1)).name == "Tết Dương lịch"
    assert calendar.is_working_day(dt.date(2026, 11, 24))


@pytest.mark.django_db
@pytest.mark.parametrize("years, rule", [([], "required"), ([1900], "range"), (["x"], "required")])
def test_seed_rejects_bad_years_and_changes_nothing(years, rule):
    with pytest.raises(InvalidInput) as info:
        calendar_seed_from_holidays(actor=ACTOR, years=years)
    assert [(issue.field, issue.rule) for issue in info.value.fields] == [("years", rule)]
    assert CalendarDay.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_module_functions_use_the_database_calendar():
    calendar_seed_from_holidays(actor=ACTOR, years=[2026])
    assert calendar.add_working_hours(at(2026, 2, 13, 10), 8) == at(2026, 2, 23, 10)
    assert calendar.add_working_hours(at(2026, 2, 12, 16), 8, cutoff=calendar.configured_cutoff()) == at(
        2026, 2, 13, 17, 30
    )
    assert calendar.add_working_days(at(2026, 8, 28, 9), 3) == at(2026, 9, 7, 9)
    assert calendar.working_hours_between(at(2026, 8, 21, 16), at(2026, 8, 22, 10)) == Decimal(4)
    assert calendar.next_working_start(at(2026, 2, 14, 9)) == at(2026, 2, 23, 7, 30)
    assert calendar.is_working_day(dt.date(2026, 8, 22))
    assert not calendar.is_working_day(dt.date(2026, 8, 31))
    assert WorkingCalendar.from_db() is calendar.current_calendar()  # cached while the table is unchanged


@pytest.mark.django_db
def test_cached_calendar_follows_direct_table_changes(monkeypatch):
    """Other processes' edits are picked up within CHECK_SECONDS (the table is re-checked, not re-read)."""
    clock = [1000.0]
    monkeypatch.setattr(calendar, "_monotonic", lambda: clock[0])
    calendar.invalidate()

    def later():
        clock[0] += calendar.CHECK_SECONDS + 0.1

    wednesday = dt.date(2026, 3, 4)
    assert calendar.is_working_day(wednesday)
    row = CalendarDay.objects.create(date=wednesday, kind=CalendarDayKind.DAY_OFF, name="x")
    assert calendar.is_working_day(wednesday)  # cached for a few seconds
    later()
    assert not calendar.is_working_day(wednesday)
    row.date = dt.date(2026, 3, 5)
    row.save()
    later()
    assert calendar.is_working_day(wednesday)
    assert not calendar.is_working_day(dt.date(2026, 3, 5))
    saturday = CalendarDay.objects.create(date=dt.date(2026, 3, 7), kind=CalendarDayKind.HOLIDAY, name="y")
    saturday.kind = CalendarDayKind.WORKING_DAY
    saturday.save()
    later()
    assert calendar.is_working_day(dt.date(2026, 3, 7))
    CalendarDay.objects.all().delete()
    later()
    assert calendar.is_working_day(dt.date(2026, 3, 5))
    assert not calendar.is_working_day(dt.date(2026, 3, 7))


@pytest.mark.django_db
def test_day_set_creates_a_manual_row_and_audits():
    row = calendar_day_set(actor=ACTOR, date=dt.date(2026, 3, 4), kind="day_off", name=" Nghỉ bù ", note="Công văn 123")
    assert (row.kind, row.name, row.source, row.note, row.year) == (
        "day_off",
        "Nghỉ bù",
        "manual",
        "Công văn 123",
        2026,
    )
    (event,) = _events("calendar.day_set")
    assert (event.target_type, event.target_id) == ("core.calendarday", str(row.pk))
    assert event.changes == {
        "date": "2026-03-04",
        "kind": "day_off",
        "name": "Nghỉ bù",
        "note": "Công văn 123",
        "source": "manual",
    }
    assert not calendar.is_working_day(dt.date(2026, 3, 4))


@pytest.mark.django_db
def test_day_set_replaces_a_seeded_row_and_repeating_it_changes_nothing():
    calendar_seed_from_holidays(actor=ACTOR, years=[2026])
    calendar_day_set(actor=ACTOR, date=dt.date(2026, 2, 20), kind="day_off", name="Mùng bốn Tết")
    row = CalendarDay.objects.get(date=dt.date(2026, 2, 20))
    assert (row.kind, row.source) == ("day_off", "manual")
    (event,) = _events("calendar.day_set")
    assert event.changes["source"] == ["holidays", "manual"]
    assert event.changes["kind"] == ["holiday", "day_off"]
    calendar_day_set(actor=ACTOR, date=dt.date(2026, 2, 20), kind="day_off", name="Mùng bốn Tết")
    assert len(_events("calendar.day_set")) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs, issue",
    [
        (
            {"date": dt.date(2026, 3, 4), "kind": "working_day", "name": "Làm bù"},
            ("date", "working_day_on_working_weekday"),
        ),
        ({"date": dt.date(2026, 3, 4), "kind": "weekend", "name": "x"}, ("kind", "choice")),
        ({"date": dt.date(2026, 3, 4), "kind": "day_off", "name": "  "}, ("name", "required")),
        ({"date": dt.date(2026, 3, 4), "kind": "day_off", "name": "x" * 201}, ("name", "max_length")),
        (
            {"date": dt.date(2026, 3, 4), "kind": "day_off", "name": "x", "note": "y" * 256},
            ("note", "max_length"),
        ),
        ({"date": at(2026, 3, 4), "kind": "day_off", "name": "x"}, ("date", "type")),
    ],
)
def test_day_set_validates_and_changes_nothing(kwargs, issue):
    with pytest.raises(InvalidInput) as info:
        calendar_day_set(actor=ACTOR, **kwargs)
    assert [(i.field, i.rule) for i in info.value.fields] == [issue]
    assert CalendarDay.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_day_set_message_names_the_rule():
    with pytest.raises(InvalidInput) as info:
        calendar_day_set(actor=ACTOR, date=dt.date(2026, 3, 4), kind="working_day", name="Làm bù")
    (issue,) = info.value.fields
    assert isinstance(issue, FieldIssue)
    assert issue.message.startswith("04/03/2026 is already a working weekday")


@pytest.mark.django_db
def test_working_day_may_fall_on_a_weekend_or_override_a_package_holiday():
    calendar_day_set(actor=ACTOR, date=dt.date(2026, 3, 7), kind="working_day", name="Làm bù")
    calendar_day_set(actor=ACTOR, date=dt.date(2026, 11, 24), kind="working_day", name="Làm việc")
    assert calendar.is_working_day(dt.date(2026, 3, 7))
    assert calendar.is_working_day(dt.date(2026, 11, 24))


@pytest.mark.django_db
def test_day_remove_deletes_and_audits():
    row = calendar_day_set(actor=ACTOR, date=dt.date(2026, 3, 4), kind="day_off", name="Nghỉ")
    assert not calendar.is_working_day(dt.date(2026, 3, 4))
    calendar_day_remove(actor=ACTOR, date=dt.date(2026, 3, 4))
    assert not CalendarDay.objects.exists()
    (event,) = _events("calendar.day_remove")
    assert event.target_id == str(row.pk)
    assert event.changes == {
        "date": "2026-03-04",
        "kind": "day_off",
        "name": "Nghỉ",
        "source": "manual",
        "note": "",
    }
    assert calendar.is_working_day(dt.date(2026, 3, 4))


@pytest.mark.django_db
def test_day_remove_of_a_missing_date_is_not_found():
    with pytest.raises(NotFound):
        calendar_day_remove(actor=ACTOR, date=dt.date(2026, 3, 4))
    assert AuditEvent.objects.count() == 0


# --------------------------------------------------------------------------- command and admin
@pytest.mark.parametrize(
    "text, years",
    [("2025-2030", [2025, 2026, 2027, 2028, 2029, 2030]), ("2026", [2026]), ("2027,2025", [2025, 2027])],
)
def test_parse_years(text, years):
    assert parse_years(text) == years


@pytest.mark.django_db
def test_calendar_seed_command_reports_what_it_added():
    out = io.StringIO()
    call_command("calendar_seed", "--years", "2026", stdout=out)
    assert out.getvalue().strip() == "Calendar 2026: 15 rows added, 0 updated, 0 manual rows kept."
    out = io.StringIO()
    call_command("calendar_seed", "--years", "2026", stdout=out)
    assert out.getvalue().strip() == "Calendar 2026: 0 rows added, 0 updated, 0 manual rows kept."


@pytest.mark.django_db
def test_calendar_seed_command_defaults_to_the_configured_years():
    out = io.StringIO()
    call_command("calendar_seed", stdout=out)
    assert out.getvalue().startswith("Calendar 2025-2030:")
    assert set(CalendarDay.objects.values_list("year", flat=True).distinct()) == set(range(2025, 2031))


@pytest.mark.django_db
@pytest.mark.parametrize("years", ["soon", "1900"])
def test_calendar_seed_command_rejects_bad_years(years):
    with pytest.raises(CommandError):
        call_command("calendar_seed", "--years", years, stdout=io.StringIO())
    assert CalendarDay.objects.count() == 0


def _admin_client():
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session["mfa_ok"] = True
    session.save()
    return client, user


@pytest.mark.django_db
def test_admin_lists_and_edits_through_the_services():
    calendar_seed_from_holidays(actor=ACTOR, years=[2026])
    client, user = _admin_client()
    listing = client.get("/admin/core/calendarday/", {"year": "2026", "kind__exact": "day_off"})
    assert listing.status_code == 200
    assert "Ngày nghỉ (thay cho ngày 22/08/2026)" in listing.content.decode()
    response = client.post(
        "/admin/core/calendarday/add/",
        {"date": "2026-03-07", "kind": "working_day", "name": "Làm bù", "note": ""},
    )
    assert response.status_code == 302
    row = CalendarDay.objects.get(date=dt.date(2026, 3, 7))
    assert row.source == "manual"
    (event,) = _events("calendar.day_set")
    assert event.actor_id == user.pk


@pytest.mark.django_db
def test_admin_shows_the_rule_next_to_the_field_and_saves_nothing():
    client, _user = _admin_client()
    response = client.post(
        "/admin/core/calendarday/add/",
        {"date": "2026-03-04", "kind": "working_day", "name": "Làm bù", "note": ""},
    )
    assert response.status_code == 200
    assert "already a working weekday" in response.content.decode()
    assert CalendarDay.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_admin_delete_goes_through_the_service():
    row = calendar_day_set(actor=ACTOR, date=dt.date(2026, 3, 4), kind="day_off", name="Nghỉ")
    client, _user = _admin_client()
    response = client.post(f"/admin/core/calendarday/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert len(_events("calendar.day_remove")) == 1
