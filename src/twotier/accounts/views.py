"""Accounts UI: login, second factor, password change, logout, my account and account management.

Views stay thin: they parse a form, call one service or selector, and render or redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from twotier.accounts import selectors, services
from twotier.accounts.forms import (
    AccountCreateForm,
    AccountSearchForm,
    CodeForm,
    LoginForm,
    PasswordChangeForm,
    TokenCreateForm,
    apply_domain_error,
)
from twotier.accounts.models import User
from twotier.accounts.policies import SESSION_LOGOUT_REASON, SESSION_MFA_OK
from twotier.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from twotier.org.access import grants_for
from twotier.org.permissions import P

_ViewFunc = Callable[..., HttpResponse]


def _next_url(request: HttpRequest) -> str:
    """The safe `next` target of this request, or the home page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, request: HttpRequest) -> str:
    """The URL of `url_name` carrying this request's safe `next` along."""
    url = reverse(url_name)
    next_url = _next_url(request)
    if next_url != reverse(settings.LOGIN_REDIRECT_URL):
        url = f"{url}?{urlencode({'next': next_url})}"
    return url


def _session_ended_message(reason: str | None) -> str | None:
    """The message shown on the login page after the middleware ended a session."""
    if reason == "idle_timeout":
        minutes = settings.TWOTIER_IDLE_TIMEOUT_SECONDS // 60
        return _("You were logged out after %(minutes)d minutes without activity. Log in again.") % {"minutes": minutes}
    if reason in ("locked", "disabled"):
        return _("Your session was ended because the account is locked or disabled.")
    return None


def generic_login_failure() -> str:
    """One message for every refused login, so that it reveals nothing about the account."""
    return _(
        "The username or password is not correct, or the account is locked or disabled. "
        "After %(max)d failed attempts in a row an account is locked; your administrator can unlock it."
    ) % {"max": settings.TWOTIER_MAX_FAILED_LOGINS}


# --- login, second factor, password, logout -----------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Username and password; the middleware then asks for the second factor and a new password."""
    ended = _session_ended_message(request.session.pop(SESSION_LOGOUT_REASON, None))
    if ended:
        messages.warning(request, ended)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.auth_attempt(
            request=request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if result.ok:
            return redirect(_next_url(request))
        form.add_error(None, generic_login_failure())
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """End the session (POST only, CSRF-checked)."""
    services.auth_logout(request=request, reason="logout")
    messages.info(request, _("You are logged out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _end_if_locked(request: HttpRequest, user: User) -> HttpResponse | None:
    """After a failed factor: if it locked the account, end the session and go to the login page."""
    if not user.is_locked:
        return None
    services.auth_logout(request=request, reason="locked")
    return redirect(settings.LOGIN_URL)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_view(request: HttpRequest) -> HttpResponse:
    """Ask for the TOTP code of an enrolled account (send others to enrolment)."""
    user: User = request.user  # type: ignore[assignment]
    if user.totp_confirmed_at is None:
        return redirect(_with_next("accounts:mfa_enrol", request))
    if request.session.get(SESSION_MFA_OK):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_verify(user=user, code=form.cleaned_data["code"])
        except InvalidInput as exc:
            ended = _end_if_locked(request, user)
            if ended is not None:
                return ended
            apply_domain_error(form, exc)
        else:
            services.mark_mfa_passed(request)
            return redirect(_next_url(request))
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _next_url(request)})


def _qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, title=_("QR code for your authenticator app"))
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # segno's own markup


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_enrol_view(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: QR code and secret, confirmed by one code."""
    user: User = request.user  # type: ignore[assignment]
    if user.totp_confirmed_at is not None:
        return redirect(_with_next("accounts:mfa", request))
    enrolment = services.totp_begin_enrolment(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_confirm_enrolment(user=user, code=form.cleaned_data["code"])
        except InvalidInput as exc:
            ended = _end_if_locked(request, user)
            if ended is not None:
                return ended
            apply_domain_error(form, exc)
        else:
            services.mark_mfa_passed(request)
            messages.success(request, _("Two-step verification is set up."))
            return redirect(_next_url(request))
    secret_groups = " ".join(enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4))
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_svg": _qr_svg(enrolment.uri),
        "secret": secret_groups,
        "issuer": settings.TWOTIER_TOTP_ISSUER,
    }
    return render(request, "accounts/mfa_enrol.html", context)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    """Change the own password (forced at first login and after a reset)."""
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=user, old=form.cleaned_data["old_password"], new=form.cleaned_data["new_password1"]
            )
        except InvalidInput as exc:
            ended = _end_if_locked(request, user)
            if ended is not None:
                return ended
            apply_domain_error(form, exc, {"new_password": "new_password1"})
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password was changed."))
            return redirect(_next_url(request))
    context = {"form": form, "next": _next_url(request), "forced": user.must_change_password}
    return render(request, "accounts/password_change.html", context)


# --- my account and personal access tokens -------------------------------------------------------------


def _my_account_page(
    request: HttpRequest, *, form: TokenCreateForm | None = None, new_token: str | None = None
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {
        "account": user,
        "tokens": selectors.tokens_of(user=user),
        "form": form or TokenCreateForm(),
        "new_token": new_token,
    }
    return render(request, "accounts/my_account.html", context)


@never_cache
@login_required
@require_GET
def my_account_view(request: HttpRequest) -> HttpResponse:
    """The own account: security state and personal access tokens."""
    return _my_account_page(request)


@never_cache
@login_required
@require_POST
def token_create_view(request: HttpRequest) -> HttpResponse:
    """Create a personal access token and show its raw value once (never stored, never redirected)."""
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            created = services.token_create(
                actor=request.user,
                user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except (InvalidInput, Conflict) as exc:
            apply_domain_error(form, exc)
        else:
            return _my_account_page(request, new_token=created.raw)
    return _my_account_page(request, form=form)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the own tokens."""
    token = selectors.tokens_of(user=request.user).filter(pk=pk).first()
    if token is None:
        raise Http404
    if services.token_revoke(actor=request.user, token=token):
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:account")


# --- account management -----------------------------------------------------------------------------------


def account_manager_required(view: _ViewFunc) -> _ViewFunc:
    """Allow account managers whose session passed the second factor; others get 404 (deny by default)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Check the actor, then run the view with domain errors mapped to 404/403."""
        user = request.user
        if not user.is_authenticated:
            return login_required(view)(request, *args, **kwargs)
        if not (selectors.can_manage_everyone(user) or grants_for(user).has(P.ACCOUNT_MANAGE)):
            raise Http404
        if not request.session.get(SESSION_MFA_OK):
            # Step-up: destructive operations need the second factor in this session.
            return HttpResponseRedirect(f"{reverse('accounts:mfa')}?{urlencode({'next': request.path})}")
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404 from exc
        except Forbidden as exc:
            raise PermissionDenied from exc

    return wrapper


def _target(request: HttpRequest, pk: int) -> User:
    return selectors.account_get_manageable(user=request.user, pk=pk)


@never_cache
@account_manager_required
@require_GET
def account_list_view(request: HttpRequest) -> HttpResponse:
    """The accounts the actor manages, searchable, with their security state."""
    form = AccountSearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.account_list(user=request.user, q=q), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/account_list.html", {"form": form, "page": page, "q": q})


@never_cache
@account_manager_required
@require_http_methods(["GET", "POST"])
def account_create_view(request: HttpRequest) -> HttpResponse:
    """Create an account with a temporary password, shown once."""
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.account_create(actor=request.user, **form.cleaned_data)
        except InvalidInput as exc:
            apply_domain_error(form, exc)
        else:
            context = {"account": created.user, "password": created.temporary_password, "created": True}
            return render(request, "accounts/account_password.html", context)
    return render(request, "accounts/account_create.html", {"form": form})


@account_manager_required
@require_POST
def account_unlock_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Unlock an account locked by failed logins."""
    account = _target(request, pk)
    if services.account_unlock(actor=request.user, user=account):
        messages.success(request, _("The account %(username)s was unlocked.") % {"username": account.username})
    return redirect("accounts:account_list")


@account_manager_required
@require_POST
def account_set_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Enable (`active=1`) or disable (`active=0`) an account."""
    account = _target(request, pk)
    active = request.POST.get("active") == "1"
    try:
        changed = services.account_set_active(
            actor=request.user, user=account, active=active, note=request.POST.get("note", "")
        )
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("accounts:account_list")
    if changed:
        text = _("The account %(username)s was enabled.") if active else _("The account %(username)s was disabled.")
        messages.success(request, text % {"username": account.username})
    return redirect("accounts:account_list")


@never_cache
@account_manager_required
@require_POST
def account_reset_password_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Give an account a new temporary password and show it once."""
    account = _target(request, pk)
    password = services.account_reset_password(actor=request.user, user=account)
    context = {"account": account, "password": password, "created": False}
    return render(request, "accounts/account_password.html", context)


@account_manager_required
@require_POST
def account_reset_mfa_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove an account's second factor so that it enrols again."""
    account = _target(request, pk)
    services.totp_reset(actor=request.user, user=account)
    messages.success(
        request,
        _("Two-step verification of %(username)s was reset; it is set up again at the next login.")
        % {"username": account.username},
    )
    return redirect("accounts:account_list")
