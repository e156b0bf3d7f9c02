import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from twotier.core.actors import SystemActor
from twotier.core.errors import Conflict, InvalidInput
from twotier.core.models import AuditEvent
from twotier.signing import certs, keystore
from twotier.signing.models import SigningCertificate
from twotier.signing.pki import pki_issue_agency_certificate, pki_issue_many
from twotier.signing.pki_import import pki_import_certificate, pki_import_pkcs12
from twotier.signing.signer import sign_pdf
from twotier.signing.validator import validate_pdf

pytestmark = pytest.mark.django_db
ACTOR = SystemActor("pki-test")
AGENCY_PASSPHRASE = b"mat-khau-cua-co-quan"


def _pem_key(key, passphrase=AGENCY_PASSPHRASE):
    encryption = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def _files(folder):
    return sorted(p.name for p in (folder / "keys").glob("*")) if (folder / "keys").exists() else []


def test_import_pem_registers_the_certificate_and_reencrypts_the_key(ca_mau, national_ca, pki_dir):
    demo = pki_issue_agency_certificate(actor=ACTOR, unit=ca_mau.ward)
    cert, key = national_ca.issue(name="Phường Tân Thành", agency_id="000.01.30.H12")

    row = pki_import_certificate(
        actor=ACTOR,
        unit=ca_mau.ward,
        cert_pem=certs.cert_to_pem(cert) + certs.cert_to_pem(national_ca.cert),
        key_pem=_pem_key(key),
        passphrase=AGENCY_PASSPHRASE.decode(),
    )

    demo.refresh_from_db()
    assert (row.source, row.kind, row.unit_id, row.is_active, demo.is_active) == (
        "imported",
        "agency",
        ca_mau.ward.pk,
        True,
        False,
    )
    assert (row.key_type, row.agency_id) == ("rsa-2048", "000.01.30.H12")
    assert row.issuer == "C=VN,O=TwoTier demo PKI,CN=Test National Root CA"
    assert row.chain_pem == certs.cert_to_pem(national_ca.cert)
    key_file = keystore.resolve(row.key_path)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(key_file.read_bytes(), AGENCY_PASSPHRASE)
    serialization.load_pem_private_key(key_file.read_bytes(), b"test-passphrase")
    (event,) = AuditEvent.objects.filter(action="signing.certificate_import")
    assert (event.unit_id, event.changes["fingerprint"], event.changes["chain_length"]) == (
        ca_mau.ward.pk,
        row.fingerprint_sha256,
        1,
    )


def test_an_imported_certificate_signs_and_is_trusted_once_its_root_is_configured(
    settings, tmp_path, ca_mau, national_ca, birth_pdf
):
    cert, key = national_ca.issue(name="Phường Tân Thành", agency_id="000.01.30.H12")
    pki_import_certificate(
        actor=ACTOR,
        unit=ca_mau.ward,
        cert_pem=certs.cert_to_pem(cert),
        key_pem=_pem_key(key),
        passphrase=AGENCY_PASSPHRASE,
        chain_pem=certs.cert_to_pem(national_ca.cert),
    )
    signed = sign_pdf(birth_pdf, unit=ca_mau.ward, reason="r", location="l")
    assert (validate_pdf(signed).intact, validate_pdf(signed).valid) == (True, False)

    anchors = tmp_path / "national-root.pem"
    anchors.write_text(certs.cert_to_pem(national_ca.cert))
    settings.TWOTIER_PKI_TRUST_ANCHORS = [str(anchors)]

    report = validate_pdf(signed)
    assert (report.intact, report.valid, report.agency_id) == (True, True, "000.01.30.H12")


def test_import_pkcs12_with_its_chain(ca_mau, national_ca, birth_pdf):
    cert, key = national_ca.issue(name="Xã Khánh An", agency_id="000.02.30.H12", key_type="ecdsa-p256")
    bundle = pkcs12.serialize_key_and_certificates(
        b"khanh-an", key, cert, [national_ca.cert], serialization.BestAvailableEncryption(AGENCY_PASSPHRASE)
    )

    row = pki_import_pkcs12(actor=ACTOR, unit=ca_mau.commune, pkcs12_data=bundle, passphrase=AGENCY_PASSPHRASE)

    assert (row.source, row.key_type, row.chain_pem) == ("imported", "ecdsa-p256", certs.cert_to_pem(national_ca.cert))
    assert validate_pdf(sign_pdf(birth_pdf, unit=ca_mau.commune, reason="r", location="l")).intact


def test_a_wrong_passphrase_changes_nothing(ca_mau, national_ca, pki_dir):
    cert, key = national_ca.issue(name="Phường Tân Thành", agency_id="000.01.30.H12")

    with pytest.raises(InvalidInput) as caught:
        pki_import_certificate(
            actor=ACTOR, unit=ca_mau.ward, cert_pem=certs.cert_to_pem(cert), key_pem=_pem_key(key), passphrase="sai"
        )

    assert [(i.field, i.rule) for i in caught.value.fields] == [("passphrase", "wrong_passphrase")]
    assert SigningCertificate.objects.count() == 0
    assert _files(pki_dir) == []
    assert not AuditEvent.objects.filter(action__startswith="signing.").exists()


def test_a_wrong_pkcs12_passphrase_is_invalid_input(ca_mau, national_ca):
    cert, key = national_ca.issue(name="Xã Khánh An", agency_id="000.02.30.H12", key_type="ecdsa-p256")
    bundle = pkcs12.serialize_key_and_certificates(
        b"x", key, cert, None, serialization.BestAvailableEncryption(AGENCY_PASSPHRASE)
    )

    with pytest.raises(InvalidInput) as caught:
        pki_import_pkcs12(actor=ACTOR, unit=ca_mau.commune, pkcs12_data=bundle, passphrase="sai")
    assert [i.rule for i in caught.value.fields] == ["wrong_passphrase"]


@pytest.mark.parametrize(
    ("case", "field", "rule"),
    [
        ("other_key", "key_pem", "key_mismatch"),
        ("expired", "cert_pem", "expired"),
        ("other_agency", "cert_pem", "agency_mismatch"),
        ("ca", "cert_pem", "ca_certificate"),
        ("garbage", "cert_pem", "unreadable"),
        ("no_key", "key_pem", "required"),
        ("encryption_only", "cert_pem", "key_usage"),
    ],
)
def test_bad_imports_are_rejected_field_by_field(case, field, rule, ca_mau, national_ca, pki_dir):
    cert, key = national_ca.issue(name="Phường Tân Thành", agency_id="000.01.30.H12", key_type="ecdsa-p256")
    cert_pem: str = certs.cert_to_pem(cert)
    key_pem: bytes = _pem_key(key)
    if case == "other_key":
        key_pem = _pem_key(certs.new_private_key("ecdsa-p256"))
    elif case == "expired":
        old, old_key = national_ca.issue(
            name="Phường Tân Thành", agency_id="000.01.30.H12", key_type="ecdsa-p256", years=1, backdate_days=400
        )
        cert_pem, key_pem = certs.cert_to_pem(old), _pem_key(old_key)
    elif case == "other_agency":
        other, other_key = national_ca.issue(name="Xã Khác", agency_id="000.09.30.H12", key_type="ecdsa-p256")
        cert_pem, key_pem = certs.cert_to_pem(other), _pem_key(other_key)
    elif case == "ca":
        cert_pem, key_pem = certs.cert_to_pem(national_ca.cert), _pem_key(national_ca.key)
    elif case == "garbage":
        cert_pem = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
    elif case == "no_key":
        key_pem = b""
    elif case == "encryption_only":
        encryption_usage = x509.KeyUsage(
            digital_signature=False,
            content_commitment=False,
            key_encipherment=True,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(cert.subject)
            .issuer_name(national_ca.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(cert.not_valid_before_utc)
            .not_valid_after(cert.not_valid_after_utc)
            .add_extension(encryption_usage, critical=True)
        )
        cert_pem = certs.cert_to_pem(builder.sign(national_ca.key, hashes.SHA256()))

    with pytest.raises(InvalidInput) as caught:
        pki_import_certificate(
            actor=ACTOR, unit=ca_mau.ward, cert_pem=cert_pem, key_pem=key_pem, passphrase=AGENCY_PASSPHRASE
        )

    assert [(i.field, i.rule) for i in caught.value.fields] == [(field, rule)]
    assert SigningCertificate.objects.count() == 0
    assert _files(pki_dir) == []


def test_importing_the_same_certificate_again_is_a_no_op_but_not_for_another_unit(ca_mau, national_ca):
    cert, key = national_ca.issue(name="Phường Tân Thành", agency_id="000.01.30.H12", key_type="ecdsa-p256")
    kwargs = {"cert_pem": certs.cert_to_pem(cert), "key_pem": _pem_key(key), "passphrase": AGENCY_PASSPHRASE}
    first = pki_import_certificate(actor=ACTOR, unit=ca_mau.ward, **kwargs)

    again = pki_import_certificate(actor=ACTOR, unit=ca_mau.ward, **kwargs)
    assert again.pk == first.pk
    assert AuditEvent.objects.filter(action="signing.certificate_import").count() == 1

    with pytest.raises(Conflict):
        pki_import_certificate(actor=ACTOR, unit=ca_mau.province, **kwargs)


def test_pki_init_keeps_imported_certificates_and_renew_refuses_them(ca_mau, national_ca):
    cert, key = national_ca.issue(name="Phường Tân Thành", agency_id="000.01.30.H12", key_type="ecdsa-p256")
    row = pki_import_certificate(  # an unencrypted key file is accepted too
        actor=ACTOR,
        unit=ca_mau.ward,
        cert_pem=certs.cert_to_pem(cert),
        key_pem=_pem_key(key, passphrase=None),
        passphrase=None,
    )

    (result,) = pki_issue_many(actor=ACTOR, units=[ca_mau.ward])
    assert (result.certificate.pk, result.created) == (row.pk, False)
    with pytest.raises(Conflict, match="imported certificate"):
        pki_issue_many(actor=ACTOR, units=[ca_mau.ward], renew=True)
