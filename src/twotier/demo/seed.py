"""Load the deterministic Cà Mau demo: units, departments, posts, staff, demo accounts, work items.

Idempotent: every row is keyed (unit code, post code, username, work item title per post), so a
second run adds nothing. Everything goes through the services or writes an audit event, under
the system actor `system:seed_demo`.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from twotier.accounts.models import AccountKind, User
from twotier.core.actors import SystemActor
from twotier.core.audit import audit_record
from twotier.core.calendar_services import calendar_seed_from_holidays, parse_years
from twotier.core.text import fold
from twotier.demo import structure as S
from twotier.demo.names import person_name
from twotier.org.models import Post, PostAssignment, Role, Unit, UnitType
from twotier.org.services import post_assign, post_create, roles_sync_standard, unit_create
from twotier.procedures.demo import load_demo_catalogue
from twotier.work.models import WorkItem
from twotier.work.services import work_item_create

ACTOR = SystemActor("seed_demo")
UNITS_CSV = Path(__file__).with_name("ca_mau_units.csv")
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class SeedReport:
    calendar_days: int = 0
    units: int = 0
    procedures: int = 0
    posts: int = 0
    accounts: int = 0
    work_items: int = 0
    demo_accounts: list[tuple[str, str, str, str]] = field(default_factory=list)


def slug(name: str) -> str:
    """ASCII slug of a Vietnamese name: `Tân Thành` → `tanthanh`."""
    return "".join(ch for ch in fold(name) if ch.isalnum())


def commune_rows() -> list[tuple[str, str, str]]:
    """(kind, name, full name) for the 64 communes and wards."""
    with UNITS_CSV.open(encoding="utf-8") as fh:
        return [(r["kind"], r["name"], r["full_name"]) for r in csv.DictReader(fh)]


def demo_totp_secret(username: str) -> str:
    """A stable base32 TOTP secret for a demo administrator (printed by `seed_demo`)."""
    return base64.b32encode(hashlib.sha256(f"twotier-demo:{username}".encode()).digest()[:20]).decode()


def _unit(report: SeedReport, *, code: str, name: str, type: str, parent: Unit | None, **kw) -> Unit:  # type: ignore[no-untyped-def]
    existing = Unit.objects.filter(code=code).first()
    if existing is not None:
        return existing
    report.units += 1
    return unit_create(actor=ACTOR, code=code, name=name, type=type, parent=parent, is_demo=True, **kw)


def _account(report: SeedReport, username: str, full_name: str, password_hash: str, rng: random.Random) -> User:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User.objects.create(
        username=username,
        full_name=full_name,
        kind=AccountKind.STAFF,
        password=password_hash,
        must_change_password=False,
        email=f"{username}@camau.demo.twotier.local",
        phone=f"09{rng.randint(10_000_000, 99_999_999)}",
    )
    audit_record(actor=ACTOR, action="account.create", target=user, changes={"username": username, "demo": True})
    report.accounts += 1
    return user


def _post(report: SeedReport, *, unit: Unit, scope: Unit, code: str, title: str, roles: dict[str, Role], keys) -> Post:  # type: ignore[no-untyped-def]
    existing = Post.objects.filter(code=code).first()
    if existing is not None:
        return existing
    report.posts += 1
    return post_create(actor=ACTOR, unit=unit, code=code, title=title, roles=[roles[k] for k in keys], scope_unit=scope)


def _hold(post: Post, user: User) -> None:
    if not PostAssignment.objects.filter(post=post, end_at__isnull=True).exists():
        post_assign(actor=ACTOR, post=post, user=user)


def _work_items(report: SeedReport, post: Post, rng: random.Random, today: dt.date) -> None:
    if WorkItem.objects.filter(post=post, is_demo=True).exists():
        return
    for title in rng.sample(S.WORK_TITLES, rng.randint(2, 4)):
        due_day = today + dt.timedelta(days=rng.randint(-6, 12))
        due = dt.datetime.combine(due_day, dt.time(16, 30), tzinfo=VN)
        item = work_item_create(actor=ACTOR, post=post, title=title, due_at=due, is_demo=True)
        if due_day < today and rng.random() < 0.5:
            WorkItem.objects.filter(pk=item.pk).update(status="done", closed_at=due)
        report.work_items += 1


def _demo_assignments() -> dict[tuple[str, str], str]:
    return {tuple(where.split(":", 1)): username for username, where, _role in S.DEMO_ACCOUNTS}  # type: ignore[misc]


def seed_demo(*, today: dt.date | None = None) -> SeedReport:
    """Create (or complete) the Cà Mau demo data set and return what was added."""
    report = SeedReport()
    today = today or timezone.localdate()
    password_hash = make_password(S.DEMO_PASSWORD)
    roles = {r.code: r for r in roles_sync_standard()}
    demo_posts = _demo_assignments()
    seeded = calendar_seed_from_holidays(actor=ACTOR, years=parse_years(settings.TWOTIER_CALENDAR_YEARS))
    report.calendar_days = len(seeded.added)
    with transaction.atomic():
        government = _unit(
            report,
            code="VN-CP",
            name="Chính phủ",
            type=UnitType.GOVERNMENT,
            parent=None,
            agency_id=S.GOVERNMENT_AGENCY_ID,
            abbreviation="CP",
        )
        province = _unit(
            report,
            code="CM",
            name="Tỉnh Cà Mau",
            type=UnitType.PROVINCE,
            parent=government,
            agency_id=S.PROVINCE_AGENCY_ID,
            abbreviation="UBND tỉnh",
        )
        rng = random.Random(2026)
        for i, (suffix, name, abbr) in enumerate(S.PROVINCE_DEPARTMENTS, 1):
            dept = _unit(
                report,
                code=f"CM-{suffix}",
                name=name,
                type=UnitType.PROVINCE_DEPARTMENT,
                parent=province,
                agency_id=f"000.00.{i:02d}.H12",
                abbreviation=abbr,
            )
            for key, title, role_keys in S.department_posts(suffix):
                post = _post(
                    report,
                    unit=dept,
                    scope=dept,
                    code=f"{dept.code}-{key}",
                    title=title,
                    roles=roles,
                    keys=role_keys,
                )
                user = _account(report, f"{slug(abbr)}.{key.lower()}", person_name(rng), password_hash, rng)
                _hold(post, user)
        office = Unit.objects.get(code="CM-VP")
        for key, title, role_keys in (
            ("CT", "Chủ tịch UBND tỉnh", ("unit_leader",)),
            ("QTT", "Quản trị hệ thống cấp tỉnh", ("province_admin",)),
            ("QTHT", "Quản trị kỹ thuật hệ thống", ("system_admin",)),
        ):
            post = _post(
                report,
                unit=office,
                scope=province,
                code=f"CM-{key}",
                title=title,
                roles=roles,
                keys=role_keys,
            )
            username = demo_posts.get(("province", key), f"tinh.{key.lower()}")
            user = _account(report, username, person_name(rng), password_hash, rng)
            if ("province", key) in demo_posts and not user.totp_secret:
                User.objects.filter(pk=user.pk).update(
                    totp_secret=demo_totp_secret(username), totp_confirmed_at=timezone.now()
                )
            _hold(post, user)

        for index, (kind, name, full_name) in enumerate(commune_rows(), 1):
            _seed_commune(report, province, index, kind, name, full_name, roles, demo_posts, password_hash, today)
    catalogue = load_demo_catalogue(actor=ACTOR)
    report.procedures = len(catalogue.created)
    for username, where, role in S.DEMO_ACCOUNTS:
        user = User.objects.get(username=username)
        held = (
            Post.objects.filter(assignments__user=user, assignments__end_at__isnull=True).select_related("unit").first()
        )
        report.demo_accounts.append((username, role, held.unit.name if held else where, user.totp_secret))
    return report


def _seed_commune(  # type: ignore[no-untyped-def]
    report: SeedReport,
    province: Unit,
    index: int,
    kind: str,
    name: str,
    full_name: str,
    roles,
    demo_posts,
    password_hash: str,
    today: dt.date,
) -> None:
    rng = random.Random(f"commune:{name}")
    unit_type = UnitType.WARD if kind == "phuong" else UnitType.COMMUNE
    commune = _unit(
        report,
        code=f"CM-{slug(name).upper()}",
        name=full_name,
        type=unit_type,
        parent=province,
        agency_id=f"000.{index:02d}.30.H12",
        abbreviation=name,
    )
    departments: dict[str | None, Unit] = {None: commune}
    for d, (key, dept_name) in enumerate(S.COMMUNE_DEPARTMENTS["ward" if kind == "phuong" else "commune"], 1):
        departments[key] = _unit(
            report,
            code=f"{commune.code}-{key}",
            name=f"{dept_name} {full_name.split(' ', 1)[0].lower()} {name}",
            type=UnitType.COMMUNE_DEPARTMENT,
            parent=commune,
            agency_id=f"{d:03d}.{index:02d}.30.H12",
        )
    where_key = "commune" if name == S.DEMO_COMMUNE else "neighbour" if name == S.DEMO_NEIGHBOUR else None
    for spec in S.COMMUNE_POSTS:
        post = _post(
            report,
            unit=departments[spec.department],
            scope=commune,
            code=f"{commune.code}-{spec.key}",
            title=spec.title,
            roles=roles,
            keys=spec.roles,
        )
        username = demo_posts.get((where_key, spec.key)) if where_key else None
        user = _account(report, username or f"{slug(name)}.{spec.key.lower()}", person_name(rng), password_hash, rng)
        _hold(post, user)
        if spec.key in ("TN1", "TN2", "VX-HT1", "KT-DC1", "CT"):
            _work_items(report, post, rng, today)
