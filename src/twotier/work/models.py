"""Work items: every piece of work belongs to a unit and a post, never to a person."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from twotier.org.models import Post, Unit


class WorkStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class WorkItem(models.Model):
    """One item in a post's inbox: a task, or a pointer to a dossier/document step (later apps)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="work_items")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="work_items", null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=32, default="task")
    title = models.CharField(_("title"), max_length=300)
    title_folded = models.CharField(max_length=300, editable=False, db_index=True)
    status = models.CharField(_("status"), max_length=8, choices=WorkStatus.choices, default=WorkStatus.OPEN)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["status", "due_at", "pk"]
        indexes = [
            models.Index(fields=["post", "status", "due_at"], name="work_post_status_due"),
            models.Index(fields=["unit", "status", "due_at"], name="work_unit_status_due"),
        ]

    def __str__(self) -> str:
        return self.title
