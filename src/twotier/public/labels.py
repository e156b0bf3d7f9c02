"""Plain words for citizens: what each status means, what happened at each step, why a file or an id was refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from twotier.dossiers.status import Status

STATUS_HELP: dict[int, Promise] = {
    Status.REGISTERED: _(
        "Your dossier was submitted online. The one-stop desk will check it and receive it; "
        "you will be told when it is received."
    ),
    Status.RECEIVED: _("The one-stop desk has received your dossier; processing has started."),
    Status.REFUSED: _("The dossier was not accepted. The reason is shown in the history below."),
    Status.PROCESSING: _("Your dossier is being processed."),
    Status.SUPPLEMENT_REQUESTED: _(
        "Please bring or send the documents asked for to the one-stop desk. The time limit is paused until they arrive."
    ),
    Status.PAYMENT_REQUESTED: _("Please pay the fees of the dossier at the one-stop desk."),
    Status.WITHDRAWN: _("The dossier was withdrawn."),
    Status.STOPPED: _("Processing of the dossier was stopped. The reason is shown in the history below."),
    Status.PROCESSED: _("The result is ready."),
    Status.RETURNED: _("The result has been handed over."),
}

HISTORY: dict[str, Promise] = {
    "register_online": _("The dossier was submitted online."),
    "receive": _("The one-stop desk received the dossier."),
    "refuse": _("The dossier was not accepted."),
    "forward": _("The dossier moved on to the next step of processing."),
    "return": _("The dossier went back to an earlier step to be checked again."),
    "request_supplement": _("Additional documents were requested; the time limit is paused."),
    "supplement_received": _("The additional documents were received; processing continues."),
    "request_payment": _("Payment of the fees was requested."),
    "record_payment": _("The payment was recorded."),
    "apologise": _("The agency apologised for the delay and set a new return date."),
    "stop": _("Processing was stopped."),
    "withdraw": _("The dossier was withdrawn."),
    "approve": _("The result is ready."),
    "return_result": _("The result was handed over."),
}

RATING_LABELS: dict[str, Promise] = {"like": _("Satisfied"), "dislike": _("Not satisfied")}

UPLOAD_RULES: dict[str, Promise] = {
    "file_empty": _("The file is empty."),
    "file_type": _("Only PDF, JPEG and PNG files are accepted."),
    "file_extension": _("The file's name does not match its content; rename it or choose the right file."),
    "file_content_type": _("The file's name does not match its content; rename it or choose the right file."),
    "pdf_active_content": _(
        "PDF files with active content (scripts, actions) are not accepted; print or export the document "
        "to a plain PDF."
    ),
    "pdf_embedded_file": _(
        "PDF files with embedded files are not accepted; print or export the document to a plain PDF."
    ),
    "pdf_encrypted": _("Password-protected PDF files are not accepted."),
    "pdf_malformed": _("The PDF file cannot be read; scan or export it again."),
    "image_pixels": _("The image has too many pixels; scan it at a lower resolution."),
    "image_malformed": _("The image cannot be read; take the photo or scan it again."),
}

CITIZEN_ID_RULES: dict[str, Promise] = {
    "twelve_digits": _("The national id number must be exactly 12 digits."),
    "province_code": _("The first three digits must be a province code (001–096)."),
    "gender_century": _("The fourth digit (gender and century of birth) does not fit a real birth year."),
    "birth_year": _("The birth year in the number (digits 5 and 6) is in the future."),
}

SERVICE_RULES: dict[str, Promise] = {
    "receiving_unit": _("This commune or ward does not receive dossiers online; choose another."),
    "online_submission": _("This procedure cannot be submitted online; submit it at the one-stop desk."),
    "published_procedure": _("This procedure is no longer offered."),
    "required_components": _("Some required documents are missing."),
    "known_component": _("A document does not belong to this procedure."),
}

CONFLICTS: dict[str, Promise] = {
    "rating_final": _("You have already rated this dossier; a rating cannot be changed."),
    "complaint_exists": _(
        "Your complaint about this dossier is already recorded. To add to it, contact the one-stop desk."
    ),
    "feedback_not_open": _("Feedback opens once the dossier has a result."),
    "idempotency_mismatch": _(
        "This form was already used to submit a dossier. Open the procedure again to submit a new one."
    ),
}


def local_moment(value: dt.datetime | None) -> str:
    """A date and time in the site's zone, in the active language's format."""
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), "d/m/Y H:i")


def history_text(action: str, *, dossier: Any = None, new_date: dt.datetime | None = None) -> str:
    """What a status change means to the applicant, in the active language."""
    label = HISTORY.get(action)
    text = str(label) if label is not None else gettext("The dossier was updated.")
    if action == "receive" and dossier is not None and dossier.original_promised_at is not None:
        text += " " + gettext("Promised return date: %(date)s.") % {"date": local_moment(dossier.original_promised_at)}
    if new_date is not None:
        text += " " + gettext("New return date: %(date)s.") % {"date": local_moment(new_date)}
    return text


def upload_message(rule: str, fallback: str, *, limit_bytes: int | None = None) -> str:
    """The citizen-facing message for an upload refused by rule `rule`."""
    if rule == "file_size" and limit_bytes:
        return gettext("The file is larger than the limit of %(limit)s MB.") % {
            "limit": f"{limit_bytes / (1024 * 1024):.0f}"
        }
    label = UPLOAD_RULES.get(rule)
    return str(label) if label is not None else fallback


def service_message(rule: str, fallback: str) -> str:
    """The citizen-facing message for a field rule a dossier service reported."""
    label = SERVICE_RULES.get(rule)
    return str(label) if label is not None else fallback


def conflict_message(code: str, fallback: str) -> str:
    """The citizen-facing message for a Conflict code."""
    label = CONFLICTS.get(code)
    return str(label) if label is not None else fallback
