"""Background delivery of the national-portal outbox (Huey). Thin and idempotent: it only runs the worker."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from twotier.core.outbox_conf import outbox_conf
from twotier.core.outbox_delivery import deliver_for


@db_periodic_task(crontab(minute="*"))
@HUEY.lock_task("outbox-delivery")
def deliver_outbox() -> dict[str, int]:
    """Every minute (Huey's finest schedule), deliver for TWOTIER_OUTBOX_TASK_SECONDS, polling every few seconds.

    So a dossier change reaches the portal within TWOTIER_OUTBOX_POLL_SECONDS; the lock keeps one
    such run at a time (a run still going makes the next one a no-op). Deployments that prefer a
    dedicated process run `manage.py deliver_outbox --loop` instead.
    """
    conf = outbox_conf()
    return deliver_for(seconds=conf.task_seconds, poll_seconds=conf.poll_seconds).as_dict()
