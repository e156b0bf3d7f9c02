import datetime as dt

import pytest

from twotier.accounts.models import User
from twotier.core.audit import audit_verify
from twotier.core.models import AuditEvent, CalendarDay
from twotier.demo.seed import seed_demo
from twotier.demo.structure import DEMO_ACCOUNTS
from twotier.org.access import grants_for
from twotier.org.models import Post, PostAssignment, Unit, UnitType
from twotier.org.permissions import STANDARD_ROLES
from twotier.work.models import WorkItem

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed")]


def test_seed_demo_builds_ca_mau_idempotently_with_demo_accounts_in_place():
    first = seed_demo(today=dt.date(2026, 11, 23))
    assert Unit.objects.filter(type=UnitType.PROVINCE).get().name == "Tỉnh Cà Mau"
    assert Unit.objects.filter(type=UnitType.WARD).count() == 9
    assert Unit.objects.filter(type=UnitType.COMMUNE).count() == 55
    assert Unit.objects.filter(type=UnitType.COMMUNE_DEPARTMENT).count() == 128
    assert Unit.objects.filter(type=UnitType.PROVINCE_DEPARTMENT).count() >= 12
    tan_thanh = Unit.objects.get(code="CM-TANTHANH")
    assert tan_thanh.name == "Phường Tân Thành" and tan_thanh.agency_id
    commune_posts = Post.objects.filter(scope_unit=tan_thanh)
    assert commune_posts.count() == 19
    assert PostAssignment.objects.filter(post__in=commune_posts, end_at__isnull=True).count() == 19
    holders = {a.user.full_name for a in PostAssignment.objects.filter(post__in=commune_posts)}
    assert len(holders) >= 15  # plausible, mostly distinct Vietnamese names
    assert {r for _u, _w, r in DEMO_ACCOUNTS} >= {s.code for s in STANDARD_ROLES}
    assert WorkItem.objects.filter(unit__path__startswith=tan_thanh.path).exists()
    assert audit_verify() is None
    assert CalendarDay.objects.filter(date=dt.date(2026, 2, 17), kind="holiday").exists()
    assert first.calendar_days == CalendarDay.objects.count() > 60

    counts = (Unit.objects.count(), Post.objects.count(), User.objects.count(), WorkItem.objects.count())
    events = AuditEvent.objects.count()
    again = seed_demo(today=dt.date(2026, 11, 23))
    assert (again.calendar_days, again.units, again.posts, again.accounts, again.work_items) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert (
        Unit.objects.count(),
        Post.objects.count(),
        User.objects.count(),
        WorkItem.objects.count(),
    ) == counts
    assert AuditEvent.objects.count() == events
    assert first.units == counts[0]

    # Demo accounts hold their roles where expected.
    receiver = User.objects.get(username="demo.tiepnhan")
    assert grants_for(receiver).has("dossier.receive", tan_thanh.pk)
    assert not grants_for(receiver).has("dossier.receive", Unit.objects.get(code="CM-DAMDOI").pk)
    admin = User.objects.get(username="demo.quantri")
    assert grants_for(admin).requires_mfa and admin.totp_secret
