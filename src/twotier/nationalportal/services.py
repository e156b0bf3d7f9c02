"""Writes of the national-portal sync: an administrator sends failed or dead messages again (audited)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from twotier.core.errors import FieldIssue, InvalidInput
from twotier.core.models import OutboxMessage
from twotier.core.outbox_delivery import outbox_retry, outbox_retry_all
from twotier.nationalportal.delivery import PREFIX
from twotier.nationalportal.policies import require_backlog_access

MAX_RETRY_IDS = 500


def portal_outbox_retry(*, actor: Any, message_ids: Iterable[int]) -> list[int]:
    """Put the given failed/dead portal messages back in the queue; returns the ids moved (repeats move none)."""
    require_backlog_access(actor)
    ids = sorted({int(i) for i in message_ids})
    if not ids:
        raise InvalidInput("Choose at least one message", [FieldIssue("ids", "required", "Give at least one id")])
    if len(ids) > MAX_RETRY_IDS:
        raise InvalidInput(
            "Too many messages", [FieldIssue("ids", "max_items", f"At most {MAX_RETRY_IDS} ids per call")]
        )
    known = set(OutboxMessage.objects.filter(pk__in=ids, topic__startswith=PREFIX).values_list("pk", flat=True))
    missing = [i for i in ids if i not in known]
    if missing:
        raise InvalidInput(
            "Unknown message",
            [FieldIssue("ids", "exists", "No national-portal message with id " + ", ".join(map(str, missing[:20])))],
        )
    return outbox_retry(actor=actor, message_ids=ids)


def portal_outbox_retry_all(*, actor: Any) -> list[int]:
    """Put every failed or dead portal message back in the queue (audited once)."""
    require_backlog_access(actor)
    return outbox_retry_all(actor=actor, topic_prefix=PREFIX)
