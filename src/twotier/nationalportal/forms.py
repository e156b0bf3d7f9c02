"""The backlog page's filter form (every field optional)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from twotier.core.models import OutboxStatus

STATUS_CHOICES = [("undelivered", _("Not delivered yet")), *OutboxStatus.choices, ("", _("All"))]
SERVICE_CHOICES = [
    ("", _("Both services")),
    ("DongBoHoSoMC", _("Dossier document (DongBoHoSoMC)")),
    ("CapNhatTienDoHoSoMC", _("Progress event (CapNhatTienDoHoSoMC)")),
]


class BacklogFilterForm(forms.Form):
    """Filter the backlog by status, service and dossier code."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    topic = forms.ChoiceField(label=_("Service"), required=False, choices=SERVICE_CHOICES)
    dossier = forms.CharField(label=_("Dossier code"), required=False, max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Build the form without label suffixes."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
