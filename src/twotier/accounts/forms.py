"""UI forms of the accounts pages. They only parse input; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from twotier.accounts.models import AccountKind
from twotier.accounts.policies import TOKEN_MAX_DAYS
from twotier.core.errors import DomainError


def apply_domain_error(form: forms.Form, exc: DomainError, field_map: dict[str, str] | None = None) -> None:
    """Attach a service error to the form: each issue to its field, the rest as a form-level error."""
    field_map = field_map or {}
    if not exc.fields:
        form.add_error(None, exc.message)
        return
    for issue in exc.fields:
        name = field_map.get(issue.field, issue.field)
        form.add_error(name if name in form.fields else None, issue.message)


class LoginForm(forms.Form):
    """Username and password."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    """A six-digit TOTP code."""

    code = forms.CharField(
        label=_("6-digit code"),
        max_length=12,
        help_text=_("Open your authenticator app and enter the code it shows for TwoTier."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )


class PasswordChangeForm(forms.Form):
    """The current password and the new one twice."""

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=password_validators_help_text_html,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        """Check that both new passwords are the same."""
        data = super().clean() or {}
        new1, new2 = data.get("new_password1"), data.get("new_password2")
        if new1 and new2 and new1 != new2:
            self.add_error("new_password2", _("The two new passwords are not the same."))
        return data


class TokenCreateForm(forms.Form):
    """A name and a lifetime for a new personal access token."""

    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("Say what will use the token, e.g. “reporting script”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    expires_in_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=TOKEN_MAX_DAYS,
        initial=90,
        widget=forms.NumberInput(attrs={"autocomplete": "off"}),
    )


class AccountCreateForm(forms.Form):
    """A new account (its temporary password is generated)."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=AccountKind.choices, initial=AccountKind.STAFF)
    personal_id = forms.CharField(
        label=_("National id number"),
        required=False,
        max_length=12,
        help_text=_("Twelve digits; one account per person."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class AccountSearchForm(forms.Form):
    """Free-text search over manageable accounts."""

    q = forms.CharField(
        label=_("Search accounts"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
