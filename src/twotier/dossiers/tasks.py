"""Background work of the dossiers (Huey): thin, idempotent, take ids, enqueued on commit."""

from __future__ import annotations

from huey.contrib.djhuey import HUEY, db_task
from huey.exceptions import TaskLockedException

from twotier.dossiers.notifications import deliver


@db_task(retries=3, retry_delay=120)
def send_dossier_notification(dossier_id: int, kind: str, status_change_seq: int) -> str:
    """E-mail the applicant about one status change (see twotier.dossiers.notifications); sends at most once.

    A lock per notification keeps two workers from sending the same e-mail at the same moment; the
    audit record written after sending makes later retries and duplicates no-ops.
    """
    try:
        with HUEY.lock_task(f"dossier-notification:{dossier_id}:{kind}:{status_change_seq}"):
            return deliver(dossier_id, kind, status_change_seq)
    except TaskLockedException:
        return "in_progress"
