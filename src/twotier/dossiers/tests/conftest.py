"""A small province, a commune desk with its departments and staff, and two published procedures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from twotier.accounts.models import User
from twotier.core.calendar_services import calendar_seed_from_holidays
from twotier.dossiers.services import common
from twotier.org.models import Unit, UnitType
from twotier.procedures.models import ComponentSpec, FeeLine, Procedure, ProcedureVersion
from twotier.testing.factories import UserFactory, post_make, unit_make

VN = ZoneInfo("Asia/Ho_Chi_Minh")

PROCESS = {
    "steps": [
        {"key": "receive", "name": "Tiếp nhận", "unit": {"relative": "receiving"}, "role": "one_stop_receiver",
         "hours": 0, "actions": ["forward", "refuse", "request_supplement", "request_payment"]},
        {"key": "process", "name": "Xử lý", "unit": {"relative": "receiving_department", "department": "VX"},
         "role": "specialist", "hours": 8,
         "actions": ["forward", "return", "request_supplement", "request_payment", "apologise", "stop"]},
        {"key": "province", "name": "Sở Tư pháp", "unit": {"province_department": "STP"}, "role": "specialist",
         "hours": 16, "actions": ["forward", "return"]},
        {"key": "approve", "name": "Phê duyệt", "unit": {"relative": "receiving"}, "role": "unit_leader",
         "hours": 4, "actions": ["approve", "return", "apologise", "stop"]},
        {"key": "return", "name": "Trả kết quả", "unit": {"relative": "receiving"}, "role": "one_stop_receiver",
         "hours": 0, "actions": ["return_result"]},
    ]
}  # fmt: skip


class Clock:
    """A settable clock for the dossier services."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, *args: int) -> dt.datetime:
        self.now = dt.datetime(*args, tzinfo=VN)  # type: ignore[misc]
        return self.now


@dataclass
class Desk:
    province: Unit
    commune: Unit
    neighbour: Unit
    vx: Unit
    stp: Unit
    receiver: User
    specialist: User
    province_specialist: User
    leader: User
    other_receiver: User
    clock: Clock
    version: ProcedureVersion
    simple: ProcedureVersion


def _version(code, name, *, unit, value, process, fees=(), components=("TK", "GCS")) -> ProcedureVersion:
    procedure = Procedure.objects.create(
        code=code, name=name, name_folded=name.lower(), field="Hộ tịch", level="commune"
    )
    version = ProcedureVersion.objects.create(
        procedure=procedure, number=1, status="published", time_limit_unit=unit, time_limit_value=value,
        process=process, requires_paper_result=True, online_submission=True,
    )  # fmt: skip
    for i, code_ in enumerate(components):
        ComponentSpec.objects.create(version=version, order=i, code=code_, name=f"Thành phần {code_}", required=True)
    ComponentSpec.objects.create(version=version, order=9, code="UQ", name="Văn bản ủy quyền", required=False)
    for i, (fee_code, amount) in enumerate(fees):
        FeeLine.objects.create(version=version, order=i, code=fee_code, name=f"Lệ phí {fee_code}", amount_vnd=amount)
    return version


@pytest.fixture
def desk(db, monkeypatch) -> Desk:
    calendar_seed_from_holidays(actor=None, years=[2026, 2027])
    province = unit_make("CM", "Tỉnh Cà Mau", UnitType.PROVINCE, agency_id="000.00.00.H12")
    stp = unit_make("CM-STP", "Sở Tư pháp", UnitType.PROVINCE_DEPARTMENT, province, agency_id="000.00.03.H12")
    commune = unit_make("CM-TANTHANH", "Phường Tân Thành", UnitType.WARD, province, agency_id="000.08.30.H12")
    vx = unit_make("CM-TANTHANH-VX", "Phòng Văn hóa - Xã hội", UnitType.COMMUNE_DEPARTMENT, commune)
    neighbour = unit_make("CM-DAMDOI", "Xã Đầm Dơi", UnitType.COMMUNE, province, agency_id="000.17.30.H12")
    people = {}
    for name, unit, role, scope in (
        ("receiver", commune, "one_stop_receiver", commune),
        ("specialist", vx, "specialist", commune),
        ("province_specialist", stp, "specialist", stp),
        ("leader", commune, "unit_leader", commune),
        ("other_receiver", neighbour, "one_stop_receiver", neighbour),
    ):
        people[name] = UserFactory(username=name)
        post_make(unit, role, holder=people[name], scope_unit=scope)
    clock = Clock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN))  # a Monday
    monkeypatch.setattr(common, "_clock", clock)
    version = _version(
        "1.000001", "Đăng ký kết hôn", unit="working_day", value=Decimal(5), process=PROCESS,
        fees=(("LP1", 30000),),
    )  # fmt: skip
    simple = _version("1.001193", "Đăng ký khai sinh", unit="same_day", value=None, process={})
    return Desk(province, commune, neighbour, vx, stp, clock=clock, version=version, simple=simple, **people)
