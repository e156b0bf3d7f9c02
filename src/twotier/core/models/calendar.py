"""The per-year calendar table: public holidays and declared swap days."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    DAY_OFF = "day_off", _("Extra day off (swap)")
    WORKING_DAY = "working_day", _("Make-up working day (swap)")


class CalendarDay(models.Model):
    """An exception to the normal working week for one date."""

    date = models.DateField(unique=True)
    year = models.PositiveSmallIntegerField(db_index=True, editable=False)
    kind = models.CharField(max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(max_length=32, default="manual", help_text="holidays package or manual")
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.kind} {self.name}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Keep the year column in step with the date."""
        self.year = self.date.year
        super().save(*args, **kwargs)
