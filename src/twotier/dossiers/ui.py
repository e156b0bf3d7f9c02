"""What the dossiers app adds to the UI shell: its menu entries and the labels of its audit events."""

from django.utils.translation import gettext_lazy as _

from twotier.dossiers.views.labels import ACTION_EVENTS, COMPONENT_EVENTS
from twotier.org.permissions import P

NAV_ENTRIES = [
    {
        # Every standard role with a dossier permission has DOSSIER_VIEW; the page itself accepts any of them.
        "key": "dossiers",
        "label": _("One-stop dossiers"),
        "url_name": "dossiers:list",
        "permission": P.DOSSIER_VIEW,
        "order": 20,
        "active_for": ("dossiers:detail", "dossiers:action"),
    },
    {
        "key": "dossiers_receive",
        "label": _("Receive a dossier"),
        "url_name": "dossiers:receive",
        "permission": P.DOSSIER_RECEIVE,
        "order": 21,
        "active_for": ("dossiers:receive_form",),
    },
]
AUDIT_ACTIONS = {
    **{f"dossier.{code}": label for code, label in ACTION_EVENTS.items()},
    **COMPONENT_EVENTS,
}
AUDIT_GROUPS = {"dossier": _("One-stop dossiers")}
AUDIT_FIELDS = {
    "promised_at": _("Promised return"),
    "result": _("Result"),
    "delivery": _("Result delivery"),
    "method": _("Payment method"),
    "amount_vnd": _("Amount (VND)"),
    "reference": _("Reference"),
    "dossier": _("Dossier"),
    "component": _("Component"),
    "digitised": _("Digitised"),
    "sha256": _("Checksum"),
}
