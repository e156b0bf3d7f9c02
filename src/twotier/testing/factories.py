"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import factory
from django.utils import timezone

from twotier.accounts.models import AccountKind, User
from twotier.core.text import fold
from twotier.org.access import bump_org_version
from twotier.org.models import Post, PostAssignment, Role, Unit, UnitType, path_segment
from twotier.org.services import roles_sync_standard

_agency_seq = itertools.count(1)


def next_agency_id() -> str:
    """A fresh, well-formed electronic agency id for tests."""
    n = next(_agency_seq)
    return f"{n // 100 % 1000:03d}.{n % 100:02d}.99.T{n // 100000 % 100:02d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="vi_VN")
    kind = AccountKind.STAFF
    must_change_password = False
    password = factory.django.Password("Demo@2026!")


def unit_make(code: str, name: str, type: str, parent: Unit | None = None, **extra: Any) -> Unit:
    """Create a unit directly (bypassing services) with a correct path."""
    unit = Unit.objects.create(
        code=code,
        name=name,
        name_folded=fold(name),
        type=type,
        parent=parent,
        path="/pending/",
        agency_id=extra.pop("agency_id", next_agency_id()),
        **extra,
    )
    parent_path = parent.path if parent else "/"
    unit.path = f"{parent_path}{path_segment(unit.pk)}"
    unit.depth = parent_path.count("/") - 1
    unit.save(update_fields=["path", "depth"])
    bump_org_version()
    return unit


def role(code: str) -> Role:
    """Return a standard role, creating the standard set when missing."""
    if not Role.objects.filter(code=code).exists():
        roles_sync_standard()
    return Role.objects.get(code=code)


def post_make(unit: Unit, *role_codes: str, holder: User | None = None, scope_unit: Unit | None = None) -> Post:
    """Create a post with roles, optionally held by `holder` from now."""
    n = Post.objects.count() + 1
    post = Post.objects.create(
        unit=unit,
        scope_unit=scope_unit or unit,
        code=f"{unit.code}-P{n}",
        title=f"Post {n} {'/'.join(role_codes)}",
    )
    post.roles.set([role(c) for c in role_codes])
    if holder is not None:
        PostAssignment.objects.create(post=post, user=holder, start_at=timezone.now() - dt.timedelta(seconds=1))
    bump_org_version()
    return post


def province_with_communes(*names: str) -> tuple[Unit, list[Unit]]:
    """A province with one commune per name."""
    province = unit_make("P", "Tỉnh Thử", UnitType.PROVINCE)
    communes = [unit_make(f"C{i}", n, UnitType.COMMUNE, province) for i, n in enumerate(names, 1)]
    return province, communes
