"""What the national-portal app adds to the UI shell: its menu entry and audit labels."""

from django.utils.translation import gettext_lazy as _

from twotier.org.permissions import P

NAV_ENTRIES = [
    {
        "key": "portal_sync",
        "label": _("Portal sync"),
        "url_name": "nationalportal:backlog",
        "permission": P.UNIT_MANAGE,
        "order": 75,
        "active_for": ("nationalportal:dossier_sync",),
    }
]
AUDIT_ACTIONS = {
    "outbox.retry": _("Portal messages queued to be sent again"),
    "outbox.dead": _("Portal message refused, sending stopped"),
}
AUDIT_GROUPS = {"outbox.": _("National portal sync")}
