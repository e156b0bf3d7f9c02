"""The authorisation matrix every endpoint and page is tested with.

Five actors: anonymous, a citizen, a clerk of another commune (holding the permission there), a
clerk of the same commune without the permission, and a clerk of the same commune with it. For
each denied actor the call must return the expected status and change nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.test import Client

from twotier.accounts.models import AccountKind, PersonalAccessToken, User
from twotier.org.models import Unit, UnitType
from twotier.testing.factories import UserFactory, post_make, unit_make

ACTORS = ("anonymous", "citizen", "other_commune", "without_permission", "with_permission")


@dataclass
class Actor:
    name: str
    user: User | None
    token: str | None = None

    def client(self) -> Client:
        """A test client logged in as this actor (session)."""
        client = Client()
        if self.user is not None:
            client.force_login(self.user)
            session = client.session
            session["mfa_ok"] = True
            session.save()
        return client

    def headers(self) -> dict[str, str]:
        """Bearer-token headers for API calls (empty for anonymous)."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def issue_token(user: User) -> str:
    """Create a personal access token for `user` and return its raw value."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(24)
    PersonalAccessToken.objects.create(
        user=user, name="test", prefix=prefix, digest=PersonalAccessToken.digest_of(secret)
    )
    return f"tt_{prefix}_{secret}"


@dataclass
class AuthzWorld:
    """The five actors around `unit` (a commune) for the given role codes."""

    unit: Unit
    other_unit: Unit
    actors: dict[str, Actor] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Actor:
        return self.actors[name]


def build_world(unit: Unit, roles: tuple[str, ...], *, baseline_roles: tuple[str, ...] = ()) -> AuthzWorld:
    """Create the matrix actors for `unit`; `roles` grant the permission, `baseline_roles` do not."""
    parent = unit.parent
    other = unit_make(f"{unit.code}-OTHER", f"Xã Bên Cạnh {unit.pk}", UnitType.COMMUNE, parent)
    world = AuthzWorld(unit=unit, other_unit=other)
    citizen = cast(User, UserFactory(username=f"citizen-{unit.code}", kind=AccountKind.CITIZEN))
    other_clerk = cast(User, UserFactory(username=f"other-{unit.code}"))
    post_make(other, *roles, holder=other_clerk)
    without = cast(User, UserFactory(username=f"without-{unit.code}"))
    post_make(unit, *baseline_roles, holder=without)
    with_perm = cast(User, UserFactory(username=f"with-{unit.code}"))
    post_make(unit, *roles, holder=with_perm)
    world.actors = {
        "anonymous": Actor("anonymous", None),
        "citizen": Actor("citizen", citizen, issue_token(citizen)),
        "other_commune": Actor("other_commune", other_clerk, issue_token(other_clerk)),
        "without_permission": Actor("without_permission", without, issue_token(without)),
        "with_permission": Actor("with_permission", with_perm, issue_token(with_perm)),
    }
    return world


DEFAULT_DENIED = {"anonymous": 401, "citizen": 404, "other_commune": 404, "without_permission": 404}


def check_matrix(
    world: AuthzWorld,
    call: Callable[[Actor], Any],
    *,
    allowed: int | tuple[int, ...] = 200,
    denied: dict[str, int] | None = None,
    state: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """Run `call` as each actor; assert statuses, and that denied calls leave `state()` unchanged.

    The allowed actor runs last so that its changes cannot hide a denied actor's.
    """
    expected_denied = {**DEFAULT_DENIED, **(denied or {})}
    responses: dict[str, Any] = {}
    for name in ("anonymous", "citizen", "other_commune", "without_permission"):
        before = state() if state else None
        response = call(world[name])
        status = getattr(response, "status_code", response)
        expected = expected_denied[name]
        assert status == expected, f"{name}: expected {expected}, got {status}"
        if state is not None:
            assert state() == before, f"{name}: a denied call changed the state"
        responses[name] = response
    response = call(world["with_permission"])
    status = getattr(response, "status_code", response)
    allowed_set = allowed if isinstance(allowed, tuple) else (allowed,)
    assert status in allowed_set, f"with_permission: expected {allowed_set}, got {status}"
    responses["with_permission"] = response
    return responses
