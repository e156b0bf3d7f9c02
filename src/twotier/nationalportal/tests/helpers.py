"""Shortcuts for the national-portal tests: a dossier's whole online path, and draining the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from twotier.core.models import OutboxMessage
from twotier.core.outbox_delivery import DeliveryStats, deliver_until_idle
from twotier.dossiers.models import Dossier
from twotier.dossiers.services.closing import dossier_approve, dossier_return_result
from twotier.dossiers.services.receipt import dossier_receive_registered, dossier_register_online
from twotier.dossiers.services.steps import dossier_forward
from twotier.dossiers.tests.helpers import submission

PROGRESS = "portal.CapNhatTienDoHoSoMC"
UPSERT = "portal.DongBoHoSoMC"


def drain(*, hours: float = 0) -> DeliveryStats:
    """Deliver until idle, as if `hours` had passed (so backoff delays are over)."""
    return deliver_until_idle(now=timezone.now() + dt.timedelta(hours=hours))


def online_path(desk: Any, *, between: Callable[[], Any] | None = None) -> Dossier:
    """Register online (1), receive (2), forward twice (4, 4), approve (9), return (10); `between` runs after each."""
    steps: list[Callable[[int], Any]] = [
        lambda pk: dossier_receive_registered(actor=desk.receiver, dossier_id=pk),
        lambda pk: dossier_forward(actor=desk.receiver, dossier_id=pk),
        lambda pk: dossier_forward(actor=desk.specialist, dossier_id=pk),
        lambda pk: dossier_approve(actor=desk.leader, dossier_id=pk, result_name="Giấy khai sinh"),
        lambda pk: dossier_return_result(actor=desk.receiver, dossier_id=pk, delivery="desk"),
    ]
    dossier = dossier_register_online(actor=None, unit=desk.commune, submission=submission("1.001193"))
    if between:
        between()
    for step in steps:
        step(dossier.pk)
        if between:
            between()
    return Dossier.objects.get(pk=dossier.pk)


def statuses(held: dict[str, Any]) -> list[int]:
    """The TrangThaiHoSo of the progress events the stand-in holds, in arrival order."""
    return [event["document"]["TrangThaiHoSo"] for event in held["progress"]]


def outbox_state() -> list[tuple[Any, ...]]:
    """Every message's status, attempts and error (to compare before and after a call)."""
    return list(OutboxMessage.objects.order_by("pk").values_list("pk", "status", "attempts", "last_error"))
