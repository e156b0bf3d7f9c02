"""Write and verify the hash-chained audit trail.

Every service calls `audit_record` inside its own transaction. The chain is an HMAC over the
previous hash and the event's canonical JSON, keyed with a secret that is not stored in the
database, so someone who can only write to the database cannot forge a consistent chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from twotier.core import request_context
from twotier.core.models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64


def _key() -> bytes:
    configured = getattr(settings, "TWOTIER_AUDIT_KEY", None)
    material = configured or ("audit:" + settings.SECRET_KEY)
    return hashlib.sha256(material.encode()).digest()


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _canonical_at(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(event: AuditEvent) -> str:
    """Return the chained HMAC of one event (its content plus the previous hash)."""
    payload = {
        "seq": event.seq,
        "at": _canonical_at(event.at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "post_id": event.post_id,
        "unit_id": event.unit_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "changes": event.changes,
        "request_id": event.request_id,
        "ip": event.ip,
        "prev_hash": event.prev_hash,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(_key(), blob, hashlib.sha256).hexdigest()


def target_ref(obj: models.Model) -> tuple[str, str]:
    """Return the (type, id) pair under which events about `obj` are stored."""
    return obj._meta.label_lower, str(obj.pk)


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    post_id: int | None = None,
    unit_id: int | None = None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (or a new one)."""
    if target is not None:
        target_type, target_id = target_ref(target)
        target_label = target_label or str(target)
    ctx = request_context.current()
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_label = "" if actor is None else (getattr(actor, "username", None) or str(actor))
    with transaction.atomic():
        try:
            head = AuditHead.objects.select_for_update().get(pk=1)
        except AuditHead.DoesNotExist:
            AuditHead.objects.get_or_create(pk=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH})
            head = AuditHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            seq=head.last_seq + 1,
            at=timezone.now(),
            actor_id=actor_id,
            actor_label=actor_label[:150],
            post_id=post_id,
            unit_id=unit_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id)[:64],
            target_label=target_label[:255],
            changes=_jsonable(changes or {}),
            request_id=ctx.request_id if ctx else "",
            ip=(ctx.ip or "") if ctx else "",
            prev_hash=head.last_hash,
        )
        event.hash = compute_hash(event)
        event.save()
        AuditHead.objects.filter(pk=1).update(last_seq=event.seq, last_hash=event.hash)
    return event


def record_personal_data_view(*, actor: Any, subject: models.Model, fields: list[str], purpose: str = "") -> None:
    """Record that `actor` viewed personal data fields of `subject` (PDP Law 91/2025, level 3)."""
    audit_record(
        actor=actor,
        action="personal_data.view",
        target=subject,
        changes={"fields": sorted(fields), "purpose": purpose},
    )


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"event #{self.seq}: {self.reason}"


def _events(batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def audit_verify() -> AuditProblem | None:
    """Walk the chain and return the first problem found, or None when it is intact."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    last_seq = 0
    for event in _events():
        if event.seq != expected_seq:
            return AuditProblem(event.seq, f"sequence gap: expected #{expected_seq} (an event was deleted)")
        if event.prev_hash != expected_prev:
            return AuditProblem(
                event.seq,
                "link to the previous event is broken (an event was deleted, inserted or reordered)",
            )
        if compute_hash(event) != event.hash:
            return AuditProblem(event.seq, "content does not match its hash (the row was edited)")
        expected_prev = event.hash
        expected_seq += 1
        last_seq = event.seq
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.last_seq != last_seq or head.last_hash != expected_prev):
        return AuditProblem(head.last_seq, "the chain ends early: events after the last intact one were deleted")
    return None


def timeline_for(obj: models.Model, limit: int = 200) -> models.QuerySet[AuditEvent]:
    """Return the newest events about `obj`."""
    ttype, tid = target_ref(obj)
    return AuditEvent.objects.filter(target_type=ttype, target_id=tid).order_by("-seq")[:limit]
