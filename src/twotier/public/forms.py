"""Forms of the citizen pages. Labels carry no trailing colon; every message says what to do."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from twotier.core.citizen_id import parse_citizen_id
from twotier.core.errors import InvalidInput
from twotier.core.text import nfc
from twotier.dossiers.services.feedback import COMPLAINT_MAX_LENGTH
from twotier.dossiers.services.receipt import Applicant, Submission
from twotier.dossiers.status import ResultDelivery
from twotier.dossiers.uploads import InspectedFile, inspect_upload, upload_max_bytes
from twotier.procedures.models import ComponentForm, Level, ProcedureVersion
from twotier.public.labels import CITIZEN_ID_RULES, service_message, upload_message

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,100}$")
PHONE_PATTERN = re.compile(r"^(?:0|\+84)\d{9,10}$")
COMPONENT_FORM_LABELS = dict(ComponentForm.choices)
# Where the service names a field differently from the form.
SERVICE_FIELDS = {
    "applicant.name": "applicant_name",
    "applicant.id_number": "applicant_id_number",
    "result_delivery": "result_delivery",
}


class PlainForm(forms.Form):
    """A form whose labels carry no trailing colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Build the form without label suffixes."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CatalogueFilterForm(PlainForm):
    """Search and filters of the procedure picker."""

    q = forms.CharField(
        label=_("Search procedures"),
        required=False,
        max_length=200,
        help_text=_("Part of the name, with or without accents, or the procedure code."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices])
    field = forms.ChoiceField(label=_("Field"), required=False)

    def __init__(self, *args: Any, fields: list[str], **kwargs: Any) -> None:
        """Offer the fields that have procedures open online."""
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", _("All fields")), *((f, f) for f in fields)]  # type: ignore[attr-defined]


class UnitSearchForm(PlainForm):
    """Narrow the list of communes and wards."""

    q = forms.CharField(
        label=_("Find your commune or ward"),
        required=False,
        max_length=100,
        help_text=_("Type part of the name, with or without accents, for example “tan thanh”."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class LookupForm(PlainForm):
    """Dossier code and access secret."""

    code = forms.CharField(
        label=_("Dossier code"),
        max_length=40,
        help_text=_("As on your receipt, for example 000.08.30.H12-260302-0001."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}),
    )
    secret = forms.CharField(
        label=_("Secret code"),
        max_length=64,
        help_text=_("Shown when you submitted the dossier, printed on the receipt and sent by e-mail."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}),
    )

    def clean_code(self) -> str:
        """Codes are compared without surrounding spaces, in upper case (the agency id's letter)."""
        return str(self.cleaned_data["code"]).strip().upper()

    def clean_secret(self) -> str:
        """Secrets are compared without surrounding spaces."""
        return str(self.cleaned_data["secret"]).strip()


class ComplaintForm(PlainForm):
    """The complaint box of a finished dossier."""

    text = forms.CharField(
        label=_("Your complaint or suggestion"),
        max_length=COMPLAINT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("At most 2000 characters. It is sent to the agency that handled your dossier."),
        error_messages={"required": _("Write your complaint before sending it.")},
    )


def new_idempotency_key() -> str:
    """A fresh key for one submission form (a double submit of the same form registers once)."""
    return secrets.token_urlsafe(24)


class SubmissionForm(PlainForm):
    """The online submission of one procedure: applicant, one file per component, how to get the result.

    `clean()` inspects every uploaded file (type by content, size, active content); the checked
    files are in `inspected` (component code → InspectedFile) until `close_files()`.
    """

    APPLICANT = ("applicant_name", "applicant_id_number", "applicant_phone", "applicant_email", "applicant_address")

    unit = forms.CharField(widget=forms.HiddenInput, max_length=32)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    applicant_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        error_messages={"required": _("Enter the full name of the person the dossier is for.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    applicant_id_number = forms.CharField(
        label=_("National id number"),
        max_length=20,
        help_text=_("The 12 digits of the citizen identity card (CCCD)."),
        error_messages={"required": _("Enter the 12-digit national id number.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    applicant_phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        required=False,
        help_text=format_lazy("{} · {}", _("Optional"), _("For example 0912345678.")),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    applicant_email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        help_text=format_lazy(
            "{} · {}", _("Optional"), _("We send the secret code and news about the dossier to this address.")
        ),
        error_messages={"invalid": _("Enter an e-mail address like name@example.com.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    applicant_address = forms.CharField(
        label=_("Address"),
        max_length=500,
        required=False,
        help_text=_("Needed when the result is sent by post."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    result_delivery = forms.ChoiceField(
        label=_("How do you want to receive the result?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you want to receive the result.")},
    )
    confirm = forms.BooleanField(
        label=_("I declare that the information and documents above are true."),
        error_messages={"required": _("Tick the box to confirm the information is true.")},
    )

    def __init__(
        self,
        *args: Any,
        version: ProcedureVersion,
        oversized: set[str] | None = None,
        **kwargs: Any,
    ) -> None:
        """Add one file field per component of `version`; `oversized` names file fields the server skipped."""
        super().__init__(*args, **kwargs)
        self.version = version
        self.oversized = set(oversized or ())
        self.inspected: dict[str, InspectedFile] = {}
        self.component_fields: dict[str, str] = {}  # form field → component code
        limit_mb = f"{upload_max_bytes() / (1024 * 1024):.0f}"
        for i, spec in enumerate(version.components.order_by("order", "pk"), start=1):
            name = f"file_{i}"
            hints = [str(COMPONENT_FORM_LABELS.get(spec.form, spec.form))]
            if spec.quantity > 1:
                hints.append(str(_("%(count)s copies") % {"count": spec.quantity}))
            if spec.condition:
                hints.append(spec.condition)
            hints.append(str(_("PDF, JPEG or PNG, at most %(limit)s MB.") % {"limit": limit_mb}))
            if not spec.required:
                hints.insert(0, str(_("Optional")))
            self.fields[name] = forms.FileField(
                label=spec.name,
                required=spec.required,
                help_text=" · ".join(hints),
                error_messages={
                    "required": _("Choose the file for this document."),
                    "empty": _("The file is empty."),
                    "invalid": _("Choose the file for this document."),
                },
                widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
            )
            self.component_fields[name] = spec.code
        choices = [(ResultDelivery.DESK, _("At the one-stop desk")), (ResultDelivery.POST, _("By post"))]
        if not version.requires_paper_result:
            choices.append((ResultDelivery.ELECTRONIC, _("Electronically (download a signed PDF)")))
        self.fields["result_delivery"].choices = choices  # type: ignore[attr-defined]
        self.order_fields([*self.APPLICANT, *self.component_fields, "result_delivery", "confirm"])

    @property
    def file_fields(self) -> list[forms.BoundField]:
        """The bound file fields, in the procedure's order."""
        return [self[name] for name in self.component_fields]

    @property
    def applicant_fields(self) -> list[forms.BoundField]:
        """The bound applicant fields, in display order."""
        return [self[name] for name in self.APPLICANT]

    def clean_idempotency_key(self) -> str:
        """The key is generated by the page; anything else is refused."""
        key = str(self.cleaned_data["idempotency_key"]).strip()
        if not KEY_PATTERN.match(key):
            raise forms.ValidationError(_("The form has expired; open the procedure again."), code="key")
        return key

    def clean_applicant_name(self) -> str:
        """Names are stored in NFC with single spaces."""
        return " ".join(nfc(str(self.cleaned_data["applicant_name"])).split())

    def clean_applicant_id_number(self) -> str:
        """Twelve digits with a valid structure (province code, century, birth year)."""
        number = re.sub(r"[\s.-]", "", str(self.cleaned_data["applicant_id_number"]))
        try:
            parse_citizen_id(number, field="applicant_id_number")
        except InvalidInput as exc:
            raise forms.ValidationError(
                [str(CITIZEN_ID_RULES.get(issue.rule, issue.message)) for issue in exc.fields], code="citizen_id"
            ) from exc
        return number

    def clean_applicant_phone(self) -> str:
        """A Vietnamese phone number: 0 or +84 and 9–10 digits (spaces and dots are ignored)."""
        phone = re.sub(r"[\s.()-]", "", str(self.cleaned_data.get("applicant_phone") or ""))
        if phone and not PHONE_PATTERN.match(phone):
            raise forms.ValidationError(
                _("Enter a phone number of 10 or 11 digits starting with 0, for example 0912345678."), code="phone"
            )
        return phone

    def clean(self) -> dict[str, Any]:
        """Require an address for postal delivery and inspect every uploaded file."""
        data = super().clean() or {}
        if data.get("result_delivery") == ResultDelivery.POST and not str(data.get("applicant_address") or "").strip():
            self.add_error("applicant_address", _("Enter the address the result should be posted to."))
        for name in self.oversized & set(self.component_fields):
            self.errors.pop(name, None)  # skipped by the upload handler, so not "missing": too large
            self.add_error(name, upload_message("file_size", "", limit_bytes=upload_max_bytes()))
        for name, code in self.component_fields.items():
            upload = self.files.get(name) if name not in self.oversized else None
            if upload is None or name in self.errors:
                continue
            try:
                self.inspected[code] = inspect_upload(upload.name or "", upload)
            except InvalidInput as exc:
                issue = exc.fields[0] if exc.fields else None
                rule = issue.rule if issue else ""
                self.add_error(name, upload_message(rule, exc.message, limit_bytes=upload_max_bytes()))
        return data

    def submission(self) -> Submission:
        """What the dossier service receives (after `is_valid()`)."""
        data = self.cleaned_data
        return Submission(
            procedure_code=self.version.procedure.code,
            applicant=Applicant(
                name=data["applicant_name"],
                id_number=data["applicant_id_number"],
                address=str(data.get("applicant_address") or "").strip(),
                phone=data.get("applicant_phone") or "",
                email=str(data.get("applicant_email") or "").strip(),
            ),
            components=list(self.inspected),
            result_delivery=data["result_delivery"],
        )

    def add_service_errors(self, exc: InvalidInput) -> None:
        """Show a service's refusal on the fields it names (the rest above the form)."""
        for issue in exc.fields or []:
            field = SERVICE_FIELDS.get(issue.field)
            if field == "applicant_id_number":
                self.add_error(field, str(CITIZEN_ID_RULES.get(issue.rule, issue.message)))
            elif field in self.fields:
                self.add_error(field, service_message(issue.rule, issue.message))
            else:
                self.add_error(None, service_message(issue.rule, issue.message))
        if not exc.fields:
            self.add_error(None, _("The dossier could not be registered: %(reason)s") % {"reason": exc.message})

    def close_files(self) -> None:
        """Release the spooled copies of the checked files."""
        for inspected in self.inspected.values():
            inspected.close()
        self.inspected.clear()
