"""Deliver the transactional outbox: claim due messages, hand them to a handler per topic prefix, record outcomes.

Guarantees (see docs/national-portal.md):

* **Safe with concurrent workers.** A claim is a short transaction that selects due rows
  (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises writers, the project opens its
  transactions IMMEDIATE) and leases them by moving `next_attempt_at` forward. Sending happens
  outside any transaction; a worker that dies mid-send leaves a lease that expires, so delivery
  is at-least-once and the receiving side must be idempotent.
* **Per-aggregate order.** Within one handler's topic family (its prefix), a message is claimed
  only when every earlier message (lower id) of the same aggregate is delivered or claimed in the
  same batch; a failing or dead message blocks the later ones of its aggregate until it succeeds
  or an administrator retries it.
* **Retries.** A `Retry` outcome increments `attempts` and schedules the next try with
  exponential backoff and jitter, up to `OUTBOX_MAX_ATTEMPTS` (then `dead`). A `Dead` outcome
  gives up at once with the reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol

from django.db import close_old_connections, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from twotier.core.actors import SystemActor
from twotier.core.audit import audit_record
from twotier.core.models import OutboxMessage, OutboxStatus
from twotier.core.outbox_conf import OutboxConf, outbox_conf

logger = logging.getLogger(__name__)

DUE_STATUSES = (OutboxStatus.PENDING, OutboxStatus.FAILED)
RETRYABLE_STATUSES = (OutboxStatus.FAILED, OutboxStatus.DEAD)
MAX_ERROR_LENGTH = 2000
AUDIT_MAX_IDS = 1000
SYSTEM = SystemActor("outbox")


@dataclass(frozen=True)
class Delivered:
    """The receiver accepted the message (or already had it)."""


@dataclass(frozen=True)
class Retry:
    """A temporary failure: try again later (`retry_after` seconds at the earliest, when the receiver said so)."""

    error: str
    retry_after: float | None = None


@dataclass(frozen=True)
class Dead:
    """A permanent failure: give up now and keep the reason for an administrator."""

    error: str


@dataclass(frozen=True)
class Skipped:
    """Not attempted in this round (e.g. an earlier message of its aggregate failed); released at once."""

    reason: str = ""


Outcome = Delivered | Retry | Dead | Skipped


class OutboxHandler(Protocol):
    """Delivers the messages of one topic family; returns an outcome per message id."""

    def deliver(self, messages: Sequence[OutboxMessage]) -> Mapping[int, Outcome]:
        """Send `messages` (in id order, per aggregate in order) and say what happened to each."""
        ...


_HANDLERS: dict[str, OutboxHandler] = {}


def outbox_handler_register(prefix: str, handler: OutboxHandler) -> None:
    """Route the topics that start with `prefix` (e.g. "portal.") to `handler`; replaces an earlier one."""
    if not prefix:
        raise ValueError("an outbox handler needs a non-empty topic prefix")
    _HANDLERS[prefix] = handler


def outbox_handler_unregister(prefix: str) -> None:
    """Remove the handler of `prefix` (no error when there is none)."""
    _HANDLERS.pop(prefix, None)


def outbox_handlers() -> dict[str, OutboxHandler]:
    """The registered handlers by topic prefix (a copy)."""
    return dict(_HANDLERS)


@dataclass
class DeliveryStats:
    """What one delivery round did."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0

    def add(self, other: DeliveryStats) -> DeliveryStats:
        """Add `other`'s counts to this one and return it."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    @property
    def progressed(self) -> bool:
        """Whether the round changed the state of any message (delivered, retried or dead)."""
        return bool(self.delivered or self.retried or self.dead)

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def backoff_seconds(attempts: int, conf: OutboxConf, rng: random.Random | None = None) -> float:
    """Delay before attempt `attempts + 1`: exponential from the base delay, capped, with "equal jitter"."""
    exponent = min(max(attempts - 1, 0), 32)
    ceiling = float(min(conf.max_delay_seconds, conf.base_delay_seconds * (2**exponent)))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def _due(at: dt.datetime) -> Q:
    return Q(status__in=DUE_STATUSES, next_attempt_at__lte=at)


def _in_order(rows: list[OutboxMessage], prefix: str) -> list[OutboxMessage]:
    """Keep, per aggregate, only the claimed messages not preceded by an undelivered one outside the claim."""
    if not rows:
        return rows
    claimed = {m.pk for m in rows}
    keys = {(m.aggregate_type, m.aggregate_id) for m in rows}
    earlier = (
        OutboxMessage.objects.filter(
            topic__startswith=prefix,
            aggregate_type__in={k[0] for k in keys},
            aggregate_id__in={k[1] for k in keys},
            pk__lte=max(claimed),
        )
        .exclude(status=OutboxStatus.DELIVERED)
        .order_by("pk")
        .values_list("pk", "aggregate_type", "aggregate_id")
    )
    blocked: set[tuple[str, str]] = set()
    allowed: set[int] = set()
    for pk, agg_type, agg_id in earlier:
        key = (agg_type, agg_id)
        if key not in keys or key in blocked:
            continue
        if pk in claimed:
            allowed.add(pk)
        else:
            blocked.add(key)
    return [m for m in rows if m.pk in allowed]


def _claim(prefix: str, batch: int, at: dt.datetime, conf: OutboxConf) -> list[OutboxMessage]:
    """Lease up to `batch` due messages of `prefix` that may go now, in id order."""
    blockers = (
        OutboxMessage.objects.filter(
            topic__startswith=prefix,
            aggregate_type=OuterRef("aggregate_type"),
            aggregate_id=OuterRef("aggregate_id"),
            pk__lt=OuterRef("pk"),
        )
        .exclude(status=OutboxStatus.DELIVERED)
        .exclude(_due(at))
    )
    with transaction.atomic():
        qs = OutboxMessage.objects.filter(_due(at), topic__startswith=prefix).filter(~Exists(blockers)).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        rows = _in_order(list(qs[:batch]), prefix)
        if rows:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in rows]).update(
                next_attempt_at=at + dt.timedelta(seconds=conf.lease_seconds)
            )
    return rows


def _record(
    handler: OutboxHandler,
    rows: list[OutboxMessage],
    outcomes: Mapping[int, Outcome],
    done: dt.datetime,
    conf: OutboxConf,
) -> DeliveryStats:
    """Write every message's outcome (and the handler's follow-up for delivered ones) in one transaction."""
    stats = DeliveryStats(claimed=len(rows))
    delivered: list[OutboxMessage] = []
    changed: list[OutboxMessage] = []
    died: list[OutboxMessage] = []
    for m in rows:
        outcome = outcomes.get(m.pk) or Skipped("the handler reported no outcome")
        if isinstance(outcome, Delivered):
            delivered.append(m)
            continue
        if isinstance(outcome, Skipped):
            m.next_attempt_at = done
            stats.skipped += 1
        elif isinstance(outcome, Retry):
            m.attempts += 1
            m.last_error = outcome.error[:MAX_ERROR_LENGTH]
            if m.attempts >= conf.max_attempts:
                m.status = OutboxStatus.DEAD
                m.last_error = f"gave up after {m.attempts} attempts: {outcome.error}"[:MAX_ERROR_LENGTH]
                m.next_attempt_at = done
                died.append(m)
            else:
                m.status = OutboxStatus.FAILED
                delay = max(backoff_seconds(m.attempts, conf), outcome.retry_after or 0.0)
                m.next_attempt_at = done + dt.timedelta(seconds=delay)
                stats.retried += 1
        else:
            m.attempts += 1
            m.status = OutboxStatus.DEAD
            m.last_error = outcome.error[:MAX_ERROR_LENGTH]
            m.next_attempt_at = done
            died.append(m)
        changed.append(m)
    stats.delivered = len(delivered)
    stats.dead = len(died)
    with transaction.atomic():
        if delivered:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in delivered]).update(
                status=OutboxStatus.DELIVERED, delivered_at=done, last_error="", attempts=F("attempts") + 1
            )
            follow_up = getattr(handler, "on_delivered", None)
            if follow_up is not None:
                follow_up(delivered, at=done)
        if changed:
            OutboxMessage.objects.bulk_update(changed, ["status", "attempts", "next_attempt_at", "last_error"])
        for m in died:
            audit_record(
                actor=SYSTEM,
                action="outbox.dead",
                target=m,
                changes={"topic": m.topic, "aggregate": m.aggregate_id, "seq": m.seq, "error": m.last_error},
            )
    return stats


def deliver_due(
    *, batch: int | None = None, now: dt.datetime | None = None, prefixes: Iterable[str] | None = None
) -> DeliveryStats:
    """One delivery round: for each registered handler, claim up to `batch` due messages, send, record."""
    conf = outbox_conf()
    size = batch or conf.batch
    total = DeliveryStats()
    for prefix in sorted(prefixes if prefixes is not None else _HANDLERS):
        handler = _HANDLERS.get(prefix)
        if handler is None:
            raise ValueError(f"no outbox handler is registered for {prefix!r}")
        rows = _claim(prefix, size, now or timezone.now(), conf)
        if not rows:
            continue
        try:
            outcomes = handler.deliver(rows)
        except Exception as exc:  # a handler bug must not strand leased messages: retry them later
            logger.exception("outbox handler for %r failed", prefix)
            outcomes = {m.pk: Retry(f"handler error: {exc!r}") for m in rows}
        total.add(_record(handler, rows, outcomes, now or timezone.now(), conf))
    return total


def outbox_retry(*, actor: Any, message_ids: Iterable[int]) -> list[int]:
    """Move failed or dead messages back to pending with a fresh attempt budget (audited; repeats change nothing)."""
    ids = sorted({int(i) for i in message_ids})
    if not ids:
        return []
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=ids, status__in=RETRYABLE_STATUSES)
            .values_list("pk", "status", "attempts")
        )
        moved = [pk for pk, _status, _attempts in rows]
        if not moved:
            return []
        OutboxMessage.objects.filter(pk__in=moved).update(
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="outbox.retry",
            target_type="core.outboxmessage",
            target_id=str(moved[0]) if len(moved) == 1 else "",
            target_label=f"{len(moved)} outbox message(s)",
            changes={
                "ids": moved[:AUDIT_MAX_IDS],
                "count": len(moved),
                "from_status": dict(Counter(status for _pk, status, _attempts in rows)),
                "attempts_before": sum(attempts for _pk, _status, attempts in rows),
            },
        )
    return moved


def outbox_retry_all(*, actor: Any, topic_prefix: str, limit: int = 10_000) -> list[int]:
    """Retry every failed or dead message of a topic family (at most `limit` per call)."""
    ids = list(
        OutboxMessage.objects.filter(topic__startswith=topic_prefix, status__in=RETRYABLE_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return outbox_retry(actor=actor, message_ids=ids)


def deliver_for(
    *,
    seconds: float | None,
    poll_seconds: float | None = None,
    batch: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_round: Callable[[DeliveryStats], None] | None = None,
) -> DeliveryStats:
    """Deliver round after round for `seconds` (None: until `should_stop()`), sleeping `poll_seconds` when idle."""
    poll = float(poll_seconds if poll_seconds is not None else outbox_conf().poll_seconds)
    total = DeliveryStats()
    start = time.monotonic()
    while not should_stop():
        if not connection.in_atomic_block:  # a long-running worker drops broken or expired connections
            close_old_connections()
        stats = deliver_due(batch=batch)
        total.add(stats)
        if on_round is not None and stats.claimed:
            on_round(stats)
        left = None if seconds is None else seconds - (time.monotonic() - start)
        if left is not None and left <= 0:
            break
        if not stats.progressed:
            if left is not None and left < poll:
                break
            time.sleep(poll)
    return total


def deliver_until_idle(
    *, batch: int | None = None, now: dt.datetime | None = None, max_rounds: int = 10_000
) -> DeliveryStats:
    """Deliver round after round until a round finds nothing it can move (all delivered, or waiting to retry)."""
    total = DeliveryStats()
    for _ in range(max_rounds):
        stats = deliver_due(batch=batch, now=now)
        total.add(stats)
        if not stats.claimed or not stats.progressed:
            break
    return total
