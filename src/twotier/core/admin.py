"""Admin for core reference data. Writes go through the services, so they are validated and audited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from twotier.core.calendar_services import calendar_day_issues, calendar_day_remove, calendar_day_set
from twotier.core.models import CalendarDay


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name", "note"]

    def clean(self) -> dict[str, Any]:
        """Apply the service's rules so the admin shows them next to the fields."""
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        issues = calendar_day_issues(
            date=cleaned.get("date", self.instance.date),
            kind=cleaned.get("kind"),
            name=cleaned.get("name"),
            note=cleaned.get("note", ""),
        )
        for issue in issues:
            self.add_error(issue.field if issue.field in self.fields else None, issue.message)
        return cleaned


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ["date", "weekday", "kind", "name", "source", "note"]
    list_filter = ["year", "kind", "source"]
    search_fields = ["name", "note"]
    date_hierarchy = "date"
    ordering = ["date"]
    list_per_page = 100

    @admin.display(description="weekday")
    def weekday(self, obj: CalendarDay) -> str:
        """The day of the week, to spot weekend make-up days at a glance."""
        return obj.date.strftime("%a")

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarDay | None = None) -> list[str]:
        """The date identifies the entry: to move it, delete it and add a new one."""
        return ["date", "source"] if obj is not None else ["source"]

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        """Save through `calendar_day_set` (a saved entry becomes a manual one)."""
        saved = calendar_day_set(actor=request.user, date=obj.date, kind=obj.kind, name=obj.name, note=obj.note)
        obj.pk, obj.year, obj.source = saved.pk, saved.year, saved.source

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        """Delete through `calendar_day_remove`."""
        calendar_day_remove(actor=request.user, date=obj.date)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        """Bulk delete, one audited removal per entry."""
        for day in list(queryset.values_list("date", flat=True)):
            calendar_day_remove(actor=request.user, date=day)
