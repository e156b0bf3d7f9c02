"""National-portal sync API: a dossier's sync state, the outbox backlog, and retrying failed messages."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from twotier.core.models import OutboxMessage
from twotier.core.pagination import Page
from twotier.core.schemas import READ_ERRORS, ErrorOut
from twotier.dossiers.selectors import dossier_get
from twotier.nationalportal import selectors, services
from twotier.nationalportal.delivery import SERVICES

router = Router(tags=["national portal"])
ADMIN_READ_ERRORS: dict[int, Any] = {403: ErrorOut, **READ_ERRORS}


class PortalSyncStateOut(Schema):
    state: str = Field(..., description="synced, pending, failing or dead")
    pending: int = Field(..., description="messages of this dossier not yet delivered")
    counts: dict[str, int]
    last_error: str
    last_delivered_at: dt.datetime | None
    portal_synced_at: dt.datetime | None


class OutboxMessageOut(Schema):
    id: int
    topic: str
    service: str
    dossier: str
    seq: int
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None

    @staticmethod
    def resolve_service(obj: OutboxMessage) -> str:
        return SERVICES.get(obj.topic, obj.topic)

    @staticmethod
    def resolve_dossier(obj: OutboxMessage) -> str:
        return obj.aggregate_id


class OutboxFilter(Schema):
    status: str | None = Field(None, description="pending, delivered, failed, dead or undelivered")
    topic: str | None = Field(None, description="DongBoHoSoMC or CapNhatTienDoHoSoMC (or the full topic)")
    dossier: str = Field("", description="part of a dossier code")


class OutboxSummaryOut(Schema):
    counts: dict[str, int]
    by_service: dict[str, dict[str, int]]
    oldest_undelivered_at: dt.datetime | None


class OutboxRetryIn(Schema):
    ids: list[int] = Field(..., min_length=1, max_length=services.MAX_RETRY_IDS)


class OutboxRetryOut(Schema):
    retried: list[int] = Field(..., description="ids moved back to pending (those already pending are left alone)")
    count: int


@router.get(
    "/dossiers/{code}/sync",
    response={200: PortalSyncStateOut, **READ_ERRORS},
    summary="A dossier's sync state with the national portal",
)
def dossier_sync(request: HttpRequest, code: str) -> dict[str, Any]:
    """Synced, pending, failing or dead, for a dossier visible to the caller (404 otherwise)."""
    dossier = dossier_get(user=request.auth, code=code)  # type: ignore[attr-defined]
    return selectors.dossier_sync_state(dossier)


@router.get("/outbox", response={200: list[OutboxMessageOut], **ADMIN_READ_ERRORS}, summary="National-portal backlog")
@paginate(Page)
def outbox_list(request: HttpRequest, filters: Query[OutboxFilter]):  # type: ignore[no-untyped-def]
    """Portal messages oldest first; system or province administrators only."""
    return selectors.outbox_backlog(user=request.auth, **filters.dict())  # type: ignore[attr-defined]


@router.get(
    "/outbox/summary", response={200: OutboxSummaryOut, **ADMIN_READ_ERRORS}, summary="Backlog counts per status"
)
def outbox_summary(request: HttpRequest) -> dict[str, Any]:
    """Counts per status and service, and the oldest undelivered message's time."""
    return selectors.outbox_summary(user=request.auth)  # type: ignore[attr-defined]


@router.post(
    "/outbox/retry",
    response={200: OutboxRetryOut, **ADMIN_READ_ERRORS},
    summary="Send failed or dead messages again",
)
def outbox_retry(request: HttpRequest, payload: OutboxRetryIn) -> dict[str, Any]:
    """Move the given failed/dead messages back to pending (audited; repeating it changes nothing)."""
    moved = services.portal_outbox_retry(actor=request.auth, message_ids=payload.ids)  # type: ignore[attr-defined]
    return {"retried": moved, "count": len(moved)}
