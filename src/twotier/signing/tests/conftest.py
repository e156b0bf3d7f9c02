"""Fixtures of the signing tests: a PKI folder under tmp_path, Cà Mau units, WeasyPrint PDFs, a foreign CA."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from django.utils import timezone

from twotier.org.models import Unit, UnitType
from twotier.signing import certs, material, stamp, validator
from twotier.testing.factories import unit_make

BIRTH_HTML = """
<html lang="vi"><head><meta charset="utf-8"><style>
  @page { size: A4; margin: 2cm }
  body { font-family: 'DejaVu Serif', serif; font-size: 12pt }
  h1 { text-align: center; font-size: 16pt }
  .page2 { page-break-before: always }
</style></head><body>
  <p><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br>Độc lập - Tự do - Hạnh phúc</p>
  <h1>Giấy khai sinh — Phường Tân Thành, tỉnh Cà Mau</h1>
  <p>Họ, chữ đệm, tên: NGUYỄN THỊ THÚY HẰNG</p>
  <p>Ngày, tháng, năm sinh: 02/09/2025 — ghi bằng chữ: Ngày hai, tháng chín, năm hai nghìn không trăm hai mươi lăm</p>
  <p>Nơi sinh: Bệnh viện Đa khoa Cà Mau, phường Tân Thành, tỉnh Cà Mau</p>
  {filler}
  <div class="page2"><h2>Trang 2 — Ghi chú</h2>{filler}</div>
</body></html>
"""


@pytest.fixture(scope="session")
def birth_pdf() -> bytes:
    """A realistic two-page Vietnamese PDF, rendered once per test session."""
    import weasyprint

    filler = "<p>Người đi khai sinh: Trần Văn Đức, quan hệ với người được khai sinh: cha.</p>" * 12
    data = weasyprint.HTML(string=BIRTH_HTML.replace("{filler}", filler)).write_pdf()
    assert data is not None
    return data


@pytest.fixture(autouse=True)
def pki_dir(settings, tmp_path) -> Path:
    """Every test gets its own PKI folder and empty caches; ./var/pki is never touched."""
    folder = tmp_path / "pki"
    settings.TWOTIER_PKI_DIR = str(folder)
    settings.TWOTIER_PKI_TRUST_ANCHORS = []
    settings.TWOTIER_PKI_KEY_TYPE = "ecdsa-p256"
    settings.TWOTIER_PKI_PASSPHRASE = "test-passphrase"
    settings.TWOTIER_PKI_TRUST_DEMO_ROOT = True
    material.clear()
    validator.clear_cache()
    stamp.clear()
    yield folder
    material.clear()
    validator.clear_cache()


@dataclass
class CaMau:
    province: Unit
    department: Unit
    ward: Unit
    commune: Unit


@pytest.fixture
def ca_mau(db) -> CaMau:
    """Tỉnh Cà Mau with a department, a ward and a commune, each with an electronic agency id."""
    province = unit_make("CM", "Tỉnh Cà Mau", UnitType.PROVINCE, agency_id="000.00.00.H12")
    return CaMau(
        province=province,
        department=unit_make("CM-STP", "Sở Tư pháp", UnitType.PROVINCE_DEPARTMENT, province, agency_id="000.00.05.H12"),
        ward=unit_make("CM-TANTHANH", "Phường Tân Thành", UnitType.WARD, province, agency_id="000.01.30.H12"),
        commune=unit_make("CM-KHANHAN", "Xã Khánh An", UnitType.COMMUNE, province, agency_id="000.02.30.H12"),
    )


@dataclass
class ForeignCA:
    """A CA outside the demo PKI: a stand-in for a real national CA, or for an attacker's."""

    cert: x509.Certificate
    key: certs.PrivateKey

    def issue(
        self,
        *,
        name: str,
        agency_id: str,
        key_type: str = "rsa-2048",
        years: int = 3,
        backdate_days: int = 0,
    ) -> tuple[x509.Certificate, certs.PrivateKey]:
        """Issue a document-signing certificate and return it with its key."""
        key = certs.new_private_key(key_type)
        now = timezone.now() - timezone.timedelta(days=backdate_days)
        cert = certs.build_agency_certificate(
            public_key=key.public_key(),
            subject=certs.agency_subject(unit_name=name, province_name="Tỉnh Cà Mau", agency_id=agency_id),
            issuer_cert=self.cert,
            issuer_key=self.key,
            now=now,
            years=years,
        )
        return cert, key


def make_foreign_ca(common_name: str, key_type: str = "rsa-2048") -> ForeignCA:
    """Create a self-signed CA with its own name."""
    key = certs.new_private_key(key_type)
    return ForeignCA(cert=certs.build_root_ca(key, now=timezone.now(), common_name=common_name), key=key)


@pytest.fixture(scope="session")
def national_ca() -> ForeignCA:
    """Stands in for a real national root CA (RSA, like the ones agencies get their certificates from)."""
    return make_foreign_ca("Test National Root CA")


@pytest.fixture(scope="session")
def rogue_ca() -> ForeignCA:
    """A CA nobody configured as trusted."""
    return make_foreign_ca("Rogue Root CA", key_type="ecdsa-p256")
