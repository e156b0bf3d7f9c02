"""Fixtures of the procedures tests: the API URLs, the 2026 calendar, a small Cà Mau-like organisation."""

from __future__ import annotations

import pytest

from twotier.core.calendar import invalidate
from twotier.core.calendar_services import calendar_seed_from_holidays
from twotier.org.models import UnitType
from twotier.testing.factories import unit_make


@pytest.fixture(autouse=True)
def _procedures_urls(settings):
    """Serve the procedures API at /api/v1/ whether or not the root API mounts it yet."""
    settings.ROOT_URLCONF = "twotier.procedures.tests.urls"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded templates go to a temporary folder, not var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def calendar_2026(db):
    """The 2026 public holidays (Tết: Mon 16 – Fri 20 Feb) in the calendar table."""
    calendar_seed_from_holidays(actor=None, years=[2026])
    invalidate()
    yield
    invalidate()


@pytest.fixture
def org(db):
    """Province CM with its one-stop centre and departments, and commune CM-TT with VX and KT."""
    province = unit_make("CM", "Tỉnh Cà Mau", UnitType.PROVINCE)
    units = {"CM": province}
    for suffix in ("TTHCC", "STP", "SNNMT", "SXD", "STC", "SNV", "CAT"):
        units[f"CM-{suffix}"] = unit_make(f"CM-{suffix}", f"Sở {suffix}", UnitType.PROVINCE_DEPARTMENT, province)
    commune = unit_make("CM-TT", "Phường Tân Thành", UnitType.WARD, province)
    units["CM-TT"] = commune
    for suffix in ("VX", "KT"):
        units[f"CM-TT-{suffix}"] = unit_make(f"CM-TT-{suffix}", f"Phòng {suffix}", UnitType.COMMUNE_DEPARTMENT, commune)
    return units
