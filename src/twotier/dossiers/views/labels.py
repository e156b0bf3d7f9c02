"""Readable, translatable names of the dossier actions: the button (a verb) and the record (what happened)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# What a button or a form says: the action to take.
ACTION_VERBS: dict[str, Promise] = {
    "receive": _("Receive the dossier"),
    "refuse": _("Refuse the dossier"),
    "forward": _("Forward to the next step"),
    "return": _("Return to an earlier step"),
    "request_supplement": _("Request a supplement"),
    "supplement_received": _("Record the supplement"),
    "request_payment": _("Request payment of the fees"),
    "record_payment": _("Record a cash payment"),
    "apologise": _("Apologise and set a new date"),
    "stop": _("Stop processing"),
    "withdraw": _("Withdraw at the applicant's request"),
    "approve": _("Approve and record the result"),
    "return_result": _("Return the result"),
}

# What the history says: the action that was taken.
ACTION_EVENTS: dict[str, Promise] = {
    "register_online": _("Registered online"),
    "receive": _("Dossier received"),
    "refuse": _("Dossier refused"),
    "forward": _("Forwarded to the next step"),
    "return": _("Returned to an earlier step"),
    "request_supplement": _("Supplement requested"),
    "supplement_received": _("Supplement received"),
    "request_payment": _("Payment requested"),
    "record_payment": _("Payment recorded"),
    "apologise": _("Apology sent, new return date"),
    "stop": _("Processing stopped"),
    "withdraw": _("Dossier withdrawn"),
    "approve": _("Result approved"),
    "return_result": _("Result returned"),
}

COMPONENT_EVENTS: dict[str, Promise] = {
    "dossier.component_upload": _("Component file added"),
    "dossier.component_digitised": _("Component digitised"),
    "dossier.component_reuse": _("Earlier document reused"),
}

TIMELINESS: dict[str, Promise] = {
    "early": _("Early"),
    "on_time": _("On time"),
    "late": _("Late"),
}


def action_event(code: str) -> str | Promise:
    """The history label of a transition code (the code itself when unknown)."""
    return ACTION_EVENTS.get(code, code)
