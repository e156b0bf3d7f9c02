"""Settings of outbox delivery (retries, backoff, batching), read from TWOTIER_OUTBOX_* variables."""

from __future__ import annotations

from dataclasses import dataclass

from twotier.env import env_int


@dataclass(frozen=True)
class OutboxConf:
    """How the delivery worker claims, retries and gives up."""

    base_delay_seconds: int = 5
    max_delay_seconds: int = 3600
    max_attempts: int = 12
    batch: int = 500
    lease_seconds: int = 300
    task_seconds: int = 50
    poll_seconds: int = 2


def outbox_conf() -> OutboxConf:
    """Read the outbox settings from the environment (read at each call, so tests and operators can change them)."""
    base = env_int("OUTBOX_RETRY_BASE_SECONDS", 5, minimum=1)
    return OutboxConf(
        base_delay_seconds=base,
        max_delay_seconds=env_int("OUTBOX_RETRY_MAX_SECONDS", 3600, minimum=base),
        max_attempts=env_int("OUTBOX_MAX_ATTEMPTS", 12, minimum=1),
        batch=env_int("OUTBOX_BATCH", 500, minimum=1),
        lease_seconds=env_int("OUTBOX_LEASE_SECONDS", 300, minimum=10),
        task_seconds=env_int("OUTBOX_TASK_SECONDS", 50, minimum=0),
        poll_seconds=env_int("OUTBOX_POLL_SECONDS", 2, minimum=1),
    )
