import datetime as dt
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from twotier.core.actors import SystemActor
from twotier.core.errors import Conflict, InvalidInput
from twotier.core.models import AuditEvent
from twotier.org.models import UnitType
from twotier.signing import certs, keystore
from twotier.signing.models import CertificateKind, CertificateSource, SigningCertificate
from twotier.signing.pki import (
    pki_deactivate_certificate,
    pki_init,
    pki_issue_agency_certificate,
    pki_issue_many,
    province_name_for,
)
from twotier.testing.factories import unit_make

pytestmark = pytest.mark.django_db
ACTOR = SystemActor("pki-test")


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_pki_init_creates_a_self_signed_demo_root_with_an_encrypted_key(pki_dir):
    root = pki_init(actor=ACTOR)

    cert = x509.load_pem_x509_certificate(root.certificate_pem.encode())
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "TwoTier Demo Root CA — NOT FOR PRODUCTION"
    )
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert (constraints.critical, constraints.value.ca) == (True, True)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert (usage.key_cert_sign, usage.crl_sign, usage.digital_signature) == (True, True, False)
    cert.verify_directly_issued_by(cert)
    assert (root.kind, root.source, root.unit, root.is_active) == ("root", "demo", None, True)
    assert root.fingerprint_sha256 == certs.fingerprint(cert)
    assert root.key_path == "root-ca.key.pem"

    key_file = pki_dir / "root-ca.key.pem"
    assert _mode(key_file) == 0o600
    assert _mode(pki_dir) == 0o700
    assert key_file.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=b"test-passphrase")
    assert certs.public_keys_match(cert, key)  # type: ignore[arg-type]
    assert [e.changes["fingerprint"] for e in _events("signing.root_create")] == [root.fingerprint_sha256]


def test_pki_init_is_idempotent():
    first = pki_init(actor=ACTOR)
    events = AuditEvent.objects.count()

    again = pki_init(actor=ACTOR)

    assert again.pk == first.pk
    assert AuditEvent.objects.count() == events
    assert SigningCertificate.objects.filter(kind=CertificateKind.ROOT).count() == 1


def test_a_fresh_database_registers_the_root_already_on_disk(pki_dir):
    original = pki_init(actor=ACTOR)
    SigningCertificate.objects.all().delete()

    again = pki_init(actor=ACTOR)

    assert again.fingerprint_sha256 == original.fingerprint_sha256
    assert [e.changes["fingerprint"] for e in _events("signing.root_register")] == [original.fingerprint_sha256]


def test_a_new_pki_folder_creates_a_new_root_and_retires_the_old_one(settings, tmp_path):
    old = pki_init(actor=ACTOR)
    settings.TWOTIER_PKI_DIR = str(tmp_path / "elsewhere")

    new = pki_init(actor=ACTOR)

    old.refresh_from_db()
    assert new.fingerprint_sha256 != old.fingerprint_sha256
    assert (old.is_active, new.is_active) == (False, True)
    assert [e.target_id for e in _events("signing.certificate_deactivate")] == [str(old.pk)]


def test_pki_init_refuses_a_folder_holding_only_half_of_the_root(pki_dir):
    pki_init(actor=ACTOR)
    SigningCertificate.objects.all().delete()
    (pki_dir / "root-ca.key.pem").unlink()

    with pytest.raises(Conflict, match="only half"):
        pki_init(actor=ACTOR)
    assert SigningCertificate.objects.count() == 0


def test_pki_init_with_an_explicit_root_dir(tmp_path):
    root = pki_init(actor=ACTOR, root_dir=tmp_path / "custom")

    assert (tmp_path / "custom" / "root-ca.pem").exists()
    assert root.key_path == str((tmp_path / "custom" / "root-ca.key.pem").resolve())


def test_agency_certificate_carries_the_unit_province_and_agency_id(ca_mau, pki_dir):
    row = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)

    cert = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    root = x509.load_pem_x509_certificate(SigningCertificate.objects.get(kind="root").certificate_pem.encode())
    subject = {a.oid: a.value for a in cert.subject}
    assert subject == {
        NameOID.COMMON_NAME: "Phường Tân Thành",
        NameOID.ORGANIZATION_NAME: "Tỉnh Cà Mau",
        NameOID.COUNTRY_NAME: "VN",
        NameOID.USER_ID: "000.01.30.H12",
    }
    cert.verify_directly_issued_by(root)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert (usage.value.digital_signature, usage.value.content_commitment, usage.value.key_cert_sign) == (
        True,
        True,
        False,
    )
    ekus = set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert ekus == set(certs.AGENCY_EKUS)
    assert ExtendedKeyUsageOID.SERVER_AUTH not in ekus
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=365 * 3) <= lifetime <= dt.timedelta(days=365 * 3 + 1)

    assert (row.kind, row.source, row.unit_id, row.is_active) == ("agency", "demo", ca_mau.ward.pk, True)
    assert (row.agency_id, row.key_type) == ("000.01.30.H12", "ecdsa-p256")
    assert row.subject == "UID=000.01.30.H12,CN=Phường Tân Thành,O=Tỉnh Cà Mau,C=VN"
    assert row.chain_pem == SigningCertificate.objects.get(kind="root").certificate_pem
    key_file = keystore.resolve(row.key_path)
    assert key_file.parent == pki_dir / "keys"
    assert _mode(key_file) == 0o600
    assert key_file.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    issued = _events("signing.certificate_issue")
    assert [(e.target_id, e.unit_id, e.changes["fingerprint"]) for e in issued] == [
        (str(row.pk), ca_mau.ward.pk, row.fingerprint_sha256)
    ]


def test_the_province_itself_is_its_own_organisation(ca_mau):
    row = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.province)

    assert row.subject == "UID=000.00.00.H12,CN=Tỉnh Cà Mau,O=Tỉnh Cà Mau,C=VN"
    assert province_name_for(ca_mau.department) == "Tỉnh Cà Mau"


def test_issuing_again_keeps_the_certificate_and_renew_rotates_it(ca_mau):
    first = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    events = AuditEvent.objects.count()

    same = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    assert same.pk == first.pk
    assert AuditEvent.objects.count() == events

    renewed = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward, renew=True)
    first.refresh_from_db()
    assert renewed.pk != first.pk
    assert (first.is_active, renewed.is_active) == (False, True)
    assert first.deactivated_at is not None
    assert SigningCertificate.objects.filter(unit=ca_mau.ward, is_active=True).count() == 1
    assert [e.changes["reason"] for e in _events("signing.certificate_deactivate")] == ["renewed"]


def test_a_certificate_whose_key_file_vanished_is_replaced(ca_mau):
    first = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    keystore.resolve(first.key_path).unlink()

    second = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)

    assert second.pk != first.pk


def test_issue_many_issues_only_what_is_missing(ca_mau):
    pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)

    results = pki_issue_many(actor=ACTOR, units=[ca_mau.province, ca_mau.ward, ca_mau.commune])

    assert [(r.unit.code, r.created) for r in results] == [
        ("CM", True),
        ("CM-TANTHANH", False),
        ("CM-KHANHAN", True),
    ]
    assert SigningCertificate.objects.filter(kind="agency", is_active=True).count() == 3


def test_rsa_keys_on_request(settings, ca_mau):
    settings.TWOTIER_PKI_KEY_TYPE = "rsa-2048"

    row = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)

    assert row.key_type == "rsa-2048"
    assert SigningCertificate.objects.get(kind="root").key_type == "rsa-2048"


def test_a_unit_without_agency_id_gets_no_certificate(ca_mau):
    bare = unit_make("CM-X", "Xã Không Mã", UnitType.COMMUNE, ca_mau.province, agency_id=None)

    with pytest.raises(InvalidInput) as caught:
        pki_issue_agency_certificate(actor=ACTOR, unit=bare)

    assert [(i.field, i.rule) for i in caught.value.fields] == [("unit", "agency_id_required")]
    assert SigningCertificate.objects.count() == 0


def test_a_wrong_passphrase_cannot_issue(settings, ca_mau):
    pki_init(actor=ACTOR)
    settings.TWOTIER_PKI_PASSPHRASE = "not-the-passphrase"

    with pytest.raises(Conflict, match="cannot be decrypted"):
        pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    assert SigningCertificate.objects.filter(kind=CertificateKind.AGENCY).count() == 0


def test_deactivating_needs_a_reason_and_is_audited(ca_mau):
    row = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)

    with pytest.raises(InvalidInput):
        pki_deactivate_certificate(actor=ACTOR, certificate=row, reason=" ")
    pki_deactivate_certificate(actor=ACTOR, certificate=row, reason="key compromise")

    row.refresh_from_db()
    assert row.is_active is False
    assert [e.changes["reason"] for e in _events("signing.certificate_deactivate")] == ["key compromise"]
    assert row.source == CertificateSource.DEMO
