"""Benchmark PAdES signing and validation against floors measured in the same run.

    .venv/bin/python bench/bench_signing.py [--n 200] [--units 300]

Runs on a throw-away VAR folder and SQLite database (the demo in ./var is not touched), prints a
markdown table and writes the figures to bench/results/signing.json.
"""
# ruff: noqa: E402  (Django must be configured for the throw-away folder before the app modules load)

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from io import BytesIO, StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "signing.json"
_TMP = tempfile.TemporaryDirectory(prefix="twotier-bench-signing-")
os.environ["DJANGO_SETTINGS_MODULE"] = "twotier.settings"
os.environ["TWOTIER_VAR_DIR"] = _TMP.name
os.environ["TWOTIER_DATABASE_URL"] = f"sqlite:///{Path(_TMP.name) / 'bench.sqlite3'}"
os.environ["TWOTIER_PKI_DIR"] = str(Path(_TMP.name) / "pki")
os.environ.setdefault("TWOTIER_LOG_LEVEL", "WARNING")
sys.path.insert(0, str(ROOT / "src"))

import django

django.setup()

import weasyprint
from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.core.management import call_command
from django.test import override_settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import SimpleSigner

from twotier.core.actors import SystemActor
from twotier.core.audit import audit_record
from twotier.org.models import Unit, UnitType
from twotier.signing import certs, conf, keystore, material, stamp
from twotier.signing.pki import pki_issue_many
from twotier.signing.selectors import certificate_active_for
from twotier.signing.signer import document_sign, sign_pdf
from twotier.signing.validator import validate_pdf
from twotier.testing.factories import unit_make

ACTOR = SystemActor("bench")
PAGE = """
<html lang="vi"><head><meta charset="utf-8"><style>
 @page { size: A4; margin: 2cm } body { font-family: 'DejaVu Serif', serif; font-size: 12pt }
 h1 { text-align: center } .p2 { page-break-before: always } td { border: 1px solid #999; padding: 2pt }
</style></head><body>
 <p><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br>Độc lập - Tự do - Hạnh phúc</p>
 <h1>GIẤY KHAI SINH</h1><p>Phường Tân Thành, tỉnh Cà Mau</p>
 <table>{rows}</table>
 <div class="p2"><h2>Trích lục — trang 2</h2>{paragraphs}</div>
</body></html>
"""


def realistic_pdf() -> bytes:
    """A two-page birth certificate with a table and Vietnamese text, as WeasyPrint makes them."""
    rows = "".join(
        f"<tr><td>Trường {i}</td><td>Nguyễn Thị Thúy Hằng — ngày {i:02d}/09/2025, phường Tân Thành</td></tr>"
        for i in range(1, 25)
    )
    paragraphs = "<p>Căn cứ Luật Hộ tịch; Ủy ban nhân dân phường Tân Thành chứng nhận nội dung trên.</p>" * 20
    data = weasyprint.HTML(string=PAGE.replace("{rows}", rows).replace("{paragraphs}", paragraphs)).write_pdf()
    assert data is not None
    return data


def timed(fn: Callable[[], object], n: int, warmup: int) -> list[tuple[float, float]]:
    """Run `fn` warmup + n times; return n (wall, CPU) timings in milliseconds.

    The CPU time of this thread is recorded too: on a shared machine it moves far less with the load.
    """
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        wall, cpu = time.perf_counter_ns(), time.thread_time_ns()
        fn()
        out.append(((time.perf_counter_ns() - wall) / 1e6, (time.thread_time_ns() - cpu) / 1e6))
    return out


def summary(samples: list[tuple[float, float]]) -> dict[str, float]:
    """Return wall-clock p50, p95 and mean, and the CPU-time p50, of (wall, CPU) millisecond samples."""
    ordered = sorted(wall for wall, _ in samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50": round(statistics.median(ordered), 3),
        "p95": round(p95, 3),
        "mean": round(statistics.fmean(ordered), 3),
        "cpu_p50": round(statistics.median(cpu for _, cpu in samples), 3),
    }


def machine() -> dict[str, object]:
    """Describe the machine the figures come from."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    return {
        "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def make_units(count: int, unit_type: str, parent: Unit, prefix: str, series: int) -> list[Unit]:
    """Create `count` units with distinct electronic agency ids under `parent`."""
    return [
        unit_make(
            f"{prefix}-{i:03d}", f"Phường Thử Nghiệm {i}", unit_type, parent, agency_id=f"{i:03d}.{series:02d}.30.H12"
        )
        for i in range(1, count + 1)
    ]


def bare_sign(key: certs.PrivateKey, digest: bytes) -> bytes:
    """Sign a digest the way the CMS signer does, without PDF or CMS work."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(digest, PKCS1v15(), hashes.SHA256())
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key.sign(digest, ec.ECDSA(hashes.SHA256()))


def bare_verify(key: certs.PrivateKey, signature: bytes, digest: bytes) -> None:
    """Verify a digest signature with the matching public key."""
    public = key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        public.verify(signature, digest, PKCS1v15(), hashes.SHA256())
    else:
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(signature, digest, ec.ECDSA(hashes.SHA256()))


def key_of(unit: Unit) -> certs.PrivateKey:
    """Load the unit's private key from its encrypted file (for the floor measurements)."""
    row = certificate_active_for(unit)
    assert row is not None
    return certs.load_private_key(keystore.resolve(row.key_path).read_bytes(), conf.pki_passphrase())


def stock_pyhanko(pdf: bytes, unit: Unit) -> Callable[[], bytes]:
    """pyHanko's stock path for comparison: SimpleSigner re-parses the key and sizes the placeholder per call."""
    signing = material.material_for(certificate_active_for(unit))  # type: ignore[arg-type]
    der = key_of(unit).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    simple = SimpleSigner(
        signing_cert=signing.signer.signing_cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=signing.signer.cert_registry,
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="r",
        location="l",
    )
    return lambda: signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), meta, signer=simple).getvalue()


def seconds(fn: Callable[[], object]) -> float:
    """Run `fn` once and return the wall time in seconds."""
    start = time.perf_counter()
    fn()
    return round(time.perf_counter() - start, 3)


def first_use_ms(unit: Unit) -> float:
    """Time the first signature-material load for a unit (decrypt + key check + placeholder sizing)."""
    row = certificate_active_for(unit)
    assert row is not None
    material.forget(row.fingerprint_sha256)
    start = time.perf_counter_ns()
    material.material_for(row)
    return round((time.perf_counter_ns() - start) / 1e6, 3)


def per_key_type(pdf: bytes, unit: Unit, n: int, warmup: int) -> dict[str, object]:
    """Measure signing, validation and their floors for one unit's key."""
    digest = hashlib.sha256(pdf).digest()
    key = key_of(unit)
    signature = bare_sign(key, digest)
    first = first_use_ms(unit)
    sign = timed(lambda: sign_pdf(pdf, unit=unit, reason="Cấp bản điện tử", location="Cà Mau"), n, warmup)
    signed = sign_pdf(pdf, unit=unit, reason="Cấp bản điện tử", location="Cà Mau")
    report = validate_pdf(signed)
    assert report.valid and report.intact, report.reasons
    validate = timed(lambda: validate_pdf(signed), n, warmup)
    sha = timed(lambda: hashlib.sha256(pdf).digest(), n, warmup)
    raw_sign = timed(lambda: bare_sign(key, digest), n, warmup)
    raw_verify = timed(lambda: bare_verify(key, signature, digest), n, warmup)
    stock = timed(stock_pyhanko(pdf, unit), max(10, n // 4), 3)
    return {
        "key_type": certs.key_type_of(key),
        "first_use_ms": first,
        "signed_bytes": len(signed),
        "sign": summary(sign),
        "validate": summary(validate),
        "stock_pyhanko_sign": summary(stock),
        "floor_sha256_file": summary(sha),
        "floor_bare_sign": summary(raw_sign),
        "floor_bare_verify": summary(raw_verify),
    }


def main() -> None:
    """Run the benchmark, print the tables, write bench/results/signing.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="measured iterations per operation")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--units", type=int, default=300, help="signing units for the pki_init measurement")
    args = parser.parse_args()

    load_before = round(os.getloadavg()[0], 2)
    call_command("migrate", verbosity=0)
    pdf = realistic_pdf()
    province = unit_make("CM", "Tỉnh Cà Mau", UnitType.PROVINCE, agency_id="000.00.00.H12")
    wards = make_units(args.units - 1, UnitType.WARD, province, "CM-W", 30)
    quiet = StringIO()
    pki_cold = seconds(lambda: call_command("pki_init", stdout=quiet))
    pki_again = seconds(lambda: call_command("pki_init", stdout=quiet))
    departments = make_units(args.units, UnitType.COMMUNE_DEPARTMENT, province, "CM-D", 31)
    with override_settings(TWOTIER_PKI_KEY_TYPE="rsa-2048"):
        rsa_issue = seconds(lambda: pki_issue_many(actor=ACTOR, units=departments))
    ec_unit, rsa_unit = wards[0], departments[0]

    ecdsa = per_key_type(pdf, ec_unit, args.n, args.warmup)
    rsa_figures = per_key_type(pdf, rsa_unit, args.n, args.warmup)
    audited = timed(
        lambda: document_sign(actor=ACTOR, unit=ec_unit, pdf_bytes=pdf, reason="Cấp bản điện tử", location="Cà Mau"),
        args.n,
        args.warmup,
    )
    audit_only = timed(lambda: audit_record(actor=ACTOR, action="bench.audit", changes={"n": 1}), args.n, args.warmup)
    box = (340, 700, 560, 770)
    stamp.clear()
    stamp_first = timed(lambda: sign_pdf(pdf, unit=ec_unit, reason="r", location="l", stamp_box=box), 1, 0)[0][0]
    stamped = timed(lambda: sign_pdf(pdf, unit=ec_unit, reason="r", location="l", stamp_box=box), args.n, args.warmup)
    stamped_pdf = sign_pdf(pdf, unit=ec_unit, reason="r", location="l", stamp_box=box)
    stamped_validate = timed(lambda: validate_pdf(stamped_pdf), args.n, args.warmup)

    figures = {
        "date": dt.date.today().isoformat(),
        "load_before": load_before,
        "machine": machine(),
        "n": args.n,
        "warmup": args.warmup,
        "pdf": {"pages": 2, "bytes": len(pdf), "sha256": hashlib.sha256(pdf).hexdigest()},
        "ecdsa-p256": ecdsa,
        "rsa-2048": rsa_figures,
        "document_sign_ecdsa": summary(audited),
        "audit_record_alone": summary(audit_only),
        "visible_stamp_ecdsa": {
            "first_render_ms": round(stamp_first, 3),
            "sign": summary(stamped),
            "validate": summary(stamped_validate),
        },
        "pki": {
            "units": args.units,
            "pki_init_cold_s_ecdsa": pki_cold,
            "pki_init_rerun_s": pki_again,
            "issue_s_rsa2048": rsa_issue,
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown(figures))
    print(f"\nFigures written to {RESULTS.relative_to(ROOT)}")


def _row(label: str, key: str, s: dict[str, float], floor: float | None) -> str:
    ratio = f"{s['p50'] / floor:.0f}×" if floor else "—"
    floor_text = f"{floor:.3f}" if floor else "—"
    return (
        f"| {label} | {key} | {s['p50']:.2f} | {s['p95']:.2f} | {s['mean']:.2f} | {s['cpu_p50']:.2f} "
        f"| {floor_text} | {ratio} |"
    )


def markdown(f: dict) -> str:  # type: ignore[type-arg]
    """Render the figures as the markdown tables of docs/signing.md."""
    m = f["machine"]
    lines = [
        f"Signing benchmark, {f['date']}, {m['nproc']} × {m['cpu']}, Python {m['python']}; "
        f"{f['pdf']['pages']}-page PDF of {f['pdf']['bytes']} bytes, n = {f['n']} after {f['warmup']} warm-up runs; "
        f"load average {f['load_before']} before, {m['loadavg_1m_at_end']} after.",
        "",
        "| operation | key | p50 ms | p95 ms | mean ms | CPU p50 ms | floor p50 ms | p50 / floor |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key_type in ("ecdsa-p256", "rsa-2048"):
        k = f[key_type]
        sign_floor = k["floor_sha256_file"]["p50"] + k["floor_bare_sign"]["p50"]
        verify_floor = k["floor_sha256_file"]["p50"] + k["floor_bare_verify"]["p50"]
        lines.append(_row("`sign_pdf` (warm)", key_type, k["sign"], sign_floor))
        lines.append(_row("`validate_pdf`", key_type, k["validate"], verify_floor))
        lines.append(_row("stock pyHanko `sign_pdf`, for comparison", key_type, k["stock_pyhanko_sign"], sign_floor))
        lines.append(_row("floor: SHA-256 of the file", key_type, k["floor_sha256_file"], None))
        lines.append(_row("floor: bare signature of the digest", key_type, k["floor_bare_sign"], None))
        lines.append(_row("floor: bare verification", key_type, k["floor_bare_verify"], None))
    ec = f["ecdsa-p256"]
    ec_floor = ec["floor_sha256_file"]["p50"] + ec["floor_bare_sign"]["p50"]
    lines.append(_row("`document_sign` (sign + audit event)", "ecdsa-p256", f["document_sign_ecdsa"], ec_floor))
    lines.append(_row("… of which `audit_record` alone (SQLite)", "—", f["audit_record_alone"], None))
    lines.append(_row("`sign_pdf` with visible stamp (warm)", "ecdsa-p256", f["visible_stamp_ecdsa"]["sign"], ec_floor))
    lines.append(_row("`validate_pdf` of a stamped PDF", "ecdsa-p256", f["visible_stamp_ecdsa"]["validate"], None))
    p = f["pki"]
    lines += [
        "",
        "| one-off cost | figure |",
        "|---|---:|",
        f"| first signature of a unit in a process, ECDSA P-256 (decrypt key, size placeholder) | "
        f"{ec['first_use_ms']:.1f} ms |",
        f"| first signature of a unit in a process, RSA 2048 (decrypt key, key check, size placeholder) | "
        f"{f['rsa-2048']['first_use_ms']:.1f} ms |",
        f"| first visible stamp of a unit (WeasyPrint renders the Vietnamese part) | "
        f"{f['visible_stamp_ecdsa']['first_render_ms']:.1f} ms |",
        f"| `manage.py pki_init`, {p['units']} units, ECDSA P-256, from nothing | {p['pki_init_cold_s_ecdsa']:.2f} s |",
        f"| `manage.py pki_init` again (nothing to do) | {p['pki_init_rerun_s']:.2f} s |",
        f"| issuing {p['units']} RSA 2048 certificates (`pki_issue_many`) | {p['issue_s_rsa2048']:.2f} s |",
        f"| signed file size, ECDSA / RSA (input {f['pdf']['bytes']} bytes) | "
        f"{ec['signed_bytes']} / {f['rsa-2048']['signed_bytes']} bytes |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
