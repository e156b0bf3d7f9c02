"""Reads for work items, always through the access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from twotier.core.text import fold
from twotier.org.access import scope
from twotier.org.permissions import P
from twotier.work.models import WorkItem


def my_work(*, user: Any, status: str | None = None, q: str = "") -> QuerySet[WorkItem]:
    """Items of the posts `user` holds now (open and past), newest due first within status."""
    qs = scope(WorkItem.objects.select_related("unit", "post"), user, P.WORK_ACT, unit_field=None, post_field="post")
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(title_folded__contains=fold(q))
    return qs.order_by("status", "due_at", "pk")


def unit_work(*, user: Any, status: str | None = None) -> QuerySet[WorkItem]:
    """All items in the units `user` oversees (leaders, administrators)."""
    qs = scope(WorkItem.objects.select_related("unit", "post"), user, P.WORK_VIEW_ALL, unit_field="unit")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "due_at", "pk")
