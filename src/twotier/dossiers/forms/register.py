"""Form 07, the dossier register (sổ theo dõi hồ sơ): the dossiers a unit received in a date range."""

from __future__ import annotations

import datetime as dt
from typing import Any

from twotier.core.actors import is_system
from twotier.core.errors import FieldIssue, InvalidInput, NotFound
from twotier.dossiers.forms.context import END_NOTES, register_line
from twotier.dossiers.forms.formatting import VN, date_vn, issuer_lines, local, long_date, place_name, two_digits
from twotier.dossiers.models import Dossier
from twotier.dossiers.policies import scoped
from twotier.dossiers.process import steps_of
from twotier.dossiers.services.common import now
from twotier.dossiers.status import Status
from twotier.org.access import grants_for
from twotier.org.permissions import P

MAX_RANGE_DAYS = 366
# Each line costs about 25 ms of rendering (nine or ten lines a page): 500 lines take over ten seconds, which is
# as long as a request should run. Longer registers need a shorter range (or, later, a background task).
MAX_ROWS = 500
REGISTER_FIELDS = ("applicant_name", "applicant_address", "applicant_phone")


def check_range(date_from: dt.date, date_to: dt.date) -> None:
    """Raise InvalidInput naming `date_to` unless from ≤ to and the range spans at most 366 days."""
    if date_to < date_from:
        raise InvalidInput(
            "The end date is before the start date",
            [FieldIssue("date_to", "after_date_from", "date_to must be on or after date_from")],
        )
    if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(
            f"The register covers at most {MAX_RANGE_DAYS} days",
            [FieldIssue("date_to", "max_range", f"Pick a range of at most {MAX_RANGE_DAYS} days")],
        )


def can_read_register(user: Any, unit_id: int) -> bool:
    """Whether `user` may print `unit_id`'s register (it receives or views dossiers there)."""
    if is_system(user):
        return True
    grants = grants_for(user)
    return grants.has(P.DOSSIER_RECEIVE, unit_id) or grants.has(P.DOSSIER_VIEW, unit_id)


def register_dossiers(unit: Any, date_from: dt.date, date_to: dt.date, *, user: Any) -> list[Dossier]:
    """The dossiers received at `unit` from `date_from` to `date_to` (Vietnam days), in order of receipt."""
    if not can_read_register(user, unit.pk):
        raise NotFound()
    check_range(date_from, date_to)
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=VN)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=VN)
    qs = (
        scoped(Dossier.objects.all(), user)
        .filter(receiving_unit=unit, received_at__gte=start, received_at__lt=end)
        .select_related("procedure_version__procedure")
        .prefetch_related("handovers__to_unit")
        .order_by("received_at", "pk")
    )
    count = qs.count()
    if count > MAX_ROWS:
        raise InvalidInput(
            f"The range holds {count} dossiers; a register prints at most {MAX_ROWS} at a time",
            [FieldIssue("date_to", "max_rows", f"Pick a shorter range (at most {MAX_ROWS} dossiers)")],
        )
    return list(qs)


def _note(dossier: Dossier) -> str:
    notes = []
    if dossier.status in END_NOTES:
        notes.append(END_NOTES[Status(dossier.status)])
    if dossier.supplement_count:
        notes.append("Đã yêu cầu bổ sung")
    if dossier.apology_count:
        notes.append(f"Xin lỗi, hẹn lại {date_vn(dossier.promised_at)}")
    if dossier.on_time is False:
        notes.append("Trễ hạn")
    return "; ".join(notes)


def register_row(dossier: Dossier, line: int) -> dict[str, Any]:
    """One line of the register."""
    handovers = sorted(dossier.handovers.all(), key=lambda h: h.seq)
    last_step = steps_of(dossier.procedure_version)[-1]["key"]
    sent = next((h.at for h in handovers if h.seq > 1 and h.to_unit_id != dossier.receiving_unit_id), None)
    if sent is None:
        sent = next((h.at for h in handovers if h.seq > 1), None)
    back = next((h.at for h in handovers if h.seq > 1 and h.to_step == last_step), None)
    handling: list[str] = []
    for h in handovers:
        if h.to_unit_id != dossier.receiving_unit_id and h.to_unit.name not in handling:
            handling.append(h.to_unit.name)
    contact = ", ".join(p for p in (dossier.applicant_address, dossier.applicant_phone) if p)
    return {
        "line": line,
        "code": dossier.code,
        # The agency id and the day-sequence on two lines: a dossier code has no break opportunity of its own.
        "code_lines": dossier.code.split("-", 1),
        "procedure": dossier.procedure_version.procedure.name,
        "sets": two_digits(dossier.sets),
        "applicant": dossier.applicant_name,
        "contact": contact,
        "handling": "; ".join(handling) or dossier.receiving_unit.name,
        "received": date_vn(dossier.received_at),
        "promised": date_vn(dossier.promised_at),
        "sent": date_vn(sent),
        "back": date_vn(back),
        "returned": date_vn(dossier.returned_at),
        "note": _note(dossier),
    }


def register_context(unit: Any, date_from: dt.date, date_to: dt.date, *, user: Any) -> dict[str, Any]:
    """Form 07: header, range and numbered rows (line numbers count from the start of each year's book)."""
    dossiers = register_dossiers(unit, date_from, date_to, user=user)
    rows = []
    lines: dict[int, int] = {}
    for dossier in dossiers:
        dossier.receiving_unit = unit
        assert dossier.received_at is not None
        year = local(dossier.received_at).year
        if year not in lines:
            first = register_line(dossier)
            lines[year] = (first[1] if first else 1) - 1
        lines[year] += 1
        rows.append(register_row(dossier, lines[year]))
    top, name = issuer_lines(unit, desk=True)
    return {
        "issuer_top": top,
        "issuer_name": name,
        "unit_name": unit.name,
        "date_from": date_vn(date_from),
        "date_to": date_vn(date_to),
        "books": ", ".join(str(y) for y in sorted(lines)) or str(date_from.year),
        "rows": rows,
        "count": len(rows),
        "dated": f"{place_name(unit)}, {long_date(now())}",
    }
