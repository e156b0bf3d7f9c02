"""Reads for accounts: which accounts an actor may manage, and an account's own tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from twotier.accounts.models import PersonalAccessToken, User
from twotier.core.errors import NotFound
from twotier.org.access import grants_for
from twotier.org.permissions import P


def can_manage_everyone(user: Any) -> bool:
    """Whether `user` manages every account (superuser or system administrator)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or grants_for(user).has(P.SYSTEM_ADMIN)


def accounts_manageable(*, user: Any) -> QuerySet[User]:
    """Accounts `user` may manage: those holding a current post in a unit where it has account management.

    Accounts that hold no post are managed only by system administrators (deny by default).
    """
    if can_manage_everyone(user):
        return User.objects.all()
    units = grants_for(user).unit_ids(P.ACCOUNT_MANAGE)
    if not units:
        return User.objects.none()
    now = timezone.now()
    holders = (
        User.objects.filter(
            post_assignments__post__unit_id__in=units,
            post_assignments__start_at__lte=now,
        )
        .filter(Q(post_assignments__end_at__isnull=True) | Q(post_assignments__end_at__gt=now))
        .values("pk")
    )
    return User.objects.filter(pk__in=holders)


def account_list(*, user: Any, q: str = "") -> QuerySet[User]:
    """Manageable accounts, optionally filtered by username, full name or national id number."""
    qs = accounts_manageable(user=user).order_by("username")
    q = q.strip()
    if not q:
        return qs
    return qs.filter(Q(username__icontains=q) | Q(personal_id=q) | Q(full_name__icontains=q))


def account_get_manageable(*, user: Any, pk: int) -> User:
    """One manageable account; a missing and a forbidden account both raise NotFound."""
    account = accounts_manageable(user=user).filter(pk=pk).first()
    if account is None:
        raise NotFound()
    return account


def tokens_of(*, user: Any) -> QuerySet[PersonalAccessToken]:
    """The personal access tokens of `user`, newest first."""
    return PersonalAccessToken.objects.filter(user=user).order_by("-created_at")
