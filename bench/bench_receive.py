"""Receiving dossiers through the API under concurrency, beside floors measured in the same run.

    .venv/bin/python bench/bench_receive.py [--clients 16] [--seconds 20] [--workers 3] [--threads 8]

Needs PostgreSQL on 127.0.0.1:5432 (trust auth): creates and drops the database `twotier_bench_receive`.
Starts gunicorn on a free loopback port with the production settings (no debug), seeds one province
with one ward, a receiver with a personal access token and one published procedure, then runs three
phases with the same client pool (keep-alive HTTP/1.1, one connection per client):
  1. floor A: GET /api/v1/health (an endpoint that touches the database and does nothing else);
  2. floor B: the bare INSERT rate of the same dossier rows through the ORM (bulk, one process);
  3. POST /api/v1/dossiers (full receipt: validation, code generation, components, fees, status
     history, audit chain, two outbox messages), each with a unique Idempotency-Key.
Prints a markdown table and writes bench/results/receive.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "twotier_bench_receive"
PG = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(), "load": os.getloadavg()}


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def psql(sql: str) -> None:
    """Run one statement as postgres on the maintenance database."""
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql], check=True)


def setup_django(env: dict[str, str]) -> None:
    """Point this process at the benchmark database and load Django."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def seed() -> tuple[str, str]:
    """One ward, its receiver with a token, one procedure; returns (token, unit code)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from twotier.core.calendar_services import calendar_seed_from_holidays
    from twotier.org.models import UnitType
    from twotier.procedures.models import ComponentSpec, FeeLine, Procedure, ProcedureVersion
    from twotier.testing.authz import issue_token
    from twotier.testing.factories import UserFactory, post_make, unit_make

    calendar_seed_from_holidays(actor=None, years=[2026, 2027])
    province = unit_make("CM", "Tỉnh Cà Mau", UnitType.PROVINCE, agency_id="000.00.00.H12")
    ward = unit_make("CM-TANTHANH", "Phường Tân Thành", UnitType.WARD, province, agency_id="000.08.30.H12")
    receiver = UserFactory(username="bench-receiver")
    post_make(ward, "one_stop_receiver", holder=receiver)
    procedure = Procedure.objects.create(
        code="1.001193", name="Đăng ký khai sinh", name_folded="dang ky khai sinh", field="Hộ tịch", level="commune"
    )
    version = ProcedureVersion.objects.create(
        procedure=procedure, number=1, status="published", time_limit_unit="working_day", time_limit_value=3
    )
    for i, code in enumerate(("TK", "GCS")):
        ComponentSpec.objects.create(version=version, order=i, code=code, name=f"Thành phần {code}")
    FeeLine.objects.create(version=version, code="LP", name="Lệ phí", amount_vnd=8000)
    return issue_token(receiver), ward.code


def body(unit: str, i: int) -> bytes:
    """A realistic receipt request."""
    return json.dumps(
        {
            "unit": unit,
            "procedure_code": "1.001193",
            "applicant": {"name": f"Nguyễn Văn Bé {i}", "id_number": "096090001234", "phone": "0912345678"},
            "components": ["TK", "GCS"],
        }
    ).encode()


def hammer(port: int, clients: int, seconds: float, make_request) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Run `clients` keep-alive connections for `seconds`; return throughput and latency percentiles."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    counter = iter(range(10**9))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while time.monotonic() < deadline:
            method, path, payload, headers, expected = make_request(next(counter))
            started = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == expected
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def bare_insert_rate(unit_code: str, n: int) -> float:
    """Rows/s for inserting the same dossier rows (and their components) with bulk ORM inserts."""
    from django.db import transaction
    from django.utils import timezone

    from twotier.dossiers.models import Dossier, DossierComponent
    from twotier.org.models import Unit
    from twotier.procedures.models import ProcedureVersion

    unit = Unit.objects.get(code=unit_code)
    version = ProcedureVersion.objects.get()
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        rows = [
            Dossier(
                code=f"FLOOR-{uuid.uuid4().hex[:12]}",
                procedure_version=version,
                receiving_unit=unit,
                channel=1,
                status=2,
                applicant_name=f"Nguyễn Văn Bé {i}",
                applicant_name_folded=f"nguyen van be {i}",
                received_at=now,
                promised_at=now,
            )
            for i in range(n)
        ]
        Dossier.objects.bulk_create(rows, batch_size=500)
        DossierComponent.objects.bulk_create(
            [DossierComponent(dossier=d, code=c, name=c) for d in rows for c in ("TK", "GCS")], batch_size=1000
        )
    elapsed = time.perf_counter() - started
    Dossier.objects.filter(code__startswith="FLOOR-").delete()
    return n / elapsed


def main() -> None:
    """Run the phases and report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    psql(f"CREATE DATABASE {DB_NAME}")
    var = Path(tempfile.mkdtemp(prefix="twotier-bench-receive-"))
    env = {
        "DJANGO_SETTINGS_MODULE": "twotier.settings",
        "TWOTIER_DATABASE_URL": PG,
        "TWOTIER_VAR_DIR": str(var),
        "TWOTIER_DB_CONN_MAX_AGE": "600",
        "TWOTIER_LOG_LEVEL": "ERROR",
        "TWOTIER_HUEY_IMMEDIATE": "0",
    }
    setup_django(env)
    token, unit = seed()
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "twotier.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT / "src")},
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        hammer(port, args.clients, 2, lambda i: ("GET", "/api/v1/health", None, {}, 200))  # warm-up
        health = hammer(port, args.clients, args.seconds / 2, lambda i: ("GET", "/api/v1/health", None, {}, 200))
        inserts = bare_insert_rate(unit, 5000)
        receive = hammer(
            port,
            args.clients,
            args.seconds,
            lambda i: (
                "POST",
                "/api/v1/dossiers",
                body(unit, i),
                {**auth, "Idempotency-Key": uuid.uuid4().hex},
                201,
            ),
        )
    finally:
        server.terminate()
        server.wait(10)
    from twotier.dossiers.models import Dossier

    created = Dossier.objects.count()
    codes = Dossier.objects.values_list("code", flat=True).distinct().count()
    result = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "clients": args.clients,
        "gunicorn": {"workers": args.workers, "threads": args.threads},
        "health": health,
        "bare_insert_rows_per_second": inserts,
        "receive": receive,
        "dossiers_created": created,
        "distinct_codes": codes,
    }
    out = ROOT / "bench" / "results" / "receive.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print("| phase | req/s | p50 ms | p95 ms | errors |\n|---|---|---|---|---|")
    for name, r in (("GET /health (floor)", health), ("POST /dossiers (receipt)", receive)):
        print(f"| {name} | {r['per_second']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['errors']} |")
    print(f"\nBare ORM insert of the same rows: {inserts:.0f} rows/s (floor).")
    print(f"Receipt throughput = {receive['per_second'] / health['per_second']:.2f} × the empty-endpoint floor.")
    print(f"{created} dossiers, {codes} distinct codes. Machine: {result['machine']}")
    from django.db import connections

    connections.close_all()
    psql(f"DROP DATABASE IF EXISTS {DB_NAME}")


if __name__ == "__main__":
    main()
