"""The outbox handler for the national portal's topics (`portal.*`): batches records per service call.

A claimed batch is sent in waves: wave k holds the k-th pending message of every dossier, so one
call never carries two messages of the same dossier and a refused record can block the later
messages of its dossier without touching the others. Within a wave, upserts go before progress
events and each service gets one call per `NATIONAL_PORTAL_MAX_RECORDS` records.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from twotier.core.models import OutboxMessage
from twotier.core.outbox_delivery import Dead, Delivered, Outcome, Retry, Skipped
from twotier.dossiers.models import Dossier
from twotier.dossiers.portal import TOPIC_PROGRESS, TOPIC_UPSERT
from twotier.nationalportal.client import PortalClient, PortalError
from twotier.nationalportal.conf import portal_conf

PREFIX = "portal."
SERVICES = {TOPIC_UPSERT: "DongBoHoSoMC", TOPIC_PROGRESS: "CapNhatTienDoHoSoMC"}
TOPIC_ORDER = (TOPIC_UPSERT, TOPIC_PROGRESS)

_local = threading.local()


def portal_client() -> PortalClient:
    """This thread's client (kept between rounds for its connection and session; rebuilt when settings change)."""
    conf = portal_conf()
    client: PortalClient | None = getattr(_local, "client", None)
    if client is None or client.conf != conf:
        if client is not None:
            client.close()
        client = PortalClient(conf)
        _local.client = client
    return client


def portal_record(message: OutboxMessage, public_base_url: str) -> dict[str, Any]:
    """The record sent for `message`: its payload, with result links made absolute."""
    record = dict(message.payload)
    results = record.get("DanhSachGiayToKetQua")
    if isinstance(results, list):
        record["DanhSachGiayToKetQua"] = [
            {**item, "DuongDanTepTinKetQua": public_base_url + item["DuongDanTepTinKetQua"]}
            if isinstance(item, dict) and str(item.get("DuongDanTepTinKetQua", "")).startswith("/")
            else item
            for item in results
        ]
    return record


def _key(message: OutboxMessage) -> tuple[str, str]:
    return message.aggregate_type, message.aggregate_id


def _waves(messages: Sequence[OutboxMessage]) -> list[list[OutboxMessage]]:
    """Wave k: the k-th message (in id order) of every aggregate."""
    by_aggregate: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
    for m in sorted(messages, key=lambda m: m.pk):
        by_aggregate[_key(m)].append(m)
    depth = max((len(v) for v in by_aggregate.values()), default=0)
    return [[ms[k] for ms in by_aggregate.values() if len(ms) > k] for k in range(depth)]


class _Unavailable(Exception):
    """The portal failed a whole call for a reason that will hit every other call too."""

    def __init__(self, error: PortalError):
        super().__init__(str(error))
        self.error = error


class PortalHandler:
    """Delivers `portal.*` outbox messages through a PortalClient."""

    def __init__(self, client_factory: Callable[[], PortalClient] = portal_client):
        self.client_factory = client_factory

    def deliver(self, messages: Sequence[OutboxMessage]) -> Mapping[int, Outcome]:
        """Send the claimed messages wave by wave; stop at the first call the portal fails as a whole."""
        outcomes: dict[int, Outcome] = {}
        blocked: set[tuple[str, str]] = set()
        sendable = []
        for m in messages:
            if m.topic in SERVICES:
                sendable.append(m)
            else:
                outcomes[m.pk] = Dead(f"no national-portal service for topic {m.topic!r}")
                blocked.add(_key(m))
        conf = portal_conf()
        client = self.client_factory()
        try:
            for wave in _waves(sendable):
                for topic in TOPIC_ORDER:
                    group = [m for m in wave if m.topic == topic and _key(m) not in blocked]
                    for start in range(0, len(group), conf.max_records):
                        chunk = group[start : start + conf.max_records]
                        self._send(client, SERVICES[topic], chunk, conf.public_base_url, outcomes, blocked)
        except _Unavailable as exc:
            for m in messages:
                if m.pk not in outcomes:
                    outcomes[m.pk] = Retry(f"not sent, the portal failed a call: {exc.error}", exc.error.retry_after)
        for m in messages:
            if m.pk not in outcomes:
                outcomes[m.pk] = Skipped(f"an earlier message of {m.aggregate_id} is not delivered yet")
        return outcomes

    def _send(
        self,
        client: PortalClient,
        service: str,
        chunk: list[OutboxMessage],
        base_url: str,
        outcomes: dict[int, Outcome],
        blocked: set[tuple[str, str]],
    ) -> None:
        """One call for `chunk`; a call refused as a whole is split so that only the bad records die."""
        try:
            results = client.call(service, [portal_record(m, base_url) for m in chunk])
        except PortalError as exc:
            if not exc.permanent:
                for m in chunk:
                    outcomes[m.pk] = Retry(str(exc), exc.retry_after)
                raise _Unavailable(exc) from exc
            if len(chunk) == 1:
                outcomes[chunk[0].pk] = Dead(f"{service} refused: {exc}")
                blocked.add(_key(chunk[0]))
                return
            for m in chunk:
                self._send(client, service, [m], base_url, outcomes, blocked)
            return
        for m, result in zip(chunk, results, strict=True):
            if result.ok:
                outcomes[m.pk] = Delivered()
                continue
            blocked.add(_key(m))
            error = f"{service} refused the record: {result.code}: {result.message}"
            outcomes[m.pk] = Retry(error) if result.retryable else Dead(error)

    def on_delivered(self, messages: Sequence[OutboxMessage], *, at: dt.datetime) -> None:
        """Mark dossiers whose whole document reached the portal (Dossier.portal_synced_at)."""
        codes = {m.aggregate_id for m in messages if m.topic == TOPIC_UPSERT and m.aggregate_type == "dossier"}
        if codes:
            Dossier.objects.filter(code__in=codes).update(portal_synced_at=at)
