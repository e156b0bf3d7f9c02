"""Several thousand realistic demo dossiers across the 64 communes, in every state.

Each dossier is driven through the real services (receipt, steps, supplement, payment, apology,
approval, return) with a simulated clock, so every timing fact, hand-over, audit event and portal
outbox message is what the platform itself would have produced. Deterministic for a given day.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from twotier.accounts.models import User
from twotier.core.calendar import WorkingCalendar, current_calendar
from twotier.core.errors import DomainError
from twotier.dossiers.models import Dossier, Payment
from twotier.dossiers.process import approve_step_index, step_index, step_permission, steps_of
from twotier.dossiers.services import closing, common, pauses, receipt, steps
from twotier.dossiers.status import Channel, Status
from twotier.org.models import PostAssignment, Unit, UnitType
from twotier.org.permissions import P
from twotier.procedures.models import ProcedureVersion, VersionStatus

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = dt.date(2026, 7, 1)

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Bùi", "Đặng", "Lâm", "Thạch", "Danh")
MIDDLES = ("Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hoàng", "Kim", "Hữu", "Thu", "Quốc")
GIVEN = ("An", "Bình", "Cường", "Dung", "Hạnh", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc", "Quyên", "Sang", "Tâm")
STREETS = ("ấp Tân Hòa", "ấp Mỹ Bình", "khóm 3", "khóm 5", "ấp Cái Nước", "ấp Rạch Gốc", "ấp Kinh Tám", "khóm 1")

# Outcome weights: most dossiers are returned on time; every state appears.
OUTCOMES = (
    ("on_time", 62),
    ("late", 6),
    ("supplement", 8),
    ("supplement_waiting", 2),
    ("apology", 3),
    ("payment_online", 6),
    ("refused", 2),
    ("withdrawn", 1),
    ("stopped", 1),
    ("processed_only", 3),
    ("registered", 3),
    ("open", 3),
)


@dataclass
class Staff:
    """Who can act where: unit id → permission → accounts, built once."""

    by_scope: dict[int, dict[str, list[User]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    paths: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Staff:
        """Index current post holders by the scope unit of their post and the permissions of its roles."""
        staff = cls()
        staff.paths = dict(Unit.objects.values_list("pk", "path"))
        for a in (
            PostAssignment.objects.filter(end_at__isnull=True)
            .select_related("post", "user")
            .prefetch_related("post__roles")
        ):
            for role in a.post.roles.all():
                for perm in role.permissions:
                    staff.by_scope[a.post.scope_unit_id][perm].append(a.user)
        return staff

    def who(self, perm: str, unit_id: int, rng: random.Random) -> User:
        """An account holding `perm` over `unit_id` (the nearest scope first)."""
        ids = [int(x) for x in self.paths[unit_id].strip("/").split("/")]
        for scope_id in reversed(ids):
            people = self.by_scope.get(scope_id, {}).get(perm)
            if people:
                return rng.choice(people)
        raise LookupError(f"nobody holds {perm} over unit {unit_id}")


@contextmanager
def simulated_clock() -> Any:
    """Let the generator move the dossier services' clock; restore it afterwards."""
    moment: list[dt.datetime] = [timezone.now()]
    saved = common._clock
    common._clock = lambda: moment[0]
    try:
        yield moment
    finally:
        common._clock = saved


def _person(rng: random.Random, index: int) -> receipt.Applicant:
    female = rng.random() < 0.5
    name = f"{rng.choice(SURNAMES)} {'Thị' if female else rng.choice(MIDDLES)} {rng.choice(GIVEN)}"
    year = rng.randint(1950, 2005)
    digit = (0 if year < 2000 else 2) + (1 if female else 0)
    id_number = f"096{digit}{year % 100:02d}{index:06d}"
    return receipt.Applicant(
        name=name,
        id_number=id_number,
        address=f"{rng.choice(STREETS)}, {rng.randint(1, 300)}",
        phone=f"09{rng.randint(10_000_000, 99_999_999)}",
    )


def _working_moment(cal: WorkingCalendar, day: dt.date, rng: random.Random) -> dt.datetime:
    hour = rng.choice((7, 8, 9, 10, 13, 14, 15, 16))
    moment = dt.datetime(
        day.year, day.month, day.day, hour, rng.randint(30, 59) if hour in (7, 13) else rng.randint(0, 59), tzinfo=VN
    )
    return cal.next_working_start(moment)


@dataclass
class Generator:
    cal: WorkingCalendar
    staff: Staff
    now: dt.datetime
    clock: list[dt.datetime]
    communes: list[Unit]
    commune_versions: list[ProcedureVersion]
    province_versions: list[ProcedureVersion]
    province_desk: Unit | None
    created: int = 0
    citizens: dict[int, list[receipt.Applicant]] = field(default_factory=dict)

    def at(self, moment: dt.datetime) -> bool:
        """Move the clock; False when `moment` is in the future (the dossier stays where it is)."""
        if moment >= self.now:
            return False
        self.clock[0] = moment
        return True

    def later(self, moment: dt.datetime, hours: float) -> dt.datetime:
        """`moment` plus working hours."""
        return self.cal.add_working_hours(moment, Decimal(str(round(hours, 2))))

    def actor_at_step(self, dossier: Dossier, rng: random.Random) -> User:
        """Whoever acts at the dossier's current step."""
        if dossier.current_post_id is not None:
            holder = PostAssignment.objects.filter(post_id=dossier.current_post_id, end_at__isnull=True).first()
            if holder is not None:
                return holder.user
        step = steps_of(dossier.procedure_version)[step_index(dossier.procedure_version, dossier.current_step)]
        assert dossier.current_unit_id is not None
        return self.staff.who(step_permission(step), dossier.current_unit_id, rng)

    def one(self, unit: Unit, version: ProcedureVersion, received: dt.datetime, rng: random.Random, index: int) -> None:
        """Create one dossier and drive it to the outcome drawn for it."""
        outcome = rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
        pool = self.citizens.setdefault(unit.pk, [])
        applicant = rng.choice(pool) if pool and rng.random() < 0.35 else _person(rng, index)
        if applicant not in pool:
            pool.append(applicant)
        sub = receipt.Submission(
            procedure_code=version.procedure.code,
            applicant=applicant,
            components=[c.code for c in version.components.all() if c.required],
            result_delivery=rng.choice(("desk", "desk", "electronic", "post")),
        )
        online = version.online_submission and rng.random() < 0.78
        receiver = self.staff.who(P.DOSSIER_RECEIVE, unit.pk, rng)
        if online:
            self.at(received - dt.timedelta(hours=rng.randint(1, 40)))
            dossier = receipt.dossier_register_online(actor=None, unit=unit, submission=sub, is_demo=True)
            if outcome == "registered" or not self.at(received):
                return
            dossier = receipt.dossier_receive_registered(
                actor=receiver, dossier_id=dossier.pk, on_behalf=rng.random() < 0.15
            )
        else:
            self.at(received)
            channel = Channel.POST if rng.random() < 0.05 else Channel.IN_PERSON
            dossier = receipt.dossier_receive(actor=receiver, unit=unit, submission=sub, channel=channel, is_demo=True)
        self.created += 1
        self.drive(dossier, outcome, rng, receiver)

    def drive(self, dossier: Dossier, outcome: str, rng: random.Random, receiver: User) -> None:
        """Walk a received dossier through its process towards `outcome`, stopping at 'now'."""
        t = dossier.received_at
        assert t is not None
        if outcome == "refused":
            if self.at(self.later(t, 0.5)):
                receipt.dossier_refuse(actor=receiver, dossier_id=dossier.pk, reason="Hồ sơ không thuộc thẩm quyền")
            return
        if outcome == "withdrawn":
            if self.at(self.later(t, rng.uniform(2, 10))):
                closing.dossier_withdraw(actor=receiver, dossier_id=dossier.pk, reason="Công dân xin rút hồ sơ")
            return
        if outcome == "payment_online" and dossier.fee_total > 0:
            t = self.later(t, 0.2)
            if not self.at(t):
                return
            pauses.dossier_request_payment(actor=receiver, dossier_id=dossier.pk)
            t = self.later(t, rng.uniform(0.5, 6))
            if not self.at(t):
                return
            reference = f"DEMO-{secrets.token_hex(6).upper()}"
            Payment.objects.create(
                dossier=dossier, method="online", provider="standin", amount_vnd=dossier.fee_total, reference=reference
            )
            pauses.dossier_confirm_online_payment(
                actor=None, reference=reference, provider_transaction=f"T{reference}", amount_vnd=dossier.fee_total
            )
        version = dossier.procedure_version
        total = float(sum(Decimal(str(s.get("hours") or 0)) for s in steps_of(version))) or 8.0
        late = outcome == "late"
        approve_at = approve_step_index(version)
        supplemented = False
        while step_index(version, Dossier.objects.get(pk=dossier.pk).current_step) < approve_at:
            dossier = Dossier.objects.get(pk=dossier.pk)
            step = steps_of(version)[step_index(version, dossier.current_step)]
            share = float(step.get("hours") or 0) or total * 0.1
            t = self.later(t, share * (rng.uniform(1.3, 2.5) if late else rng.uniform(0.2, 0.8)))
            if not self.at(t):
                return
            actor = self.actor_at_step(dossier, rng)
            if outcome.startswith("supplement") and not supplemented and "request_supplement" in step["actions"]:
                pauses.dossier_request_supplement(
                    actor=actor, dossier_id=dossier.pk, reason="Bổ sung bản sao giấy tờ tùy thân còn hiệu lực"
                )
                supplemented = True
                if outcome == "supplement_waiting":
                    return
                t = t + dt.timedelta(days=rng.randint(1, 8))
                t = self.cal.next_working_start(t)
                if not self.at(t):
                    return
                pauses.dossier_supplement_received(actor=receiver, dossier_id=dossier.pk)
                continue
            if outcome == "stopped" and step["key"] != "receive" and "stop" in step["actions"]:
                closing.dossier_stop(actor=actor, dossier_id=dossier.pk, reason="Không đủ điều kiện giải quyết")
                return
            if (
                outcome == "apology"
                and dossier.apology_count == 0
                and dossier.promised_at is not None
                and "apologise" in step["actions"]
            ):
                try:
                    closing.dossier_apologise(
                        actor=actor,
                        dossier_id=dossier.pk,
                        reason="Cần thêm thời gian xác minh thông tin",
                        new_promised_at=self.later(dossier.promised_at, 16),
                    )
                    late = True
                except DomainError:
                    late = False  # too close to the deadline for an apology: the dossier simply goes on
            steps.dossier_forward(actor=actor, dossier_id=dossier.pk)
        if outcome == "open":
            return
        dossier = Dossier.objects.get(pk=dossier.pk)
        t = self.later(t, rng.uniform(0.5, 4) * (2 if late else 1))
        if not self.at(t):
            return
        leader = self.actor_at_step(dossier, rng)
        closing.dossier_approve(
            actor=leader,
            dossier_id=dossier.pk,
            result_name=version.results[0] if version.results else "Kết quả giải quyết",
            result_number=f"{rng.randint(1, 999)}/{timezone.localtime(t):%Y}",
        )
        if outcome == "processed_only":
            return
        t = self.later(t, rng.uniform(0.2, 12))
        if not self.at(t):
            return
        closing.dossier_return_result(actor=receiver, dossier_id=dossier.pk, delivery="desk")


def _versions(level: str) -> list[ProcedureVersion]:
    return list(
        ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED, procedure__level=level, procedure__is_demo=True)
        .select_related("procedure")
        .prefetch_related("components", "fee_lines")
        .order_by("procedure__code")
    )


def seed_demo_dossiers(
    *, per_commune: int = 45, today: dt.date | None = None, progress: Callable[[str], None] | None = None
) -> int:
    """Create the demo dossiers (once: skipped when demo dossiers exist); returns how many were received."""
    if Dossier.objects.filter(is_demo=True).exists():
        return 0
    today = today or timezone.localdate()
    cal = current_calendar()
    communes = list(Unit.objects.filter(type__in=(UnitType.COMMUNE, UnitType.WARD), is_demo=True).order_by("code"))
    commune_versions, province_versions = _versions("commune"), _versions("province")
    if not communes or not commune_versions:
        return 0
    days = [START + dt.timedelta(days=i) for i in range((today - START).days)]
    days = [d for d in days if cal.is_working_day(d)]
    with simulated_clock() as clock:
        gen = Generator(
            cal=cal,
            staff=Staff.load(),
            now=timezone.now(),
            clock=clock,
            communes=communes,
            commune_versions=commune_versions,
            province_versions=province_versions,
            province_desk=Unit.objects.filter(code="CM-TTHCC").first(),
        )
        for n, unit in enumerate(communes):
            rng = random.Random(f"dossiers:{unit.code}:{today.isoformat()}")
            plan = sorted(_working_moment(cal, rng.choice(days), rng) for _ in range(per_commune))
            with transaction.atomic():
                for i, received in enumerate(plan):
                    version = rng.choice(commune_versions)
                    gen.one(unit, version, received, rng, n * 10_000 + i)
            if progress and (n + 1) % 8 == 0:
                progress(f"{n + 1}/{len(communes)} communes and wards, {gen.created} dossiers")
        if gen.province_desk is not None and province_versions:
            rng = random.Random(f"dossiers:province:{today.isoformat()}")
            plan = sorted(_working_moment(cal, rng.choice(days), rng) for _ in range(per_commune * 4))
            with transaction.atomic():
                for i, received in enumerate(plan):
                    gen.one(gen.province_desk, rng.choice(province_versions), received, rng, 900_000 + i)
    return gen.created


__all__ = ["Status", "seed_demo_dossiers"]
