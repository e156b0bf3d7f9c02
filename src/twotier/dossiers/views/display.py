"""How dates and working time read on the pages: remaining time, overdue, paused, ended (text, never colour alone)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from twotier.core.calendar import WorkingCalendar, current_calendar
from twotier.dossiers.process import steps_of
from twotier.dossiers.selectors import DUE_SOON_WORKING_HOURS
from twotier.dossiers.status import TERMINAL, Status

RUNNING = frozenset({Status.RECEIVED, Status.PROCESSING, Status.PAYMENT_REQUESTED})


@dataclass(frozen=True)
class Deadline:
    """Where a dossier stands against its promised date: `kind` for styling, `badge` and `text` to read."""

    kind: str  # overdue | due_soon | on_track | paused | ended | none
    badge: str
    text: str


def money(amount: int | None) -> str:
    """An amount of đồng as Vietnamese write it: "30.000 đ"."""
    return f"{int(amount or 0):,}".replace(",", ".") + " đ"


def duration_text(hours: Decimal, cal: WorkingCalendar | None = None) -> str:
    """Working time as people say it: "2 working days 3 hours", or minutes under an hour."""
    minutes = int((hours * 60).to_integral_value(rounding=ROUND_HALF_UP))
    per_day = int((cal or current_calendar()).hours_per_day * 60) or 480
    days, rest = divmod(minutes, per_day)
    whole_hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d working day", "%(n)d working days", days) % {"n": days})
    if whole_hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", whole_hours) % {"n": whole_hours})
    if mins and not days:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", mins) % {"n": mins})
    return " ".join(parts) or _("less than a minute")


def deadline_of(dossier: Any, at: dt.datetime, cal: WorkingCalendar | None = None) -> Deadline:
    """The remaining working time of a dossier at `at`, with an overdue / due-soon badge."""
    status = dossier.status
    if status == Status.REGISTERED:
        return Deadline("none", "", _("Not received yet"))
    if status == Status.SUPPLEMENT_REQUESTED:
        return Deadline("paused", _("Paused"), _("Waiting for the applicant's supplement"))
    if status not in RUNNING:
        if dossier.on_time is None:
            return Deadline("ended", "", _("Processing ended"))
        return Deadline("ended", "", _("Ended on time") if dossier.on_time else _("Ended late"))
    if dossier.promised_at is None:
        return Deadline("none", "", "—")
    cal = cal or current_calendar()
    if at >= dossier.promised_at:
        late = cal.working_hours_between(dossier.promised_at, at)
        return Deadline("overdue", _("Overdue"), _("%(time)s overdue") % {"time": duration_text(late, cal)})
    left = cal.working_hours_between(at, dossier.promised_at)
    text = _("%(time)s left") % {"time": duration_text(left, cal)}
    if left <= DUE_SOON_WORKING_HOURS:
        return Deadline("due_soon", _("Due soon"), text)
    return Deadline("on_track", "", text)


def step_name(dossier: Any) -> str:
    """The name of the dossier's current step in its frozen process ("" before receipt)."""
    if not dossier.current_step:
        return ""
    for step in steps_of(dossier.procedure_version):
        if step.get("key") == dossier.current_step:
            return str(step.get("name") or step["key"])
    return dossier.current_step


@dataclass(frozen=True)
class WorkRow:
    """One line of a worklist."""

    dossier: Any
    step: str
    deadline: Deadline


def work_rows(dossiers: Any, at: dt.datetime) -> list[WorkRow]:
    """The worklist lines of a page of dossiers (the working calendar is read once)."""
    cal = current_calendar()
    return [WorkRow(d, "" if d.status in TERMINAL else step_name(d), deadline_of(d, at, cal)) for d in dossiers]


def elapsed_text(seconds: int) -> str:
    """Calendar time as days and hours ("7 days 2 hours"); "" for none."""
    if seconds <= 0:
        return ""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if not parts:
        minutes = max(1, rest // 60)
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts)
