"""Django admin for accounts: browse and search; every state change goes through the services.

Security state (lock, activity, second factor, password) is read-only here; admin actions call the
same audited services as the accounts pages. Accounts are created on the accounts pages (a
temporary password has to be shown once), and the admin's own login and logout are routed through
the accounts login so that lockout, the second factor and the audit log apply to them too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from twotier.accounts import services
from twotier.accounts.models import PersonalAccessToken, User
from twotier.accounts.views import logout_view
from twotier.core.audit import audit_record, record_personal_data_view
from twotier.core.errors import DomainError

PERSONAL_FIELDS = ["personal_id", "email", "phone", "full_name"]


class LockedFilter(admin.SimpleListFilter):
    """Filter accounts on whether failed logins locked them."""

    title = _("locked")
    parameter_name = "locked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        """Yes/no choices."""
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Filter on whether the account is locked."""
        if self.value() == "yes":
            return queryset.filter(locked_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(locked_at__isnull=True)
        return queryset


def _run_each(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User], call: Any, done: str
) -> None:
    """Apply one service call per account, reporting successes and refusals."""
    changed = 0
    for account in queryset:
        try:
            if call(account) is not False:
                changed += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{account.username}: {exc.message}", messages.ERROR)
    modeladmin.message_user(request, done % {"count": changed}, messages.SUCCESS)


class PersonalAccessTokenInline(admin.TabularInline):
    """The account's tokens, read-only (never their secret)."""

    model = PersonalAccessToken
    extra = 0
    can_delete = False
    fields = ("name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Tokens are created on the account page (the raw value is shown once)."""
        return False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Accounts: search and filter; security state read-only; changes through audited actions."""

    list_display = (
        "username",
        "full_name",
        "kind",
        "is_active",
        "locked_at",
        "disabled_reason",
        "mfa_enrolled",
        "last_login",
    )
    list_filter = ("kind", "is_active", LockedFilter, "disabled_reason", "is_staff", "is_superuser")
    search_fields = ("username", "full_name", "personal_id", "email", "phone")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "full_name", "kind", "personal_id", "email", "phone")}),
        (
            _("Security state"),
            {
                "fields": (
                    "is_active",
                    "disabled_reason",
                    "locked_at",
                    "failed_logins",
                    "must_change_password",
                    "password_changed_at",
                    "totp_confirmed_at",
                    "last_login",
                    "last_seen_at",
                    "reactivated_at",
                    "date_joined",
                )
            },
        ),
        (_("Django admin access"), {"fields": ("is_staff", "is_superuser")}),
    )
    readonly_fields = (
        "username",
        "is_active",
        "disabled_reason",
        "locked_at",
        "failed_logins",
        "must_change_password",
        "password_changed_at",
        "totp_confirmed_at",
        "last_login",
        "last_seen_at",
        "reactivated_at",
        "date_joined",
        "is_staff",
        "is_superuser",
    )
    inlines = (PersonalAccessTokenInline,)
    actions = ("unlock_accounts", "disable_accounts", "enable_accounts", "reset_mfa")

    @admin.display(boolean=True, description=_("two-step verification"))
    def mfa_enrolled(self, obj: User) -> bool:
        """Whether the account has confirmed a TOTP app."""
        return obj.totp_confirmed_at is not None

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Accounts are created on the accounts pages, which show the temporary password once."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Accounts are disabled, never deleted: the audit trail refers to them."""
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """Show one account, logging the view of its personal data (PDP Law 91/2025)."""
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            account = self.get_object(request, object_id)
            if account is not None:
                record_personal_data_view(actor=request.user, subject=account, fields=PERSONAL_FIELDS, purpose="admin")
        return response

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Save profile edits with an audit event in the admin's transaction."""
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            audit_record(
                actor=request.user,
                action="account.update",
                target=obj,
                changes={
                    name: ("*" if name == "personal_id" else form.cleaned_data.get(name)) for name in form.changed_data
                },
            )

    @admin.action(description=_("Unlock the selected accounts"))
    def unlock_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Unlock through `account_unlock`."""
        _run_each(
            self,
            request,
            queryset,
            lambda a: services.account_unlock(actor=request.user, user=a),
            gettext("%(count)d account(s) unlocked."),
        )

    @admin.action(description=_("Disable the selected accounts"))
    def disable_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Disable through `account_set_active`."""
        _run_each(
            self,
            request,
            queryset,
            lambda a: services.account_set_active(actor=request.user, user=a, active=False, note="admin"),
            gettext("%(count)d account(s) disabled."),
        )

    @admin.action(description=_("Enable the selected accounts"))
    def enable_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Enable through `account_set_active`."""
        _run_each(
            self,
            request,
            queryset,
            lambda a: services.account_set_active(actor=request.user, user=a, active=True, note="admin"),
            gettext("%(count)d account(s) enabled."),
        )

    @admin.action(description=_("Reset two-step verification of the selected accounts"))
    def reset_mfa(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Reset the second factor through `totp_reset`."""
        _run_each(
            self,
            request,
            queryset,
            lambda a: services.totp_reset(actor=request.user, user=a),
            gettext("Two-step verification reset for %(count)d account(s)."),
        )


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """Send the admin's login to the accounts login (lockout, second factor and audit apply)."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("accounts:login"))


def admin_logout(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """Log out of the admin through the audited accounts logout."""
    return logout_view(request)


admin.site.login = admin_login  # type: ignore[method-assign,assignment]
admin.site.logout = admin_logout  # type: ignore[method-assign,assignment]
