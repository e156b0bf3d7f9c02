"""Accounts: one per person (staff or citizen), with the level-3 security profile's state."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    CITIZEN = "citizen", _("Citizen")
    SERVICE = "service", _("API client")


class User(AbstractUser):
    """A person's single account. Work and permissions come from the posts the account holds."""

    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices, default=AccountKind.STAFF)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    personal_id = models.CharField(
        _("national id number"),
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Twelve digits; one account per person."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    must_change_password = models.BooleanField(_("must change password at next login"), default=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    disabled_reason = models.CharField(max_length=64, blank=True)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    last_totp_step = models.BigIntegerField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    reactivated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When an administrator last re-enabled the account; starts a fresh dormancy period."),
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_locked(self) -> bool:
        """Whether too many failed logins locked the account."""
        return self.locked_at is not None


class PersonalAccessToken(models.Model):
    """A bearer token for an API client; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(secret: str) -> str:
        """Return the stored digest of a token secret."""
        return hashlib.sha256(secret.encode()).hexdigest()
