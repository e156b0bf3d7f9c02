"""Writes for accounts: login attempts, lockout, dormancy, the second factor, passwords and tokens.

Every function runs in one transaction and records its audit event inside it. A failed attempt
commits its counter and audit event first; only then does the caller learn of the failure, so a
refused login is never rolled back together with the error that reports it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from pyotp.utils import strings_equal

from twotier.accounts.api_auth import TOKEN_PREFIX
from twotier.accounts.models import AccountKind, PersonalAccessToken, User
from twotier.accounts.policies import (
    SESSION_LAST_SEEN,
    SESSION_LOGOUT_REASON,
    SESSION_MFA_OK,
    TOKEN_MAX_ACTIVE,
    TOKEN_MAX_DAYS,
    TOTP_DIGITS,
    TOTP_DRIFT_STEPS,
    TOTP_INTERVAL_SECONDS,
    dormancy_cutoff,
    dormant_q,
    mfa_required_for,
)
from twotier.accounts.selectors import account_get_manageable, can_manage_everyone
from twotier.core.audit import audit_record
from twotier.core.errors import Conflict, FieldIssue, Forbidden, InvalidInput
from twotier.core.text import nfc
from twotier.org.access import require
from twotier.org.permissions import P

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"
PERSONAL_ID_PATTERN = re.compile(r"^\d{12}$")
_CODE_PATTERN = re.compile(rf"^\d{{{TOTP_DIGITS}}}$")

# Characters of generated temporary passwords: no look-alikes (0/O, 1/l/I) to ease dictation.
_TEMP_GROUPS = ("abcdefghjkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "@#$%&*+=?!")
_TEMP_LENGTH = 14


class LoginOutcome:
    """Why a login attempt ended as it did (stored in the audit event's `reason`)."""

    OK = "ok"
    UNKNOWN_USER = "unknown_user"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 (an outcome code, not a password)
    LOCKED = "locked"
    DISABLED = "disabled"
    DORMANT = "dormant"


@dataclass(frozen=True)
class LoginResult:
    """The outcome of `auth_attempt`. Failures are reported to the person with one generic message."""

    ok: bool
    reason: str
    user: User | None = None
    mfa_required: bool = False
    locked_now: bool = False


@dataclass(frozen=True)
class CreatedAccount:
    """A new account and, when it was generated, its temporary password (shown once)."""

    user: User
    temporary_password: str | None


@dataclass(frozen=True)
class TotpEnrolment:
    """A pending TOTP secret and its otpauth:// URI (for the QR code)."""

    secret: str
    uri: str


@dataclass(frozen=True)
class CreatedToken:
    """A new personal access token and its raw value, which is never stored and shown only once."""

    token: PersonalAccessToken
    raw: str


# --- helpers ---------------------------------------------------------------------------------------


def _locked_row(user: User) -> User:
    """Re-read `user` with a row lock (the caller holds a transaction)."""
    return User.objects.select_for_update().get(pk=user.pk)


def _register_failure(user: User, *, action: str, reason: str, now: dt.datetime) -> bool:
    """Count one failed authentication step of a locked row; lock at the limit. Returns True if it locked."""
    user.failed_logins += 1
    audit_record(
        actor=user,
        action=action,
        target=user,
        changes={"reason": reason, "failed_logins": user.failed_logins},
    )
    locked_now = user.locked_at is None and user.failed_logins >= settings.TWOTIER_MAX_FAILED_LOGINS
    if locked_now:
        user.locked_at = now
        audit_record(
            actor=user,
            action="auth.locked",
            target=user,
            changes={"failed_logins": user.failed_logins, "limit": settings.TWOTIER_MAX_FAILED_LOGINS},
        )
    user.save(update_fields=["failed_logins", "locked_at"])
    return locked_now


def _disable_dormant(user: User, *, now: dt.datetime) -> None:
    """Disable a dormant account (locked row, caller's transaction) and record why."""
    user.is_active = False
    user.disabled_reason = "dormant"
    user.save(update_fields=["is_active", "disabled_reason"])
    audit_record(
        actor=None,
        action="account.disabled_dormant",
        target=user,
        changes={
            "last_login": user.last_login,
            "last_seen_at": user.last_seen_at,
            "dormant_days": settings.TWOTIER_DORMANT_DAYS,
            "at": now,
        },
    )


def _is_dormant(user: User, now: dt.datetime) -> bool:
    return User.objects.filter(pk=user.pk).filter(dormant_q(dormancy_cutoff(now))).exists()


def _password_issues(password: str, user: User | None, field: str) -> list[FieldIssue]:
    """Run the configured password validators; one issue per broken rule, named by its code."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [
            FieldIssue(field=field, rule=err.code or "invalid", message=" ".join(err.messages))
            for err in exc.error_list
        ]
    return []


def temporary_password() -> str:
    """Generate a temporary password that satisfies the password rules."""
    rng = secrets.SystemRandom()
    everything = "".join(_TEMP_GROUPS)
    while True:
        chars = [secrets.choice(group) for group in _TEMP_GROUPS]
        chars += [secrets.choice(everything) for _ in range(_TEMP_LENGTH - len(chars))]
        rng.shuffle(chars)
        candidate = "".join(chars)
        if not _password_issues(candidate, None, "password"):
            return candidate


def _mask_personal_id(personal_id: str | None) -> str | None:
    return None if not personal_id else "*" * (len(personal_id) - 3) + personal_id[-3:]


def _managed_target(actor: Any, user: User) -> User:
    """Lock and return `user` if `actor` may manage it (None is the system); NotFound/Forbidden otherwise."""
    if actor is not None:
        account_get_manageable(user=actor, pk=user.pk)
        if user.is_superuser and not can_manage_everyone(actor):
            raise Forbidden()
    return _locked_row(user)


# --- login, logout, sessions -----------------------------------------------------------------------


def auth_attempt(*, request: HttpRequest, username: str, password: str) -> LoginResult:
    """Check one username/password attempt against the security profile; log the session in on success."""
    username = nfc(username.strip())
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first() if username else None
        if user is None:
            make_password(password)  # the same hashing work as a real check: timing reveals nothing
            audit_record(
                actor=None,
                action="auth.login_failed",
                changes={"username": username[:150], "reason": LoginOutcome.UNKNOWN_USER},
            )
            return LoginResult(ok=False, reason=LoginOutcome.UNKNOWN_USER)
        refusal = None
        if user.locked_at is not None:
            refusal = LoginOutcome.LOCKED
        elif not user.is_active:
            refusal = LoginOutcome.DISABLED
        elif _is_dormant(user, now):
            _disable_dormant(user, now=now)
            refusal = LoginOutcome.DORMANT
        if refusal is not None:
            make_password(password)
            changes = {"reason": refusal}
            if refusal == LoginOutcome.DISABLED:
                changes["disabled_reason"] = user.disabled_reason
            audit_record(actor=user, action="auth.login_failed", target=user, changes=changes)
            return LoginResult(ok=False, reason=refusal, user=user)
        if not user.check_password(password):
            locked_now = _register_failure(
                user, action="auth.login_failed", reason=LoginOutcome.WRONG_PASSWORD, now=now
            )
            return LoginResult(ok=False, reason=LoginOutcome.WRONG_PASSWORD, user=user, locked_now=locked_now)
        mfa_required = mfa_required_for(user)
        if not mfa_required and user.failed_logins:
            # With a second factor pending the count is reset only when that factor passes too.
            user.failed_logins = 0
            user.save(update_fields=["failed_logins"])
        django_login(request, user, backend=LOGIN_BACKEND)
        request.session.pop(SESSION_MFA_OK, None)
        request.session[SESSION_LAST_SEEN] = int(now.timestamp())
        audit_record(
            actor=user,
            action="auth.login",
            target=user,
            changes={"mfa_required": mfa_required, "must_change_password": user.must_change_password},
        )
        return LoginResult(ok=True, reason=LoginOutcome.OK, user=user, mfa_required=mfa_required)


_SESSION_END_ACTIONS = {
    "logout": "auth.logout",
    "idle_timeout": "auth.session_timeout",
    "locked": "auth.session_ended",
    "disabled": "auth.session_ended",
}


def auth_logout(*, request: HttpRequest, reason: str = "logout", account: User | None = None) -> None:
    """End the session of the request's account (or `account`), recording why.

    Reasons: logout, idle_timeout, locked, disabled.
    """
    if reason not in _SESSION_END_ACTIONS:
        raise ValueError(f"unknown session end reason: {reason}")
    user = account or getattr(request, "user", None)
    with transaction.atomic():
        if user is not None and user.is_authenticated:
            changes: dict[str, Any] = {"reason": reason}
            if reason == "idle_timeout":
                changes["idle_timeout_seconds"] = settings.TWOTIER_IDLE_TIMEOUT_SECONDS
            audit_record(actor=user, action=_SESSION_END_ACTIONS[reason], target=user, changes=changes)
        django_logout(request)
    if reason != "logout":
        request.session[SESSION_LOGOUT_REASON] = reason


def mark_mfa_passed(request: HttpRequest) -> None:
    """Mark this session as having passed the second factor (with a fresh session key)."""
    request.session.cycle_key()
    request.session[SESSION_MFA_OK] = True


# --- second factor (TOTP) --------------------------------------------------------------------------


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL_SECONDS, issuer=settings.TWOTIER_TOTP_ISSUER)


def totp_current_code(secret: str, now: dt.datetime | None = None) -> str:
    """The TOTP code of `secret` at `now` (for the demo command and tests)."""
    totp = _totp(secret)
    return totp.generate_otp(totp.timecode(now or timezone.now()))


def _matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step whose code equals `code` (within the allowed drift), or None."""
    code = "".join(code.split())
    if not _CODE_PATTERN.match(code):
        return None
    totp = _totp(secret)
    current = totp.timecode(now)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def totp_begin_enrolment(*, user: User) -> TotpEnrolment:
    """Start (or resume) TOTP enrolment: a pending secret, shown as a QR code until a code confirms it."""
    with transaction.atomic():
        row = _locked_row(user)
        if row.totp_confirmed_at is not None:
            raise Conflict(_("Two-step verification is already set up for this account."), "mfa_enrolled")
        if not row.totp_secret:
            row.totp_secret = pyotp.random_base32()
            row.last_totp_step = None
            row.save(update_fields=["totp_secret", "last_totp_step"])
            audit_record(actor=row, action="auth.mfa_enrolment_started", target=row)
    user.refresh_from_db()
    uri = _totp(row.totp_secret).provisioning_uri(name=row.username, issuer_name=settings.TWOTIER_TOTP_ISSUER)
    return TotpEnrolment(secret=row.totp_secret, uri=uri)


def _totp_check(user: User, code: str, now: dt.datetime, *, enrolling: bool) -> str | None:
    """Check a code and record the outcome in one transaction; returns the failure rule or None."""
    with transaction.atomic():
        row = _locked_row(user)
        if enrolling and (row.totp_confirmed_at is not None or not row.totp_secret):
            raise Conflict(_("There is no pending two-step verification enrolment."), "mfa_not_pending")
        if not enrolling and row.totp_confirmed_at is None:
            raise Conflict(_("Two-step verification is not set up for this account."), "mfa_not_enrolled")
        step = _matching_step(row.totp_secret, code, now)
        if step is None:
            failure: str | None = "wrong_code"
        elif row.last_totp_step is not None and step <= row.last_totp_step:
            failure = "replayed_code"
        else:
            failure = None
        if failure is not None:
            _register_failure(row, action="auth.mfa_failed", reason=failure, now=now)
            return failure
        row.last_totp_step = step
        row.failed_logins = 0
        fields = ["last_totp_step", "failed_logins"]
        if enrolling:
            row.totp_confirmed_at = now
            fields.append("totp_confirmed_at")
        row.save(update_fields=fields)
        audit_record(actor=row, action="auth.mfa_enrolled" if enrolling else "auth.mfa_verified", target=row)
        return None


def _raise_code_failure(user: User, failure: str) -> None:
    user.refresh_from_db()
    if failure == "replayed_code":
        message = _("This code was already used. Wait for the next code and enter it.")
    else:
        message = _("The code is not correct. Check your authenticator app and its clock.")
    raise InvalidInput(message, [FieldIssue(field="code", rule=failure, message=message)])


def totp_confirm_enrolment(*, user: User, code: str, now: dt.datetime | None = None) -> None:
    """Confirm the pending TOTP secret with a code from the app; raises InvalidInput (field `code`)."""
    failure = _totp_check(user, code, now or timezone.now(), enrolling=True)
    if failure is not None:
        _raise_code_failure(user, failure)
    user.refresh_from_db()


def totp_verify(*, user: User, code: str, now: dt.datetime | None = None) -> None:
    """Check a login code; a code is accepted once (replays fail). Raises InvalidInput (field `code`)."""
    failure = _totp_check(user, code, now or timezone.now(), enrolling=False)
    if failure is not None:
        _raise_code_failure(user, failure)
    user.refresh_from_db()


def totp_reset(*, actor: Any, user: User) -> None:
    """Remove an account's second factor (lost phone) so that it enrols again at the next login."""
    with transaction.atomic():
        row = _managed_target(actor, user)
        if not row.totp_secret and row.totp_confirmed_at is None:
            return
        was_confirmed = row.totp_confirmed_at is not None
        row.totp_secret = ""
        row.totp_confirmed_at = None
        row.last_totp_step = None
        row.save(update_fields=["totp_secret", "totp_confirmed_at", "last_totp_step"])
        audit_record(actor=actor, action="account.mfa_reset", target=row, changes={"was_confirmed": was_confirmed})
    user.refresh_from_db()


# --- passwords ---------------------------------------------------------------------------------------


def password_change(*, user: User, old: str, new: str) -> None:
    """Change the account's own password; InvalidInput names the field and the broken rule."""
    now = timezone.now()
    with transaction.atomic():
        row = _locked_row(user)
        old_ok = row.check_password(old)
        if old_ok:
            issues = []
            if new == old:
                issues.append(
                    FieldIssue(
                        field="new_password",
                        rule="unchanged",
                        message=_("The new password must differ from the current one."),
                    )
                )
            issues += _password_issues(new, row, "new_password")
            if issues:
                raise InvalidInput(_("The new password does not follow the password rules."), issues)
            forced = row.must_change_password
            row.set_password(new)
            row.must_change_password = False
            row.password_changed_at = now
            row.save(update_fields=["password", "must_change_password", "password_changed_at"])
            audit_record(actor=row, action="auth.password_changed", target=row, changes={"forced": forced})
        else:
            _register_failure(row, action="auth.password_change_failed", reason="wrong_password", now=now)
    user.refresh_from_db()
    if not old_ok:
        message = _("The current password is not correct.")
        raise InvalidInput(message, [FieldIssue(field="old_password", rule="incorrect", message=message)])


def account_reset_password(*, actor: Any, user: User) -> str:
    """Give an account a new temporary password (to change at next login) and return it once."""
    with transaction.atomic():
        row = _managed_target(actor, user)
        password = temporary_password()
        row.set_password(password)
        row.must_change_password = True
        row.save(update_fields=["password", "must_change_password"])
        audit_record(actor=actor, action="account.password_reset", target=row)
    user.refresh_from_db()
    return password


# --- account administration --------------------------------------------------------------------------


def account_create(
    *,
    actor: Any,
    username: str,
    full_name: str,
    kind: str = AccountKind.STAFF,
    password: str | None = None,
    personal_id: str | None = None,
) -> CreatedAccount:
    """Create an account that must change its password at first login (a temporary one is generated)."""
    if actor is not None:
        require(actor, P.ACCOUNT_MANAGE)
    username = nfc(username.strip())
    full_name = nfc(" ".join(full_name.split()))
    personal_id = (personal_id or "").strip() or None
    issues: list[FieldIssue] = []
    with transaction.atomic():
        if not username:
            issues.append(FieldIssue("username", "required", _("Enter a username.")))
        else:
            try:
                UnicodeUsernameValidator()(username)
            except ValidationError:
                issues.append(
                    FieldIssue("username", "invalid", _("A username may contain only letters, digits and @ . + - _."))
                )
            if len(username) > 150:
                issues.append(FieldIssue("username", "max_length", _("A username has at most 150 characters.")))
            elif User.objects.filter(username__iexact=username).exists():
                issues.append(FieldIssue("username", "unique", _("This username is already taken.")))
        if not full_name:
            issues.append(FieldIssue("full_name", "required", _("Enter the person's full name.")))
        if kind not in AccountKind.values:
            issues.append(FieldIssue("kind", "invalid_choice", _("Choose a valid account kind.")))
        if personal_id is not None:
            if not PERSONAL_ID_PATTERN.match(personal_id):
                issues.append(
                    FieldIssue("personal_id", "format", _("The national id number must have exactly 12 digits."))
                )
            elif User.objects.filter(personal_id=personal_id).exists():
                issues.append(
                    FieldIssue(
                        "personal_id",
                        "unique",
                        _("Another account already has this national id number (one account per person)."),
                    )
                )
        generated = password is None
        if password is None:
            password = temporary_password()
        else:
            candidate = User(username=username, full_name=full_name)
            issues += _password_issues(password, candidate, "password")
        if issues:
            raise InvalidInput(_("The account is not valid."), issues)
        user = User(
            username=username,
            full_name=full_name,
            kind=kind,
            personal_id=personal_id,
            must_change_password=True,
        )
        user.set_password(password)
        user.save()
        audit_record(
            actor=actor,
            action="account.create",
            target=user,
            changes={
                "username": username,
                "full_name": full_name,
                "kind": kind,
                "personal_id": _mask_personal_id(personal_id),
                "password": "generated" if generated else "given",
            },
        )
    return CreatedAccount(user=user, temporary_password=password if generated else None)


def account_unlock(*, actor: Any, user: User) -> bool:
    """Unlock an account locked by failed logins; returns False when there was nothing to unlock."""
    with transaction.atomic():
        row = _managed_target(actor, user)
        if row.locked_at is None and row.failed_logins == 0:
            return False
        changes = {"locked_at": [row.locked_at, None], "failed_logins": [row.failed_logins, 0]}
        row.locked_at = None
        row.failed_logins = 0
        row.save(update_fields=["locked_at", "failed_logins"])
        audit_record(actor=actor, action="account.unlock", target=row, changes=changes)
    user.refresh_from_db()
    return True


def account_set_active(*, actor: Any, user: User, active: bool, note: str = "") -> bool:
    """Enable or disable an account; returns False when it already was in that state."""
    note = nfc(note.strip())[:500]
    with transaction.atomic():
        row = _managed_target(actor, user)
        if row.is_active == active:
            return False
        if actor is not None and actor.pk == row.pk and not active:
            raise Conflict(_("You cannot disable your own account."), "self_disable")
        if active:
            previous = row.disabled_reason
            row.is_active = True
            row.disabled_reason = ""
            row.reactivated_at = timezone.now()  # a fresh dormancy period starts now
            row.save(update_fields=["is_active", "disabled_reason", "reactivated_at"])
            audit_record(
                actor=actor,
                action="account.enable",
                target=row,
                changes={"previous_reason": previous, "note": note},
            )
        else:
            row.is_active = False
            row.disabled_reason = "administrator"
            row.save(update_fields=["is_active", "disabled_reason"])
            audit_record(actor=actor, action="account.disable", target=row, changes={"note": note})
    user.refresh_from_db()
    return True


def accounts_disable_dormant(*, now: dt.datetime | None = None) -> int:
    """Disable every active account unused for TWOTIER_DORMANT_DAYS; returns how many were disabled."""
    now = now or timezone.now()
    cutoff = dormancy_cutoff(now)
    candidates = list(User.objects.filter(is_active=True).filter(dormant_q(cutoff)).values_list("pk", flat=True))
    disabled = 0
    for pk in candidates:
        with transaction.atomic():
            # Re-check under the row lock: the account may have logged in since the scan.
            row = User.objects.select_for_update().filter(pk=pk, is_active=True).filter(dormant_q(cutoff)).first()
            if row is not None:
                _disable_dormant(row, now=now)
                disabled += 1
    return disabled


# --- personal access tokens --------------------------------------------------------------------------


def _check_token_owner(actor: Any, user: User) -> None:
    if actor is None or actor.pk == user.pk:
        return
    account_get_manageable(user=actor, pk=user.pk)


def token_create(*, actor: Any, user: User, name: str, expires_in_days: int) -> CreatedToken:
    """Create an API token for `user`; the raw `tt_<prefix>_<secret>` is returned once (SHA-256 kept)."""
    _check_token_owner(actor, user)
    name = nfc(" ".join(name.split()))
    issues: list[FieldIssue] = []
    if not name:
        issues.append(FieldIssue("name", "required", _("Give the token a name that says what uses it.")))
    elif len(name) > 100:
        issues.append(FieldIssue("name", "max_length", _("A token name has at most 100 characters.")))
    if not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        issues.append(
            FieldIssue(
                "expires_in_days",
                "range",
                _("A token is valid for 1 to %(max)d days.") % {"max": TOKEN_MAX_DAYS},
            )
        )
    if issues:
        raise InvalidInput(_("The token is not valid."), issues)
    now = timezone.now()
    with transaction.atomic():
        row = _locked_row(user)
        if not row.is_active or row.locked_at is not None:
            raise Conflict(_("A disabled or locked account cannot get access tokens."), "account_inactive")
        active = PersonalAccessToken.objects.filter(user=row, revoked_at__isnull=True, expires_at__gt=now)
        if active.count() >= TOKEN_MAX_ACTIVE:
            raise Conflict(
                _("An account can have at most %(max)d active tokens; revoke one first.") % {"max": TOKEN_MAX_ACTIVE},
                "too_many_tokens",
            )
        prefix = secrets.token_hex(4)
        while PersonalAccessToken.objects.filter(prefix=prefix).exists():
            prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        token = PersonalAccessToken.objects.create(
            user=row,
            name=name,
            prefix=prefix,
            digest=PersonalAccessToken.digest_of(secret),
            expires_at=now + dt.timedelta(days=expires_in_days),
        )
        audit_record(
            actor=actor,
            action="account.token_create",
            target=row,
            changes={"token": prefix, "name": name, "expires_at": token.expires_at},
        )
    return CreatedToken(token=token, raw=f"{TOKEN_PREFIX}{prefix}_{secret}")


def token_revoke(*, actor: Any, token: PersonalAccessToken) -> bool:
    """Revoke a token at once; returns False when it was already revoked."""
    _check_token_owner(actor, token.user)
    with transaction.atomic():
        row = PersonalAccessToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if row.revoked_at is not None:
            return False
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="account.token_revoke",
            target=row.user,
            changes={"token": row.prefix, "name": row.name},
        )
    token.refresh_from_db()
    return True
