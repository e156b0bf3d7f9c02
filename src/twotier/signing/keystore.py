"""Key files in the PKI folder: written atomically with mode 0600, always encrypted, never in the database."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from twotier.signing import conf

ROOT_CERT_FILE = "root-ca.pem"
ROOT_KEY_FILE = "root-ca.key.pem"
KEYS_SUBDIR = "keys"


def ensure_dir(path: Path) -> Path:
    """Create the folder (and parents) readable by the owner only; return it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def resolve(key_path: str, base: Path | None = None) -> Path:
    """Return the absolute path of a stored key path (stored paths are relative to the PKI folder)."""
    return (base or conf.pki_dir()) / key_path


def relative(path: Path, base: Path | None = None) -> str:
    """Return `path` relative to the PKI folder when inside it, else absolute (as stored in the model)."""
    base = (base or conf.pki_dir()).resolve()
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(base))
    except ValueError:
        return str(absolute)


def write_secret(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically with mode 0600 (never readable by group or others)."""
    ensure_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask cannot widen 0600, but an old tmp file could have other bits
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def write_public(path: Path, data: bytes) -> None:
    """Write a certificate file atomically (mode 0644)."""
    ensure_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o644)
    os.replace(tmp, path)


def agency_key_path(fingerprint: str, base: Path | None = None) -> Path:
    """Return where the key of the certificate with this fingerprint is stored."""
    return (base or conf.pki_dir()) / KEYS_SUBDIR / f"{fingerprint[:32]}.key.pem"


@contextmanager
def pki_lock(base: Path | None = None) -> Iterator[None]:
    """Hold an exclusive lock on the PKI folder, so two processes never create two roots."""
    folder = ensure_dir(base or conf.pki_dir())
    with open(folder / ".lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
