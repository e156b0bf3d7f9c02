"""Enqueue messages into the transactional outbox (delivery lives with each integration)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from twotier.core.models import OutboxMessage


def outbox_enqueue(
    *,
    topic: str,
    aggregate_type: str,
    aggregate_id: str,
    payload: dict[str, Any],
    key: str | None = None,
    seq: int | None = None,
) -> OutboxMessage:
    """Append a message for `aggregate` in the caller's transaction.

    `key` makes a retry return the existing message. A caller that already knows the message's
    position (`seq`, unique per aggregate and topic) skips both look-ups: the unique constraints
    still refuse a duplicate.
    """
    if seq is not None:
        return OutboxMessage.objects.create(
            topic=topic,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            seq=seq,
            idempotency_key=key or f"{topic}:{aggregate_type}:{aggregate_id}:{seq}",
            payload=payload,
            next_attempt_at=timezone.now(),
        )
    with transaction.atomic():
        if seq is None:
            if key is not None:
                existing = OutboxMessage.objects.filter(idempotency_key=key).first()
                if existing is not None:
                    return existing
            last = (
                OutboxMessage.objects.filter(topic=topic, aggregate_type=aggregate_type, aggregate_id=aggregate_id)
                .aggregate(m=Max("seq"))
                .get("m")
            )
            seq = (last or 0) + 1
        return OutboxMessage.objects.create(
            topic=topic,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            seq=seq,
            idempotency_key=key or f"{topic}:{aggregate_type}:{aggregate_id}:{seq}",
            payload=payload,
            next_attempt_at=timezone.now(),
        )
