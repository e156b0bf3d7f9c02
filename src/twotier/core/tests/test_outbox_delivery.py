"""The generic outbox worker: claiming, per-aggregate order, retries with backoff, dead letters, admin retry."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from twotier.core.actors import SystemActor
from twotier.core.models import AuditEvent, OutboxMessage, OutboxStatus
from twotier.core.outbox import outbox_enqueue
from twotier.core.outbox_conf import OutboxConf, outbox_conf
from twotier.core.outbox_delivery import (
    Dead,
    Delivered,
    Retry,
    Skipped,
    _claim,
    backoff_seconds,
    deliver_due,
    deliver_until_idle,
    outbox_handler_register,
    outbox_handler_unregister,
    outbox_retry,
    outbox_retry_all,
)

pytestmark = pytest.mark.django_db
ADMIN = SystemActor("admin-test")


class Recorder:
    """A handler that sends in order, fails as planned (once per planned outcome), and records what it sent."""

    def __init__(self):
        self.plan = {}
        self.sent = []
        self.confirmed = []
        self.calls = 0

    def deliver(self, messages):
        self.calls += 1
        outcomes, blocked = {}, set()
        for m in messages:
            key = (m.aggregate_type, m.aggregate_id)
            if key in blocked:
                outcomes[m.pk] = Skipped("earlier failed")
                continue
            planned = self.plan.get(m.idempotency_key)
            outcome = planned.pop(0) if planned else Delivered()
            if isinstance(outcome, Delivered):
                self.sent.append(m.idempotency_key)
            else:
                blocked.add(key)
            outcomes[m.pk] = outcome
        return outcomes

    def on_delivered(self, messages, *, at):
        self.confirmed.extend((m.idempotency_key, at) for m in messages)


@pytest.fixture
def handler(monkeypatch):
    monkeypatch.setenv("TWOTIER_OUTBOX_RETRY_BASE_SECONDS", "10")
    monkeypatch.setenv("TWOTIER_OUTBOX_RETRY_MAX_SECONDS", "100")
    monkeypatch.setenv("TWOTIER_OUTBOX_MAX_ATTEMPTS", "4")
    recorder = Recorder()
    outbox_handler_register("test.", recorder)
    yield recorder
    outbox_handler_unregister("test.")


def _put(aggregate, topic="test.a", n=1):
    return [
        outbox_enqueue(topic=topic, aggregate_type="thing", aggregate_id=aggregate, payload={"n": i}) for i in range(n)
    ]


def _key(m):
    return m.idempotency_key


def _later(seconds):
    return timezone.now() + dt.timedelta(seconds=seconds)


def test_messages_of_one_aggregate_go_in_order_and_wait_behind_a_failure(handler):
    a1, a2, a3 = _put("A", n=3)
    (b1,) = _put("B")
    handler.plan[_key(a2)] = [Retry("boom")]
    stats = deliver_due(prefixes=["test."])
    assert (stats.claimed, stats.delivered, stats.retried, stats.skipped) == (4, 2, 1, 1)
    assert handler.sent == [_key(a1), _key(b1)]
    rows = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert rows == {a1.pk: "delivered", a2.pk: "failed", a3.pk: "pending", b1.pk: "delivered"}
    # a3 is due but must not overtake the failing a2.
    assert deliver_due(prefixes=["test."]).claimed == 0
    deliver_until_idle(now=_later(3600))
    assert handler.sent == [_key(a1), _key(b1), _key(a2), _key(a3)]


def test_order_spans_the_topics_of_one_family(handler):
    first = _put("A", topic="test.upsert")[0]
    second = _put("A", topic="test.progress")[0]
    handler.plan[_key(first)] = [Dead("refused")]
    deliver_until_idle(now=_later(10**6))
    assert OutboxMessage.objects.get(pk=second.pk).status == OutboxStatus.PENDING
    assert handler.sent == []


def test_other_topic_families_are_left_alone(handler):
    (other,) = _put("A", topic="elsewhere.x")
    (mine,) = _put("A")
    deliver_due(prefixes=["test."])
    assert handler.sent == [_key(mine)]
    assert OutboxMessage.objects.get(pk=other.pk).status == OutboxStatus.PENDING


def test_a_batch_takes_a_prefix_of_each_aggregate(handler):
    m = _put("A", n=3)
    assert deliver_due(batch=2, prefixes=["test."]).delivered == 2
    assert deliver_due(batch=2, prefixes=["test."]).delivered == 1
    assert handler.sent == [_key(x) for x in m]


def test_a_claim_is_a_lease_that_expires_if_the_worker_dies(handler):
    (m,) = _put("A")
    at = timezone.now()
    assert [x.pk for x in _claim("test.", 10, at, outbox_conf())] == [m.pk]  # ...and the worker dies here
    assert deliver_due(now=at, prefixes=["test."]).claimed == 0
    assert (
        deliver_due(now=at + dt.timedelta(seconds=outbox_conf().lease_seconds + 1), prefixes=["test."]).delivered == 1
    )


def test_retry_backs_off_exponentially_with_jitter_then_gives_up(handler):
    (m,) = _put("A")
    handler.plan[_key(m)] = [Retry("down")] * 4
    at = timezone.now()
    delays = []
    for attempt in range(1, 4):
        deliver_due(now=at, prefixes=["test."])
        m.refresh_from_db()
        assert (m.status, m.attempts, m.last_error) == (OutboxStatus.FAILED, attempt, "down")
        delays.append((m.next_attempt_at - at).total_seconds())
        at = m.next_attempt_at
    assert 5 <= delays[0] <= 10 and 10 <= delays[1] <= 20 and 20 <= delays[2] <= 40
    deliver_due(now=at, prefixes=["test."])
    m.refresh_from_db()
    assert (m.status, m.attempts, m.last_error) == (OutboxStatus.DEAD, 4, "gave up after 4 attempts: down")
    event = AuditEvent.objects.get(action="outbox.dead")
    assert event.target_id == str(m.pk) and event.changes["error"] == m.last_error


def test_backoff_is_capped_and_jittered():
    conf = OutboxConf(base_delay_seconds=5, max_delay_seconds=60)
    rng = random.Random(7)
    for attempts, ceiling in ((1, 5), (2, 10), (4, 40), (5, 60), (30, 60), (500, 60)):
        values = [backoff_seconds(attempts, conf, rng) for _ in range(50)]
        assert all(ceiling / 2 <= v <= ceiling for v in values)
        assert len(set(values)) > 1


def test_retry_after_is_respected(handler):
    (m,) = _put("A")
    handler.plan[_key(m)] = [Retry("busy", retry_after=3600)]
    at = timezone.now()
    deliver_due(now=at, prefixes=["test."])
    m.refresh_from_db()
    assert m.next_attempt_at - at >= dt.timedelta(seconds=3600)


def test_dead_at_once_keeps_the_reason_and_blocks_the_aggregate(handler):
    a1, a2 = _put("A", n=2)
    handler.plan[_key(a1)] = [Dead("HTTP 400: MaTTHC required")]
    deliver_until_idle(now=_later(10**6))
    a1.refresh_from_db()
    assert (a1.status, a1.attempts, a1.last_error) == (OutboxStatus.DEAD, 1, "HTTP 400: MaTTHC required")
    assert OutboxMessage.objects.get(pk=a2.pk).status == OutboxStatus.PENDING


def test_a_handler_crash_is_a_retry_not_a_loss(handler, monkeypatch):
    (m,) = _put("A")

    def crash(messages):
        raise RuntimeError("bug")

    monkeypatch.setattr(handler, "deliver", crash)
    assert deliver_due(prefixes=["test."]).retried == 1
    m.refresh_from_db()
    assert m.status == OutboxStatus.FAILED and m.last_error == "handler error: RuntimeError('bug')"


def test_a_skipped_message_is_released_at_once(handler):
    (m,) = _put("A")
    handler.plan[_key(m)] = [Skipped("not now")]
    assert deliver_due(prefixes=["test."]).skipped == 1
    m.refresh_from_db()
    assert (m.status, m.attempts) == (OutboxStatus.PENDING, 0)
    assert m.next_attempt_at <= timezone.now()


def test_delivered_messages_are_confirmed_to_the_handler(handler):
    (m,) = _put("A")
    at = _later(1)
    deliver_due(now=at, prefixes=["test."])
    m.refresh_from_db()
    assert (m.status, m.attempts, m.delivered_at) == (OutboxStatus.DELIVERED, 1, at)
    assert handler.confirmed == [(_key(m), at)]


def test_unknown_prefix_is_an_error(handler):
    with pytest.raises(ValueError, match="no outbox handler"):
        deliver_due(prefixes=["nothing."])


def test_admin_retry_moves_only_failed_and_dead_and_is_audited_once(handler):
    failed, dead, pending = _put("A"), _put("B"), _put("C")
    delivered = _put("D")
    handler.plan[_key(failed[0])] = [Retry("x")]
    handler.plan[_key(dead[0])] = [Dead("y")]
    handler.plan[_key(pending[0])] = [Skipped()]
    deliver_due(prefixes=["test."])
    ids = [failed[0].pk, dead[0].pk, pending[0].pk, delivered[0].pk]
    assert outbox_retry(actor=ADMIN, message_ids=ids) == sorted([failed[0].pk, dead[0].pk])
    rows = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert [rows[i] for i in ids] == ["pending", "pending", "pending", "delivered"]
    assert OutboxMessage.objects.get(pk=dead[0].pk).attempts == 0
    event = AuditEvent.objects.get(action="outbox.retry")
    assert event.actor_label == "system:admin-test"
    assert event.changes["count"] == 2 and event.changes["from_status"] == {"failed": 1, "dead": 1}
    assert outbox_retry(actor=ADMIN, message_ids=ids) == []
    assert outbox_retry(actor=ADMIN, message_ids=[]) == []
    assert AuditEvent.objects.filter(action="outbox.retry").count() == 1
    deliver_due(prefixes=["test."])
    assert OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).count() == 0


def test_retry_all_takes_one_topic_family(handler):
    (mine,) = _put("A")
    handler.plan[_key(mine)] = [Dead("no")]
    deliver_due(prefixes=["test."])
    (other,) = _put("B", topic="elsewhere.x")
    OutboxMessage.objects.filter(pk=other.pk).update(status=OutboxStatus.DEAD)
    assert outbox_retry_all(actor=ADMIN, topic_prefix="test.") == [mine.pk]
    assert OutboxMessage.objects.get(pk=other.pk).status == OutboxStatus.DEAD
