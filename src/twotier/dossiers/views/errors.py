"""Domain errors as the pages show them: each field issue next to its field, conflicts as one plain message."""

from __future__ import annotations

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from twotier.core.errors import Conflict, FieldIssue, InvalidInput

# What each validation rule of the services says to a clerk (falls back to the service's message).
RULE_MESSAGES: dict[str, Promise] = {
    "required": _("This field is required."),
    "twelve_digits": _("The national id number must be exactly 12 digits."),
    "province_code": _("The first three digits of the id number are not a province code (001–096)."),
    "gender_century": _("The fourth digit of the id number gives a century that has not begun."),
    "birth_year": _("The birth year in the id number is in the future."),
    "required_components": _("Tick every required component: the dossier is not complete without them."),
    "known_component": _("One of the ticked components does not belong to this procedure."),
    "known_fee": _("One of the ticked fees does not belong to this procedure."),
    "fee_amount_set": _("A ticked fee has no amount set yet and cannot be charged."),
    "quantity_range": _("A fee quantity must be between 1 and 100."),
    "choice": _("Choose one of the options offered."),
    "range": _("Enter between 1 and 20 sets."),
    "desk_channel": _("At the desk, choose “in person” or “by post”."),
    "agency_id": _("This desk has no electronic agency id yet; ask the administrator to set it."),
    "published_procedure": _("This procedure has no published version and cannot be received."),
    "online_submission": _("This procedure cannot be submitted online."),
    "earlier_step": _("Choose a processing step before the current one (not reception)."),
    "known_step": _("Choose a step of this dossier's process."),
    "post_in_step_unit": _("Choose a post of the unit that handles the next step."),
    "post_role": _("That post cannot act at the next step."),
    "after_promised": _("Pick a date after the current promised date."),
    "equals_fees_due": _("The amount must equal the fees due."),
}

# What each conflict code of the services says (illegal moves, once-only rules, stale versions).
CONFLICT_MESSAGES: dict[str, Promise] = {
    "stale_version": _(
        "The dossier was updated by someone else while you were working on it. "
        "Nothing was changed: check its current state below and try again."
    ),
    "illegal_transition": _("This action is not possible in the dossier's current state. Nothing was changed."),
    "action_not_at_step": _("This action is not available at the dossier's current step. Nothing was changed."),
    "supplement_once": _("A supplement may be requested only once for a dossier."),
    "apology_once": _("An apology with a new date was already sent; the date may be moved only once."),
    "apology_too_late": _("An apology must be sent at least one working day before the promised date."),
    "no_fees": _("This dossier has no fees to pay."),
    "forward_past_approve": _("The next step is reached by approving the result, not by forwarding."),
    "no_electronic_result": _("There is no electronic result to return electronically."),
    "idempotency_mismatch": _("This form was already sent with other data. Open the form again and fill it in."),
}
CONFLICT_FALLBACK = _("This action is not possible now. Nothing was changed.")
FORBIDDEN_MESSAGE = _("You may not do this: the dossier is at a step handled by another post or unit.")


def issue_text(issue: FieldIssue) -> str:
    """The message shown for one field issue: the rule in plain words, else the service's own message."""
    known = RULE_MESSAGES.get(issue.rule)
    return str(known) if known is not None else issue.message


def conflict_text(exc: Conflict) -> str:
    """The message shown for a conflict (a 409)."""
    return str(CONFLICT_MESSAGES.get(exc.code, CONFLICT_FALLBACK))


def attach_issues(form: forms.Form, exc: InvalidInput, field_map: dict[str, str] | None = None) -> None:
    """Put each issue of `exc` on its form field (renamed by `field_map`), or on the form when it has none."""
    mapping = field_map or {}
    for issue in exc.fields or [FieldIssue("", "invalid", exc.message)]:
        name = mapping.get(issue.field, issue.field)
        form.add_error(name if name in form.fields else None, issue_text(issue))
