import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from twotier.core.calendar import WorkingCalendar
from twotier.procedures.deadlines import promised_return_at, statutory_hours, step_deadlines
from twotier.procedures.models import ProcedureVersion
from twotier.procedures.tests.test_process_schema import EXAMPLE

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=VN)


def version(unit, value=None, *, cutoff=True, process=None) -> ProcedureVersion:
    return ProcedureVersion(
        time_limit_unit=unit,
        time_limit_value=None if value is None else Decimal(str(value)),
        cutoff_applies=cutoff,
        process=EXAMPLE if process is None else process,
    )


@pytest.mark.parametrize(
    ("unit", "value", "hours"),
    [
        ("working_day", 3, Decimal(24)),
        ("working_day", "0.5", Decimal(4)),
        ("hour", 1, Decimal(1)),
        ("same_day", None, Decimal(8)),
        ("day", 15, None),
        ("month", 1, None),
        (None, None, None),
        ("working_day", None, None),
    ],
)
def test_statutory_hours(unit, value, hours):
    assert statutory_hours(version(unit, value)) == hours


@pytest.mark.parametrize(
    ("unit", "value", "cutoff", "received", "promised"),
    [
        # working days: N × 8 working hours
        ("working_day", 3, True, at(2026, 2, 9, 9), at(2026, 2, 12, 9)),
        # Tết 2026 (Sat 14 – Sun 22 Feb): Friday 10:00 + 1 working day = Monday 23 Feb 10:00
        ("working_day", 1, True, at(2026, 2, 13, 10), at(2026, 2, 23, 10)),
        # after the 15:00 cut-off counting starts the next working day at 07:30
        ("working_day", 1, True, at(2026, 2, 12, 16), at(2026, 2, 13, 17, 30)),
        ("working_day", 1, False, at(2026, 2, 12, 16), at(2026, 2, 13, 16)),
        ("working_day", 2, True, at(2026, 2, 13, 16), at(2026, 2, 24, 17, 30)),
        # working hours: the lunch break does not count
        ("hour", 1, False, at(2026, 2, 9, 11), at(2026, 2, 9, 14)),
        ("hour", 1, True, at(2026, 2, 9, 16), at(2026, 2, 10, 8, 30)),
        # same day: the end of the day's last period, or of the next working day after the cut-off
        ("same_day", None, True, at(2026, 2, 9, 10), at(2026, 2, 9, 17, 30)),
        ("same_day", None, True, at(2026, 2, 9, 15), at(2026, 2, 9, 17, 30)),
        ("same_day", None, True, at(2026, 2, 9, 15, 30), at(2026, 2, 10, 17, 30)),
        ("same_day", None, False, at(2026, 2, 9, 15, 30), at(2026, 2, 9, 17, 30)),
        ("same_day", None, True, at(2026, 2, 13, 15, 1), at(2026, 2, 23, 17, 30)),
        ("same_day", None, True, at(2026, 2, 14, 9), at(2026, 2, 23, 17, 30)),
        # calendar days, moved to the next working moment when the day is not a working day
        ("day", 10, True, at(2026, 2, 9, 9), at(2026, 2, 23, 7, 30)),
        ("day", 15, True, at(2026, 3, 3, 10), at(2026, 3, 18, 10)),
        # months: the same day N months later, clamped to the month's end
        ("month", 1, True, at(2026, 1, 16, 9), at(2026, 2, 23, 7, 30)),
        ("month", 1, True, at(2026, 1, 31, 10), at(2026, 3, 2, 7, 30)),
        ("month", 1, True, at(2026, 3, 31, 10), at(2026, 5, 4, 7, 30)),
        ("month", 2, True, at(2026, 6, 10, 9), at(2026, 8, 10, 9)),
    ],
)
def test_promised_return_at(calendar_2026, unit, value, cutoff, received, promised):
    result = promised_return_at(version(unit, value, cutoff=cutoff), received)
    assert result == promised
    assert result.tzinfo is not None


def test_received_in_another_time_zone_gives_the_same_moment(calendar_2026):
    received_utc = dt.datetime(2026, 2, 13, 3, 0, tzinfo=dt.UTC)  # Friday 10:00 in Vietnam
    result = promised_return_at(version("working_day", 1), received_utc)
    assert result == at(2026, 2, 23, 10)
    assert result.utcoffset() == dt.timedelta(hours=7)


def test_no_time_limit_gives_no_promise(calendar_2026):
    assert promised_return_at(version(None), at(2026, 2, 9, 9)) is None
    assert promised_return_at(version("working_day", None), at(2026, 2, 9, 9)) is None


def test_a_fractional_month_is_rejected():
    with pytest.raises(ValueError, match="whole number"):
        promised_return_at(version("month", "1.5"), at(2026, 2, 9, 9), calendar=WorkingCalendar())


def test_an_explicit_calendar_is_used_instead_of_the_table():
    # Without the 2026 holidays, Friday 13 Feb + 1 working day is Monday 16 Feb.
    result = promised_return_at(version("working_day", 1), at(2026, 2, 13, 10), calendar=WorkingCalendar())
    assert result == at(2026, 2, 16, 10)


def test_step_deadlines_add_each_steps_hours_in_order(calendar_2026):
    assert step_deadlines(version("working_day", 5), at(2026, 2, 9, 9)) == [
        ("receive", at(2026, 2, 9, 9)),
        ("process", at(2026, 2, 9, 15)),
        ("province", at(2026, 2, 11, 15)),
        ("approve", at(2026, 2, 11, 17)),
        ("return", at(2026, 2, 11, 17)),
    ]


def test_step_deadlines_skip_tet(calendar_2026):
    assert step_deadlines(version("working_day", 5), at(2026, 2, 12, 14)) == [
        ("receive", at(2026, 2, 12, 14)),
        ("process", at(2026, 2, 13, 8)),
        ("province", at(2026, 2, 24, 8)),
        ("approve", at(2026, 2, 24, 10)),
        ("return", at(2026, 2, 24, 10)),
    ]


def test_step_deadlines_start_after_the_cut_off_like_the_promise(calendar_2026):
    v = version("working_day", 5)
    deadlines = step_deadlines(v, at(2026, 2, 12, 16))
    assert deadlines == [
        ("receive", at(2026, 2, 13, 7, 30)),
        ("process", at(2026, 2, 13, 11, 30)),
        ("province", at(2026, 2, 24, 11, 30)),
        ("approve", at(2026, 2, 24, 15, 30)),
        ("return", at(2026, 2, 24, 15, 30)),
    ]
    # 22 of the 40 statutory hours: the last step ends before the promised return time.
    assert deadlines[-1][1] < promised_return_at(v, at(2026, 2, 12, 16)) == at(2026, 2, 26, 17, 30)


def test_step_deadlines_of_an_empty_process_are_empty(calendar_2026):
    assert step_deadlines(version("working_day", 1, process={}), at(2026, 2, 9, 9)) == []
