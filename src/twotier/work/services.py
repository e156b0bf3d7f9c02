"""Writes for work items."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from twotier.core.audit import audit_record
from twotier.core.errors import FieldIssue, InvalidInput
from twotier.core.text import fold, nfc
from twotier.org.access import get_scoped
from twotier.org.models import Post
from twotier.org.permissions import P
from twotier.work.models import WorkItem, WorkStatus


@transaction.atomic
def work_item_create(
    *,
    actor: Any,
    post: Post,
    title: str,
    due_at: dt.datetime | None = None,
    kind: str = "task",
    is_demo=False,
) -> WorkItem:
    """Put a new item in `post`'s inbox."""
    title = nfc(title.strip())
    if not title:
        raise InvalidInput("Title is required", [FieldIssue("title", "required", "Enter a title")])
    item = WorkItem.objects.create(
        unit=post.unit,
        post=post,
        title=title,
        title_folded=fold(title),
        due_at=due_at,
        kind=kind,
        is_demo=is_demo,
    )
    audit_record(
        actor=actor,
        action="work.create",
        target=item,
        unit_id=post.unit_id,
        post_id=post.pk,
        changes={"title": title, "due_at": due_at},
    )
    return item


@transaction.atomic
def work_item_complete(*, actor: Any, item_id: int) -> WorkItem:
    """Mark an item done; repeating it changes nothing."""
    item = get_scoped(
        WorkItem.objects.select_for_update(),
        actor,
        P.WORK_ACT,
        pk=item_id,
        unit_field=None,
        post_field="post",
    )
    if item.status == WorkStatus.DONE:
        return item
    item.status = WorkStatus.DONE
    item.closed_at = timezone.now()
    item.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=actor,
        action="work.complete",
        target=item,
        unit_id=item.unit_id,
        post_id=item.post_id,
        changes={"status": ["open", "done"]},
    )
    return item
