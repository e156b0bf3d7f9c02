"""Filter forms for the list pages: every field is optional and labelled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from twotier.org.models import UnitType
from twotier.web.labels import action_choices
from twotier.work.models import WorkStatus


class FilterForm(forms.Form):
    """A GET filter form whose labels carry no trailing colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Build the form without label suffixes."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class WorkFilterForm(FilterForm):
    """Filters of the "my work" page."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*WorkStatus.choices, ("all", _("All"))],
    )


class UnitFilterForm(FilterForm):
    """Filters of the unit list."""

    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types")), *UnitType.choices])


class AuditFilterForm(FilterForm):
    """Filters of the audit log."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Account"), required=False, max_length=150)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Offer the audit actions registered at the time the form is built, grouped."""
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions")), *action_choices()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        """Reject a range whose end is before its start."""
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data
