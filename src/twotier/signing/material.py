"""Signing material (decrypted key + certificate chain) loaded once per process and cached per certificate.

Loading is the slow part of a signature: decrypting the PEM runs PBKDF2, loading an RSA key checks it
(≈70 ms), and pyHanko's own `SimpleSigner` re-parses the key on every signature. We do all of that once,
keep the key object, and size the signature placeholder once, so a warm signature is PDF work only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes, Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from twotier.core.errors import Conflict
from twotier.signing import certs, conf, keystore
from twotier.signing.models import SigningCertificate

# Room left in the signature placeholder beyond the measured size (hex digits): an ECDSA signature varies
# by a few bytes from one signature to the next.
PLACEHOLDER_MARGIN = 512


class KeyObjectSigner(Signer):
    """A pyHanko signer that keeps the loaded `cryptography` key object instead of re-parsing it per call."""

    def __init__(self, *, key: certs.PrivateKey, signing_cert: asn1_x509.Certificate, chain: list):  # type: ignore[type-arg]
        super().__init__(signing_cert=signing_cert, cert_registry=SimpleCertificateStore.from_certs(chain))
        self._key = key

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        """Sign `data` with the cached key (PKCS#1 v1.5 for RSA, ECDSA for EC keys)."""
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), hash_algo)
        return self._key.sign(data, ec.ECDSA(hash_algo))


@dataclass(frozen=True)
class SigningMaterial:
    """Everything needed to sign for one certificate, ready to use from any thread."""

    fingerprint: str
    certificate: x509.Certificate
    signer: KeyObjectSigner
    bytes_reserved: int

    @property
    def subject_common_name(self) -> str:
        """Return the certificate's CN (the agency name)."""
        return certs.common_name(self.certificate.subject)


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _placeholder_size(signer: KeyObjectSigner) -> int:
    dummy_time = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    cms = asyncio.run(
        signer.async_sign(
            bytes(32),
            "sha256",
            use_pades=True,
            dry_run=True,
            signed_attr_settings=PdfCMSSignedAttributes(signing_time=dummy_time),
        )
    )
    size = len(cms.dump()) * 2 + PLACEHOLDER_MARGIN
    return size + size % 2


def material_from(
    certificate: x509.Certificate, key: certs.PrivateKey, chain: list[x509.Certificate]
) -> SigningMaterial:
    """Build signing material from explicit objects (no database, no cache)."""
    if not certs.public_keys_match(certificate, key):
        raise ValueError("the private key does not belong to the certificate")
    signer = KeyObjectSigner(key=key, signing_cert=_to_asn1(certificate), chain=[_to_asn1(c) for c in chain])
    return SigningMaterial(
        fingerprint=certs.fingerprint(certificate),
        certificate=certificate,
        signer=signer,
        bytes_reserved=_placeholder_size(signer),
    )


_cache: dict[str, SigningMaterial] = {}
_lock = threading.Lock()


def _load(row: SigningCertificate) -> SigningMaterial:
    path = keystore.resolve(row.key_path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise Conflict(
            f"The key file of certificate {row.fingerprint_sha256[:16]} is missing ({path}); "
            "issue or import a new certificate for this unit.",
            code="signing_key_missing",
        ) from exc
    try:
        key = certs.load_private_key(data, conf.pki_passphrase())
    except (ValueError, TypeError) as exc:
        raise Conflict(
            f"The key file {path} cannot be decrypted with TWOTIER_PKI_PASSPHRASE.",
            code="signing_key_unreadable",
        ) from exc
    certificate = certs.load_certs(row.certificate_pem)[0]
    return material_from(certificate, key, certs.load_certs(row.chain_pem))


def material_for(row: SigningCertificate) -> SigningMaterial:
    """Return the cached material for a certificate row, loading it on first use (thread-safe)."""
    cached = _cache.get(row.fingerprint_sha256)
    if cached is not None:
        return cached
    with _lock:
        cached = _cache.get(row.fingerprint_sha256)
        if cached is None:
            cached = _load(row)
            _cache[row.fingerprint_sha256] = cached
        return cached


def cached(fingerprint: str) -> SigningMaterial | None:
    """Return the material already loaded for this fingerprint, or None."""
    return _cache.get(fingerprint)


def forget(fingerprint: str) -> None:
    """Drop one certificate's material (after it was deactivated)."""
    with _lock:
        _cache.pop(fingerprint, None)


def clear() -> None:
    """Drop every cached key (tests, or after the PKI folder or passphrase changed)."""
    with _lock:
        _cache.clear()
