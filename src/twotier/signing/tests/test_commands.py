import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from twotier.core.models import AuditEvent
from twotier.org.models import UnitType
from twotier.signing.models import SigningCertificate
from twotier.testing.factories import unit_make

pytestmark = pytest.mark.django_db


def _run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_pki_init_equips_every_signing_unit_once(ca_mau):
    unit_make("CM-TANTHANH-VP", "Văn phòng HĐND và UBND", UnitType.COMMUNE_DEPARTMENT, ca_mau.ward)
    unit_make("CM-NOID", "Xã Chưa Có Mã", UnitType.COMMUNE, ca_mau.province, agency_id=None)
    unit_make(
        "CM-OLD",
        "Xã Đã Sáp Nhập",
        UnitType.COMMUNE,
        ca_mau.province,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2025, 6, 30),
    )

    first = _run("pki_init")

    assert "created root CA" in first
    issued = sorted(line.split()[1] for line in first.splitlines() if line.startswith("issued"))
    assert issued == ["CM", "CM-KHANHAN", "CM-STP", "CM-TANTHANH"]
    assert "4 certificate(s) issued, 0 already present" in first
    assert SigningCertificate.objects.filter(kind="agency", is_active=True).count() == 4
    events = AuditEvent.objects.count()

    second = _run("pki_init")

    assert "created root CA" not in second
    assert "0 certificate(s) issued, 4 already present" in second
    assert AuditEvent.objects.count() == events


def test_pki_issue_issues_keeps_and_renews(ca_mau):
    first = _run("pki_issue", "CM-TANTHANH")
    again = _run("pki_issue", "CM-TANTHANH")
    renewed = _run("pki_issue", "CM-TANTHANH", "--renew")

    assert first.startswith("issued  CM-TANTHANH")
    assert "CN=Phường Tân Thành" in first
    assert again.startswith("already has  CM-TANTHANH")
    assert again.split()[3] == first.split()[2]  # same fingerprint
    assert renewed.startswith("issued  CM-TANTHANH")
    assert SigningCertificate.objects.filter(unit=ca_mau.ward).count() == 2


def test_pki_issue_explains_what_is_wrong(ca_mau):
    unit_make("CM-NOID", "Xã Chưa Có Mã", UnitType.COMMUNE, ca_mau.province, agency_id=None)

    with pytest.raises(CommandError, match="No unit with code 'NOPE'"):
        _run("pki_issue", "NOPE")
    with pytest.raises(CommandError, match="has no electronic agency id"):
        _run("pki_issue", "CM-NOID")
