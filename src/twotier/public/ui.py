"""Readable names, for the audit log, of what happens on the citizen side (read by twotier.web.extensions)."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "dossier.rate": _("Dossier rated by the applicant"),
    "dossier.complain": _("Complaint about a dossier"),
    "notification.sent": _("Notification e-mail sent"),
}
AUDIT_GROUPS = {"notification": _("Notifications")}
AUDIT_FIELDS = {"rating": _("Rating"), "complaint": _("Complaint"), "via": _("Proved by")}
