import datetime as dt

import pytest

from twotier.core.actors import SystemActor
from twotier.core.errors import Conflict, Forbidden, InvalidInput
from twotier.core.models import AuditEvent
from twotier.org.access import grants_for
from twotier.org.models import LineageKind, Unit, UnitLineage
from twotier.org.permissions import P
from twotier.org.selectors import rollup_unit_ids
from twotier.org.services import NewUnit, unit_merge, unit_split
from twotier.testing.factories import UserFactory, post_make, province_with_communes
from twotier.work.models import WorkItem
from twotier.work.services import work_item_create

pytestmark = pytest.mark.django_db
ACTOR = SystemActor("test")
EFFECTIVE = dt.date(2026, 9, 1)


def _items(post, n):
    return [work_item_create(actor=ACTOR, post=post, title=f"Việc {i}") for i in range(n)]


def test_merging_two_communes_keeps_history_and_rolls_it_up_to_the_successor():
    province, (a, b, c) = province_with_communes("Khánh An", "Khánh Lâm", "Trần Phán")
    post_a, post_b, post_c = (post_make(u, "specialist") for u in (a, b, c))
    items_a, items_b, _ = _items(post_a, 3), _items(post_b, 2), _items(post_c, 4)

    merged = unit_merge(
        actor=ACTOR,
        sources=[a, b],
        effective_date=EFFECTIVE,
        new_unit=NewUnit(code="C-NEW", name="Xã Khánh Hưng"),
    )

    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.valid_to, b.valid_to) == (dt.date(2026, 8, 31),) * 2
    assert merged.valid_from == EFFECTIVE and merged.parent == province
    assert set(UnitLineage.objects.filter(successor=merged).values_list("predecessor__code", "kind")) == {
        (a.code, LineageKind.MERGE),
        (b.code, LineageKind.MERGE),
    }
    # Old records keep their original unit ...
    assert {i.unit_id for i in WorkItem.objects.filter(pk__in=[x.pk for x in items_a])} == {a.pk}
    # ... and roll up to the successor, not to the unrelated neighbour.
    rolled = WorkItem.objects.filter(unit_id__in=rollup_unit_ids(merged)).count()
    assert rolled == len(items_a) + len(items_b)
    assert WorkItem.objects.filter(unit_id__in=rollup_unit_ids(province)).count() == 9
    assert AuditEvent.objects.filter(action="org.unit_merge", target_id=str(merged.pk)).count() == 1


def test_merge_into_an_existing_unit_and_successor_staff_see_predecessor_history():
    _province, (a, b) = province_with_communes("Hưng Mỹ", "Cái Nước")
    leader = UserFactory(username="leader-b")
    post_make(b, "unit_leader", holder=leader)
    old = _items(post_make(a, "specialist"), 2)
    assert not grants_for(leader).has(P.WORK_VIEW_ALL, a.pk)

    unit_merge(actor=ACTOR, sources=[a], into=b, effective_date=EFFECTIVE)

    leader = type(leader).objects.get(pk=leader.pk)
    assert grants_for(leader).has(P.WORK_VIEW_ALL, a.pk)
    from twotier.work.selectors import unit_work

    assert {i.pk for i in old} <= set(unit_work(user=leader).values_list("pk", flat=True))


def test_split_sends_history_to_one_part_and_lets_all_parts_see_it():
    province, (a,) = province_with_communes("Năm Căn")
    items = _items(post_make(a, "specialist"), 3)
    north, south = unit_split(
        actor=ACTOR,
        source=a,
        parts=[NewUnit(code="C-N", name="Xã Năm Căn Bắc"), NewUnit(code="C-S", name="Xã Năm Căn Nam")],
        effective_date=EFFECTIVE,
        history_to=1,
    )
    assert WorkItem.objects.filter(unit_id__in=rollup_unit_ids(south)).count() == 3
    assert WorkItem.objects.filter(unit_id__in=rollup_unit_ids(north)).count() == 0
    assert WorkItem.objects.filter(unit_id__in=rollup_unit_ids(province)).count() == len(items)
    viewer = UserFactory(username="north-leader")
    post_make(north, "unit_leader", holder=viewer)
    assert grants_for(viewer).has(P.WORK_VIEW_ALL, a.pk)


def test_merge_rejects_bad_requests_and_changes_nothing():
    _province, (a, b) = province_with_communes("Tân Ân", "Tam Giang")
    before = list(Unit.objects.values_list("pk", "valid_to"))
    with pytest.raises(InvalidInput):
        unit_merge(actor=ACTOR, sources=[a], effective_date=EFFECTIVE)
    with pytest.raises(InvalidInput):
        unit_merge(actor=ACTOR, sources=[a], into=a, effective_date=EFFECTIVE)
    unit_merge(actor=ACTOR, sources=[a], into=b, effective_date=EFFECTIVE)
    with pytest.raises(Conflict):
        unit_merge(actor=ACTOR, sources=[a], into=b, effective_date=EFFECTIVE + dt.timedelta(days=40))
    assert len(before) == Unit.objects.count()


def test_merge_needs_unit_management_permission():
    _province, (a, b) = province_with_communes("Đất Mới", "Đất Mũi")
    clerk = UserFactory(username="clerk-a")
    post_make(a, "one_stop_receiver", holder=clerk)
    with pytest.raises(Forbidden):
        unit_merge(actor=clerk, sources=[a], into=b, effective_date=EFFECTIVE)
    assert Unit.objects.get(pk=a.pk).valid_to is None
    assert not UnitLineage.objects.exists()
