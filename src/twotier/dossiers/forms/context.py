"""What each form shows, read from the dossier's recorded facts (nothing here writes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q

from twotier.dossiers.forms.formatting import (
    CHANNELS,
    COMPONENT_FORMS,
    DELIVERY,
    TIMELINESS,
    VN,
    agency_name,
    date_vn,
    issuer_lines,
    local,
    long_date,
    moment_vn,
    money,
    place_name,
    qr_data_uri,
    time_limit,
    time_vn,
    two_digits,
)
from twotier.dossiers.models import Dossier, Handover, StatusChange
from twotier.dossiers.process import steps_of
from twotier.dossiers.status import Status
from twotier.org.models import UnitType

APPLICANT_FIELDS = ("applicant_name", "applicant_address", "applicant_phone", "applicant_email")

RECEIPT_COPIES = ("Liên 1: Giao người nộp hồ sơ", "Liên 2: Lưu tại Bộ phận tiếp nhận và trả kết quả")

END_NOTES = {
    Status.REFUSED: "Từ chối tiếp nhận",
    Status.WITHDRAWN: "Rút hồ sơ",
    Status.STOPPED: "Dừng xử lý",
}


@dataclass(frozen=True)
class FormSpec:
    """One printable form: its number, Vietnamese title, template, when it applies and what personal data it shows."""

    number: str
    title: str
    template: str
    applies: Callable[[Dossier], bool]
    not_applicable: str
    fields: tuple[str, ...] = APPLICANT_FIELDS
    copies: tuple[str | None, ...] = (None,)


FORMS: dict[str, FormSpec] = {
    spec.number: spec
    for spec in (
        FormSpec(
            "01",
            "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            "forms/01_receipt.html",
            lambda d: d.received_at is not None,
            "The dossier has not been received yet",
            copies=RECEIPT_COPIES,
        ),
        FormSpec(
            "02",
            "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            "forms/02_supplement.html",
            lambda d: d.supplements.exists(),
            "No supplement was requested for this dossier",
        ),
        FormSpec(
            "03",
            "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
            "forms/03_refusal.html",
            lambda d: d.status == Status.REFUSED,
            "The dossier was not refused",
        ),
        FormSpec(
            "04",
            "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
            "forms/04_apology.html",
            lambda d: d.apologies.exists(),
            "No apology was sent for this dossier",
            fields=("applicant_name", "applicant_address"),
        ),
        FormSpec(
            "05",
            "Thông báo dừng xử lý hồ sơ",
            "forms/05_stop.html",
            lambda d: d.status == Status.STOPPED,
            "Processing of the dossier was not stopped",
            fields=("applicant_name", "applicant_address"),
        ),
        FormSpec(
            "06",
            "Phiếu kiểm soát quá trình giải quyết hồ sơ",
            "forms/06_control.html",
            lambda d: d.received_at is not None,
            "The dossier has not been received yet",
            fields=("applicant_name",),
        ),
    )
}


def status_path(code: str) -> str:
    """The public status page of a dossier (what the QR code leads to)."""
    return f"/tra-cuu/{code}"


def qr_payload(code: str) -> str:
    """The text in the QR code: the public status URL (absolute when TWOTIER_PUBLIC_URL is set)."""
    base = str(getattr(settings, "TWOTIER_PUBLIC_URL", "") or "").rstrip("/")
    return f"{base}{status_path(code)}"


def register_line(dossier: Dossier) -> tuple[int, int] | None:
    """(book, line) of the dossier in its unit's register: one book per calendar year, lines in order of receipt."""
    if dossier.received_at is None:
        return None
    year = local(dossier.received_at).year
    earlier = Dossier.objects.filter(
        receiving_unit_id=dossier.receiving_unit_id,
        received_at__gte=dt.datetime(year, 1, 1, tzinfo=VN),
    ).filter(Q(received_at__lt=dossier.received_at) | Q(received_at=dossier.received_at, pk__lt=dossier.pk))
    return year, earlier.count() + 1


def person_names(usernames: set[str]) -> dict[str, str]:
    """Full names of staff accounts by username (the username itself when no full name is recorded)."""
    users = get_user_model().objects.filter(username__in=[u for u in usernames if u])
    return {u.username: (getattr(u, "full_name", "") or u.username) for u in users}


def _actor_name(dossier: Dossier, action: str) -> str:
    change = (
        StatusChange.objects.filter(dossier=dossier, action=action).select_related("actor").order_by("-seq").first()
    )
    if change is None:
        return ""
    if change.actor is not None:
        return getattr(change.actor, "full_name", "") or change.actor.get_username()
    return change.actor_label


def _user_name(user: Any) -> str:
    return "" if user is None else (getattr(user, "full_name", "") or user.get_username())


def issuing_unit(dossier: Dossier, action: str) -> Any:
    """The authority that signs a letter about `action`: the unit the dossier was at, lifted from a commune
    department to its commune (a department signs nothing itself); the receiving unit when unknown."""
    change = (
        StatusChange.objects.filter(dossier=dossier, action=action)
        .select_related("unit__parent")
        .order_by("-seq")
        .first()
    )
    unit = change.unit if change is not None and change.unit is not None else dossier.receiving_unit
    while unit.type == UnitType.COMMUNE_DEPARTMENT and unit.parent is not None:
        unit = unit.parent
    return unit


def common(dossier: Dossier, *, desk: bool = True, issuer: Any = None) -> dict[str, Any]:
    """What every dossier form shows: header, code and QR, applicant, procedure, the main dates."""
    unit = dossier.receiving_unit
    top, name = issuer_lines(issuer or unit, desk=desk)
    version = dossier.procedure_version
    line = register_line(dossier)
    return {
        "code": dossier.code,
        "qr": qr_data_uri(qr_payload(dossier.code)),
        "status_path": status_path(dossier.code),
        "issuer_top": top,
        "issuer_name": name,
        "unit_name": unit.name,
        "agency": agency_name(issuer or unit),
        "applicant": {
            "name": dossier.applicant_name,
            "address": dossier.applicant_address,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
        },
        "procedure_name": version.procedure.name,
        "procedure_code": version.procedure.code,
        "time_limit": time_limit(version),
        "channel": CHANNELS.get(dossier.channel, ""),
        "received_date": date_vn(dossier.received_at),
        "received_moment": moment_vn(dossier.received_at),
        "promised_moment": moment_vn(dossier.promised_at),
        "promised_date": date_vn(dossier.promised_at),
        "register_book": line[0] if line else "",
        "register_line": line[1] if line else "",
    }


def _dated(unit: Any, at: dt.datetime | None) -> str:
    return f"{place_name(unit)}, {long_date(at)}" if at is not None else ""


def receipt_context(dossier: Dossier) -> dict[str, Any]:
    """Form 01: the receipt and appointment slip."""
    components = [
        {"name": c.name, "form": COMPONENT_FORMS.get(c.form, c.form or "Bản chính"), "quantity": two_digits(c.quantity)}
        for c in dossier.components.all()
    ]
    fees = [
        {"name": f.name, "quantity": f.quantity, "amount": money(f.amount_vnd), "total": money(f.total)}
        for f in dossier.fees.all()
    ]
    delivery = DELIVERY.get(dossier.result_delivery, dossier.result_delivery)
    return {
        **common(dossier),
        "dated": _dated(dossier.receiving_unit, dossier.received_at),
        "components": components,
        "sets": two_digits(dossier.sets),
        "fees": fees,
        "fee_total": money(dossier.fee_total),
        "delivery": delivery,
        "delivery_by_post": dossier.result_delivery == "post",
        "receiver_name": _user_name(dossier.received_by),
    }


def supplement_context(dossier: Dossier) -> dict[str, Any]:
    """Form 02: what the applicant must add, and why (the one supplement request)."""
    request = dossier.supplements.order_by("-requested_at").first()
    assert request is not None
    items = [str(i) for i in (request.items or []) if str(i).strip()]
    return {
        **common(dossier),
        "dated": _dated(dossier.receiving_unit, request.requested_at),
        "items": items,
        "reason": request.reason,
        "requested_moment": moment_vn(request.requested_at),
        "promised_before": moment_vn(request.promised_before),
        "supplement_received": moment_vn(request.received_at),
        "promised_after": moment_vn(request.promised_after),
        "guide_name": _actor_name(dossier, "request_supplement"),
    }


def refusal_context(dossier: Dossier) -> dict[str, Any]:
    """Form 03: the refusal at reception, with its reason."""
    return {
        **common(dossier),
        "dated": _dated(dossier.receiving_unit, dossier.ended_at),
        "reason": dossier.refusal_reason,
        "refused_moment": moment_vn(dossier.ended_at),
        "submitted_moment": moment_vn(dossier.submitted_at),
        "officer_name": _actor_name(dossier, "refuse"),
    }


def apology_context(dossier: Dossier) -> dict[str, Any]:
    """Form 04: the apology with the old and the new return date."""
    apology = dossier.apologies.order_by("-at").first()
    assert apology is not None
    issuer = issuing_unit(dossier, "apologise")
    return {
        **common(dossier, desk=False, issuer=issuer),
        "dated": _dated(issuer, apology.at),
        "reason": apology.reason,
        "promised_before": moment_vn(apology.promised_before),
        "promised_after": moment_vn(apology.promised_after),
        "promised_after_long": long_date(apology.promised_after),
    }


def stop_context(dossier: Dossier) -> dict[str, Any]:
    """Form 05: the notice that processing has stopped, with the reason."""
    issuer = issuing_unit(dossier, "stop")
    return {
        **common(dossier, desk=False, issuer=issuer),
        "dated": _dated(issuer, dossier.ended_at),
        "reason": dossier.stop_reason,
        "stopped_moment": moment_vn(dossier.ended_at),
    }


def _party(unit: Any, post: Any, person: str) -> dict[str, str]:
    return {
        "unit": unit.name if unit is not None else "",
        "post": post.title if post is not None else "",
        "person": person,
    }


def handover_rows(dossier: Dossier) -> list[dict[str, Any]]:
    """The lines of the control slip: one per recorded hand-over, in order."""
    handovers = list(
        Handover.objects.filter(dossier=dossier)
        .select_related("from_unit", "to_unit", "from_post", "to_post")
        .order_by("seq")
    )
    steps = {s["key"]: s.get("name", s["key"]) for s in steps_of(dossier.procedure_version)}
    names = person_names({h.from_user_label for h in handovers})
    rows = []
    for i, h in enumerate(handovers):
        following = handovers[i + 1] if i + 1 < len(handovers) else None
        # Who took the dossier over: the person who next handed it on from the receiving post.
        taker = ""
        if following is not None and following.from_post_id == h.to_post_id:
            taker = names.get(following.from_user_label, following.from_user_label)
        if h.seq == 1 and not h.from_step:
            giver = {"unit": "Tổ chức, cá nhân nộp hồ sơ", "post": "", "person": dossier.applicant_name}
            if taker == "":
                taker = _user_name(dossier.received_by)
        else:
            giver = _party(h.from_unit, h.from_post, names.get(h.from_user_label, h.from_user_label))
        notes = []
        if h.is_return:
            notes.append("Trả lại bước trước")
        if h.note:
            notes.append(h.note)
        rows.append(
            {
                "seq": h.seq,
                "from_step": steps.get(h.from_step, h.from_step) if h.from_step else "Nộp hồ sơ",
                "to_step": steps.get(h.to_step, h.to_step),
                "giver": giver,
                "taker": _party(h.to_unit, h.to_post, taker),
                "at_time": time_vn(h.at),
                "at_date": date_vn(h.at),
                "due_time": time_vn(h.step_due_at),
                "due_date": date_vn(h.step_due_at),
                "timeliness": TIMELINESS.get(h.timeliness, ""),
                "timeliness_code": h.timeliness,
                "note": "; ".join(notes),
            }
        )
    return rows


def _outcome(dossier: Dossier) -> str:
    if dossier.status in END_NOTES:
        return END_NOTES[Status(dossier.status)]
    if dossier.on_time is None:
        return "Đang giải quyết"
    return "Đúng hạn" if dossier.on_time else "Trễ hạn"


def control_context(dossier: Dossier) -> dict[str, Any]:
    """Form 06: the control slip built from the recorded hand-overs."""
    rows = handover_rows(dossier)
    units: list[str] = []
    for row in rows:
        for name in (row["giver"]["unit"], row["taker"]["unit"]):
            if name and name != "Tổ chức, cá nhân nộp hồ sơ" and name not in units:
                units.append(name)
    return {
        **common(dossier),
        "rows": rows,
        "units": units,
        "ended_moment": moment_vn(dossier.ended_at),
        "returned_moment": moment_vn(dossier.returned_at),
        "outcome": _outcome(dossier),
    }


BUILDERS: dict[str, Callable[[Dossier], dict[str, Any]]] = {
    "01": receipt_context,
    "02": supplement_context,
    "03": refusal_context,
    "04": apology_context,
    "05": stop_context,
    "06": control_context,
}
