"""Django forms of the dossier pages: the worklist filters, receipt at the desk, and one small form per action.

(They live in the views package: `twotier.dossiers.forms` is the package of the printable PDF forms.)
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from twotier.core.citizen_id import parse_citizen_id
from twotier.core.errors import InvalidInput
from twotier.dossiers.models import Dossier
from twotier.dossiers.selectors import BOXES
from twotier.dossiers.services.receipt import Applicant, FeeChoice, Submission
from twotier.dossiers.status import Channel, ResultDelivery, Status
from twotier.dossiers.views.display import money
from twotier.dossiers.views.errors import issue_text
from twotier.dossiers.views.reads import earlier_steps, forward_posts
from twotier.org.models import Unit
from twotier.procedures.models import ComponentForm, ProcedureVersion

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class PlainForm(forms.Form):
    """A form whose labels carry no trailing colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Build the form without label suffixes."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class WorklistFilterForm(PlainForm):
    """Filters, search and sort of the worklists (every field optional; invalid values are ignored)."""

    box = forms.ChoiceField(required=False, choices=[(b, b) for b in BOXES], widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        required=False, choices=[("", ""), ("promised", ""), ("-promised", "")], widget=forms.HiddenInput
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Dossier code, applicant's name (accents optional) or 12-digit id number"),
    )
    procedure = forms.ChoiceField(label=_("Procedure"), required=False)
    channel = forms.TypedChoiceField(
        label=_("Channel"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All channels")), *Channel.choices],
    )
    status = forms.TypedChoiceField(
        label=_("Status"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All statuses")), *Status.choices],
    )
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DATE_WIDGET)
    received_to = forms.DateField(label=_("Received until"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, procedures: list[tuple[str, str]], **kwargs: Any) -> None:
        """Offer the procedures of the dossiers the account may see."""
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = [("", _("All procedures")), *procedures]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """Reject a date range whose end is before its start."""
        data = super().clean() or {}
        start, end = data.get("received_from"), data.get("received_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.add_error("received_to", _("The end date must not be before the start date."))
        return data


class ProcedureSearchForm(PlainForm):
    """The search of the first receipt step: which procedure is the applicant asking for?"""

    q = forms.CharField(
        label=_("Procedure name or code"),
        required=False,
        max_length=200,
        help_text=_("Accents are optional, for example “khai sinh” or “1.001193”."),
    )


def _component_label(spec: Any) -> str:
    form = dict(ComponentForm.choices).get(spec.form, spec.form)
    copies = ngettext("%(count)d copy", "%(count)d copies", spec.quantity) % {"count": spec.quantity}
    label = f"{spec.name} — {form}, {copies}"
    return f"{label} ({_('required')})" if spec.required else f"{label} ({_('if applicable')})"


class ReceiveForm(PlainForm):
    """Receipt at the desk: applicant, components received, fees, channel, on-behalf flag, result delivery."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    unit = forms.ChoiceField(label=_("Receiving desk"))
    applicant_name = forms.CharField(label=_("Applicant's full name"), max_length=200)
    applicant_id_number = forms.CharField(
        label=_("National id number"),
        required=False,
        max_length=12,
        help_text=_("12 digits, as on the citizen identity card."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    applicant_address = forms.CharField(label=_("Address"), required=False, max_length=500)
    applicant_phone = forms.CharField(
        label=_("Phone"), required=False, max_length=20, widget=forms.TextInput(attrs={"type": "tel"})
    )
    applicant_email = forms.EmailField(label=_("E-mail"), required=False)
    components = forms.MultipleChoiceField(
        label=_("Components received"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick each document the applicant hands in. Required ones are marked."),
    )
    fees = forms.MultipleChoiceField(label=_("Fees to collect"), required=False, widget=forms.CheckboxSelectMultiple)
    channel = forms.TypedChoiceField(
        label=_("How the dossier came in"),
        coerce=int,
        choices=[(Channel.IN_PERSON.value, Channel.IN_PERSON.label), (Channel.POST.value, Channel.POST.label)],
        initial=Channel.IN_PERSON,
        widget=forms.RadioSelect,
    )
    on_behalf = forms.BooleanField(
        label=_("Staff submit it on behalf of the citizen"),
        required=False,
        help_text=_("Tick when the citizen could not submit it themselves and you do it for them."),
    )
    result_delivery = forms.ChoiceField(
        label=_("How the result is returned"),
        choices=ResultDelivery.choices,
        initial=ResultDelivery.DESK,
        widget=forms.RadioSelect,
    )
    sets = forms.IntegerField(label=_("Number of sets"), min_value=1, max_value=20, initial=1)

    def __init__(self, *args: Any, version: ProcedureVersion, units: list[Unit], **kwargs: Any) -> None:
        """Offer the version's components and its fees that have an amount; a quantity for per-item fees."""
        super().__init__(*args, **kwargs)
        self.version = version
        self.units = {str(u.pk): u for u in units}
        self.fields["unit"].choices = [(str(u.pk), u.name) for u in units]  # type: ignore[attr-defined]
        if len(units) == 1:
            self.fields["unit"].initial = str(units[0].pk)
            self.fields["unit"].widget = forms.HiddenInput()
        self.specs = list(version.components.all())
        self.fields["components"].choices = [(s.code, _component_label(s)) for s in self.specs]  # type: ignore[attr-defined]
        lines = list(version.fee_lines.all())
        self.fee_lines = [f for f in lines if f.amount_vnd is not None]
        self.unpriced_fees = [f for f in lines if f.amount_vnd is None]
        self.fields["fees"].choices = [  # type: ignore[attr-defined]
            (f.code, f"{f.name} — {money(f.amount_vnd or 0)}" + (f" / {f.per}" if f.per else ""))
            for f in self.fee_lines
        ]
        self.fields["fees"].initial = [f.code for f in self.fee_lines if not f.per]
        self.quantity_fields = []
        for line in self.fee_lines:
            if line.per:
                name = f"fee_qty_{line.code}"
                self.fields[name] = forms.IntegerField(
                    label=_("Quantity for “%(fee)s”") % {"fee": line.name},
                    min_value=1,
                    max_value=100,
                    initial=1,
                    required=False,
                )
                self.quantity_fields.append(name)
        if not self.fee_lines:
            del self.fields["fees"]

    def quantity_inputs(self) -> list[forms.BoundField]:
        """The quantity fields of the per-item fees."""
        return [self[name] for name in self.quantity_fields]

    def clean_applicant_id_number(self) -> str:
        """Check the structure of the id number (12 digits, a province code, a century that has begun)."""
        value = str(self.cleaned_data.get("applicant_id_number") or "").strip()
        if value:
            try:
                parse_citizen_id(value, field="applicant_id_number")
            except InvalidInput as exc:
                raise forms.ValidationError([issue_text(i) for i in exc.fields]) from exc
        return value

    def clean_components(self) -> list[str]:
        """Every required component must be ticked; name the missing ones."""
        chosen = list(self.cleaned_data.get("components") or [])
        missing = [s.name for s in self.specs if s.required and s.code not in chosen]
        if missing:
            raise forms.ValidationError(
                _("Tick every required component. Missing: %(names)s.") % {"names": "; ".join(missing)}
            )
        return chosen

    def submission(self) -> Submission:
        """The service's submission built from the cleaned data."""
        data = self.cleaned_data
        fees = []
        for code in data.get("fees") or []:
            quantity = data.get(f"fee_qty_{code}") or 1
            fees.append(FeeChoice(code=code, quantity=int(quantity)))
        return Submission(
            procedure_code=self.version.procedure.code,
            applicant=Applicant(
                name=data["applicant_name"],
                id_number=data.get("applicant_id_number", ""),
                address=data.get("applicant_address", ""),
                phone=data.get("applicant_phone", ""),
                email=data.get("applicant_email", ""),
            ),
            components=list(data.get("components") or []),
            fees=fees,
            result_delivery=data["result_delivery"],
            sets=data["sets"],
        )

    def receiving_unit(self) -> Unit:
        """The desk chosen (one of the account's receiving units)."""
        return self.units[self.cleaned_data["unit"]]


# ------------------------------------------------------------------ one small form per action

REASON_WIDGET = forms.Textarea(attrs={"rows": 3})


class ActionForm(PlainForm):
    """A transition form: the dossier version the page showed travels in a hidden field (stale → conflict)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    destructive = False

    def __init__(self, *args: Any, dossier: Dossier, action: str, **kwargs: Any) -> None:
        """Bind the form to `dossier`; field ids are prefixed with the action so several forms share a page."""
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("expected_version", dossier.version)
        super().__init__(*args, **kwargs)
        self.dossier = dossier
        self.action = action

    def service_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of the service call (the version check included)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "confirm"}


class ConfirmMixin(forms.Form):
    """A second, explicit consent for actions that end the dossier."""

    confirm = forms.BooleanField(
        label=_("I confirm: this ends the dossier and cannot be undone."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class ReceiveRegisteredForm(ActionForm):
    """Receive an online registration."""

    on_behalf = forms.BooleanField(label=_("Staff submitted it on behalf of the citizen"), required=False)


class ReasonForm(ActionForm):
    """An action that needs a reason."""

    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=REASON_WIDGET)


class RefuseForm(ConfirmMixin, ReasonForm):
    """Refuse at reception (form 03)."""

    destructive = True


class StopForm(ConfirmMixin, ReasonForm):
    """Stop processing (form 05)."""

    destructive = True


class WithdrawForm(ConfirmMixin, ReasonForm):
    """Withdraw at the applicant's request."""

    destructive = True


class KeyedActionForm(ActionForm):
    """An action whose service takes a request key: a second submit of the same form is recognised."""

    request_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """A fresh key per rendered form."""
        super().__init__(*args, **kwargs)
        self.fields["request_key"].initial = secrets.token_urlsafe(16)


class ForwardForm(KeyedActionForm):
    """Forward to the next step, optionally to a chosen post there."""

    to_post = forms.ChoiceField(label=_("Send to"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=REASON_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Offer the posts that may act at the next step."""
        super().__init__(*args, **kwargs)
        choices = [("", _("Anyone who handles the next step")), *forward_posts(self.dossier)]
        self.fields["to_post"].choices = choices  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        """An empty post choice means no particular post."""
        data = super().service_kwargs()
        data["to_post"] = data.get("to_post") or None
        return data


class ReturnStepForm(KeyedActionForm):
    """Send the dossier back to an earlier step with the reason."""

    to_step = forms.ChoiceField(label=_("Return to step"))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=REASON_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Offer the processing steps before the current one."""
        super().__init__(*args, **kwargs)
        self.fields["to_step"].choices = earlier_steps(self.dossier)  # type: ignore[attr-defined]


class SupplementForm(ActionForm):
    """Ask for missing documents, once (form 02)."""

    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=REASON_WIDGET)
    items = forms.CharField(
        label=_("Documents to add"),
        required=False,
        max_length=4000,
        help_text=_("One document per line."),
        widget=REASON_WIDGET,
    )

    def clean_items(self) -> list[str]:
        """One item per non-empty line."""
        return [line.strip() for line in str(self.cleaned_data.get("items") or "").splitlines() if line.strip()]


class NoteForm(ActionForm):
    """An action with an optional note."""

    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=REASON_WIDGET)


class CashForm(ActionForm):
    """Record a cash payment of the fees due."""

    amount_vnd = forms.IntegerField(label=_("Amount received (VND)"), min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Prefill the fees due."""
        super().__init__(*args, **kwargs)
        self.fields["amount_vnd"].initial = self.dossier.fee_total
        self.fields["amount_vnd"].help_text = _("Fees due: %(amount)s") % {"amount": money(self.dossier.fee_total)}


class ApologyForm(ActionForm):
    """Apologise and set a new return date, once (form 04)."""

    reason = forms.CharField(label=_("Reason for the delay"), max_length=2000, widget=REASON_WIDGET)
    new_promised_at = forms.DateTimeField(
        label=_("New return date and time"),
        input_formats=[DATETIME_FORMAT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class ApproveForm(ActionForm):
    """Approve: the result document's name and number."""

    result_name = forms.CharField(label=_("Result document"), max_length=300)
    result_number = forms.CharField(label=_("Number and symbol"), required=False, max_length=64)
    issue_electronic = forms.BooleanField(
        label=_("Issue the electronic result, signed with the agency's certificate"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dossier = getattr(self, "dossier", None)
        if dossier is not None:  # ticked when the issuing agency can sign
            from twotier.dossiers.result_document import signing_unit_for
            from twotier.signing.selectors import certificate_active_for

            self.fields["issue_electronic"].initial = certificate_active_for(signing_unit_for(dossier)) is not None


class ReturnResultForm(ActionForm):
    """Hand the result over."""

    delivery = forms.ChoiceField(label=_("How the result is returned"), choices=ResultDelivery.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Default to the delivery chosen at receipt."""
        super().__init__(*args, **kwargs)
        self.fields["delivery"].initial = self.dossier.result_delivery


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "receive": ReceiveRegisteredForm,
    "refuse": RefuseForm,
    "forward": ForwardForm,
    "return": ReturnStepForm,
    "request_supplement": SupplementForm,
    "supplement_received": NoteForm,
    "request_payment": NoteForm,
    "record_payment": CashForm,
    "apologise": ApologyForm,
    "stop": StopForm,
    "withdraw": WithdrawForm,
    "approve": ApproveForm,
    "return_result": ReturnResultForm,
}
