"""Reads for dossiers: one dossier, and the worklists of a post, always through the access policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from twotier.core.calendar import add_working_hours
from twotier.core.errors import NotFound
from twotier.core.text import fold
from twotier.dossiers.models import Dossier, Handover
from twotier.dossiers.policies import scoped
from twotier.dossiers.status import Status
from twotier.org.access import grants_for
from twotier.org.permissions import P

OPEN = (
    Status.RECEIVED,
    Status.PROCESSING,
    Status.SUPPLEMENT_REQUESTED,
    Status.PAYMENT_REQUESTED,
    Status.PROCESSED,
)
ACTIVE = (Status.RECEIVED, Status.PROCESSING, Status.PAYMENT_REQUESTED, Status.PROCESSED)
BOXES = ("all", "to_receive", "my_step", "waiting_supplement", "due_soon", "overdue", "done")
DUE_SOON_WORKING_HOURS = Decimal(16)  # two working days


@dataclass
class WorklistFilter:
    box: str = "all"
    procedure: str | None = None
    channel: int | None = None
    status: int | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    q: str = ""


def dossier_get(*, user: Any, code: str) -> Dossier:
    """One visible dossier by code with what its page shows (404 when missing or not visible)."""
    dossier = (
        scoped(Dossier.objects.all(), user)
        .select_related("procedure_version__procedure", "receiving_unit", "current_unit", "current_post", "received_by")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise NotFound()
    return dossier


def _my_step(user: Any) -> Q:
    grants = grants_for(user)
    units = grants.unit_ids(P.DOSSIER_RECEIVE) | grants.unit_ids(P.DOSSIER_PROCESS) | grants.unit_ids(P.DOSSIER_APPROVE)
    return Q(current_post__in=grants.post_ids) | Q(current_post__isnull=True, current_unit__in=units)


def worklist(*, user: Any, f: WorklistFilter, at: dt.datetime | None = None) -> QuerySet[Dossier]:
    """The dossiers of one worklist box for `user`, filtered and ordered by urgency."""
    at = at or timezone.now()
    qs = scoped(Dossier.objects.all(), user).select_related(
        "procedure_version__procedure", "receiving_unit", "current_unit"
    )
    grants = grants_for(user)
    if f.box == "to_receive":
        qs = qs.filter(status=Status.REGISTERED, receiving_unit__in=grants.unit_ids(P.DOSSIER_RECEIVE))
    elif f.box == "my_step":
        qs = qs.filter(_my_step(user), status__in=ACTIVE)
    elif f.box == "waiting_supplement":
        qs = qs.filter(status=Status.SUPPLEMENT_REQUESTED).filter(
            _my_step(user) | Q(receiving_unit__in=grants.unit_ids(P.DOSSIER_RECEIVE))
        )
    elif f.box == "due_soon":
        horizon = add_working_hours(at, DUE_SOON_WORKING_HOURS)
        qs = qs.filter(_my_step(user), status__in=ACTIVE, promised_at__gte=at, promised_at__lte=horizon)
    elif f.box == "overdue":
        qs = qs.filter(_my_step(user), status__in=ACTIVE, promised_at__lt=at)
    elif f.box == "done":
        handled = Handover.objects.filter(to_post__in=grants.post_ids).values("dossier_id")
        qs = qs.filter(pk__in=handled).exclude(status__in=OPEN).exclude(status=Status.REGISTERED)
    if f.procedure:
        qs = qs.filter(procedure_version__procedure__code=f.procedure)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.received_from:
        qs = qs.filter(received_at__date__gte=f.received_from)
    if f.received_to:
        qs = qs.filter(received_at__date__lte=f.received_to)
    if f.q:
        text = f.q.strip()
        if text.isdigit() and len(text) == 12:
            qs = qs.filter(applicant_id_number=text)
        else:
            qs = qs.filter(Q(code__icontains=text) | Q(applicant_name_folded__contains=fold(text)))
    if f.box in ("due_soon", "overdue", "my_step"):
        return qs.order_by("promised_at", "pk")
    if f.box == "to_receive":
        return qs.order_by("submitted_at", "pk")
    return qs.order_by("-received_at", "-pk")
