"""Reads of the national-portal sync: one dossier's sync state, and the backlog (access-checked)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, Min, QuerySet

from twotier.core.errors import FieldIssue, InvalidInput
from twotier.core.models import OutboxMessage, OutboxStatus
from twotier.dossiers.models import Dossier
from twotier.nationalportal.delivery import PREFIX, SERVICES
from twotier.nationalportal.policies import require_backlog_access

STATUSES = tuple(OutboxStatus.values)
UNDELIVERED = (OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.DEAD)
STATUS_FILTERS = (*STATUSES, "undelivered")
TOPIC_BY_SERVICE = {service: topic for topic, service in SERVICES.items()}


def _portal_messages() -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(topic__startswith=PREFIX)


def dossier_sync_state(dossier: Dossier) -> dict[str, Any]:
    """Where the dossier stands with the portal: synced, pending, failing or dead, with counts and the last error.

    The caller has already checked that the dossier is visible (e.g. through `dossier_get`).
    """
    messages = _portal_messages().filter(aggregate_type="dossier", aggregate_id=dossier.code)
    counts = {status: 0 for status in STATUSES}
    counts.update(dict(messages.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")))
    blocking = (
        messages.filter(status__in=UNDELIVERED)
        .exclude(last_error="")
        .order_by("pk")
        .values_list("last_error", flat=True)
    )
    last_delivered_at: dt.datetime | None = messages.filter(status=OutboxStatus.DELIVERED).aggregate(
        at=Max("delivered_at")
    )["at"]
    if counts[OutboxStatus.DEAD]:
        state = "dead"
    elif counts[OutboxStatus.FAILED]:
        state = "failing"
    elif counts[OutboxStatus.PENDING] or not (counts[OutboxStatus.DELIVERED] or dossier.portal_synced_at):
        state = "pending"
    else:
        state = "synced"
    return {
        "state": state,
        "pending": sum(counts[s] for s in UNDELIVERED),
        "counts": counts,
        "last_error": blocking.first() or "",
        "last_delivered_at": last_delivered_at,
        "portal_synced_at": dossier.portal_synced_at,
    }


def dossier_messages(dossier: Dossier) -> QuerySet[OutboxMessage]:
    """The portal messages of one visible dossier, in the order they are sent."""
    return _portal_messages().filter(aggregate_type="dossier", aggregate_id=dossier.code).order_by("pk")


def _topic(value: str) -> str:
    if value in SERVICES:
        return value
    if value in TOPIC_BY_SERVICE:
        return TOPIC_BY_SERVICE[value]
    raise InvalidInput(
        "Unknown topic", [FieldIssue("topic", "choice", "One of " + ", ".join(sorted(TOPIC_BY_SERVICE)))]
    )


def outbox_backlog(
    *, user: Any, status: str | None = None, topic: str | None = None, dossier: str = ""
) -> QuerySet[OutboxMessage]:
    """Portal outbox messages, oldest first, filtered by status ("undelivered" = not yet delivered), topic, dossier."""
    require_backlog_access(user)
    qs = _portal_messages()
    if status:
        if status not in STATUS_FILTERS:
            raise InvalidInput(
                "Unknown status", [FieldIssue("status", "choice", "One of " + ", ".join(STATUS_FILTERS))]
            )
        qs = qs.filter(status__in=UNDELIVERED) if status == "undelivered" else qs.filter(status=status)
    if topic:
        qs = qs.filter(topic=_topic(topic))
    if dossier.strip():
        qs = qs.filter(aggregate_id__icontains=dossier.strip())
    return qs.order_by("pk")


def outbox_summary(*, user: Any) -> dict[str, Any]:
    """Counts per status and per service, and the oldest undelivered message's age, for the backlog header."""
    require_backlog_access(user)
    counts = {status: 0 for status in STATUSES}
    by_service: dict[str, dict[str, int]] = {service: dict(counts) for service in TOPIC_BY_SERVICE}
    rows = (
        _portal_messages()
        .order_by()
        .values("topic", "status")
        .annotate(n=Count("pk"))
        .values_list("topic", "status", "n")
    )
    for topic, status, n in rows:
        counts[status] = counts.get(status, 0) + n
        if topic in SERVICES:
            by_service[SERVICES[topic]][status] = n
    oldest = _portal_messages().filter(status__in=UNDELIVERED).aggregate(at=Min("created_at"))["at"]
    return {"counts": counts, "by_service": by_service, "oldest_undelivered_at": oldest}
