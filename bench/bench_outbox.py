"""Benchmark: outbox delivery to the stand-in national portal with ONE worker, beside a raw-HTTP floor.

    .venv/bin/python bench/bench_outbox.py [--events 5000] [--batch 500] [--max-records 250] [--repeat 3]
                                           [--postgres postgres://postgres@127.0.0.1:5432/postgres]

What it does, in one run:
1. a temporary database (SQLite file by default; with --postgres a scratch database created and
   dropped on that server), migrated;
2. the stand-in portal as its own process (`python -m twotier.nationalportal.standin`) on a free
   loopback port, with its own SQLite file;
3. N outbox events with realistic payloads: dossiers with 5 status changes each, every change one
   DongBoHoSoMC upsert (whole dossier: components, fees, dates) and one CapNhatTienDoHoSoMC event,
   interleaved across dossiers as a backlog builds up;
4. worker: `deliver_until_idle()` in this process (claim, HTTP, record outcomes), timed;
5. floor: the same payloads in the same calls (same waves, same records per call) POSTed with a raw
   kept-alive http.client connection to the same stand-in, no database: the best the worker could do;
6. checks that the stand-in holds every event exactly once, then prints a markdown table and writes
   bench/results/outbox.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "outbox.json"
TARGET_EVENTS_PER_SECOND = 500
CHANGES = ((1, "register"), (2, "receive"), (4, "forward"), (9, "approve"), (10, "return_result"))
NAMES = ("Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng Phúc", "Phạm Thị Thu Hà", "Huỳnh Minh Trí")
PROCEDURES = (("1.001193", "Đăng ký khai sinh"), ("1.000894", "Đăng ký kết hôn"), ("2.000908", "Chứng thực bản sao"))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _stamp(base: dt.datetime, hours: int) -> str:
    return (base + dt.timedelta(hours=hours)).strftime("%Y%m%d%H%M%S")


def _component(code: str, d: int, i: int) -> dict[str, Any]:
    """One submitted component (TaiLieuNop) with a checksum."""
    return {
        "MaThanhPhanHoSo": code,
        "TenTaiLieu": f"Thành phần {code}",
        "DuocSoHoa": 1,
        "DuocTaiSuDung": 0,
        "MaKiemTra": f"{d:08x}{i:056x}",
    }


def _upsert(code: str, d: int, step: int, status: int) -> dict[str, Any]:
    """A DongBoHoSoMC document shaped like twotier.dossiers.portal.upsert_payload."""
    base = dt.datetime(2026, 3, 2, 8, 0) + dt.timedelta(minutes=d)
    procedure = PROCEDURES[d % len(PROCEDURES)]
    ended = status in (9, 10)
    return {
        "MaHoSo": code,
        "MaTTHC": procedure[0],
        "TenTTHC": procedure[1],
        "MaDonViTiepNhan": "000.08.30.H12",
        "TenDonViTiepNhan": "Phường Tân Thành",
        "ChuHoSo": NAMES[d % len(NAMES)],
        "SoGiayToChuHoSo": f"0960900{d:05d}",
        "KenhThucHien": 2 if d % 3 else 1,
        "NopThay": 0,
        "TrangThaiHoSo": status,
        "NgayNopHoSo": _stamp(base, 0),
        "NgayTiepNhan": _stamp(base, 1) if status >= 2 else None,
        "NgayHenTra": _stamp(base, 121) if status >= 2 else None,
        "NgayKetThucXuLy": _stamp(base, 20 + step) if ended else None,
        "NgayTra": _stamp(base, 30) if status == 10 else None,
        "HinhThucTra": "desk",
        "ToanTrinh": d % 2 == 0,
        "DuocThanhToanTrucTuyen": 2 if d % 4 == 0 else 0,
        "TaiLieuNop": [_component(c, d, i) for i, c in enumerate(("TK", "GCS", "CCCD"))],
        "DanhSachLePhi": [{"MaPhiLePhi": "LP1", "TenPhiLePhi": "Lệ phí", "Gia": 30000, "SoLuong": 1}],
        "DanhSachHoSoBoSung": [],
        "DanhSachXinLoi": [],
        "DanhSachGiayToKetQua": (
            [
                {
                    "TenGiayTo": "Giấy khai sinh",
                    "SoKyHieu": f"{d}/GKS",
                    "DuongDanTepTinKetQua": f"/tra-cuu/{code}/ket-qua/1",
                }
            ]
            if ended
            else []
        ),
    }


def _progress(code: str, d: int, step: int, status: int, action: str) -> dict[str, Any]:
    """A CapNhatTienDoHoSoMC event shaped like twotier.dossiers.portal.progress_payload."""
    base = dt.datetime(2026, 3, 2, 8, 0) + dt.timedelta(minutes=d)
    return {
        "MaHoSo": code,
        "STT": step,
        "TrangThaiHoSo": status,
        "ThaoTac": action,
        "NguoiXuLy": "receiver",
        "PhongBanXuLy": "Bộ phận Một cửa",
        "NoiDungXuLy": "Đã xử lý theo quy trình",
        "ThoiDiemXuLy": _stamp(base, step),
        "NgayHenTra": _stamp(base, 121),
    }


def generate(events: int) -> list[tuple[str, str, int, dict[str, Any]]]:
    """(topic, dossier code, seq, payload) in enqueue order: change k of every dossier, then change k+1."""
    dossiers = max(1, events // (2 * len(CHANGES)))
    rows = []
    for step, (status, action) in enumerate(CHANGES, start=1):
        for d in range(dossiers):
            code = f"000.08.30.H12-260302-{d:05d}"
            rows.append(("portal.DongBoHoSoMC", code, step, _upsert(code, d, step, status)))
            rows.append(("portal.CapNhatTienDoHoSoMC", code, step, _progress(code, d, step, status, action)))
    return rows[:events] if len(rows) >= events else rows


def start_standin(db: Path) -> tuple[subprocess.Popen[str], str]:
    """The stand-in portal as its own process; returns it and its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "twotier.nationalportal.standin", "--port", "0", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if " listening on " not in line:
        proc.kill()
        raise SystemExit(f"stand-in did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
    return proc, line.split(" listening on ", 1)[1].split()[0]


def raw_floor(url: str, calls: list[tuple[str, list[dict[str, Any]]]]) -> float:
    """POST the same calls with a bare kept-alive connection (JSON encode + HTTP + stand-in); seconds taken."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Content-Type": "application/json; charset=utf-8"}
    conn.request("POST", "/api/auth/login", json.dumps({"username": "standin", "password": "standin"}), headers)
    headers["Authorization"] = "Bearer " + json.loads(conn.getresponse().read())["session"]
    start = time.perf_counter()
    for service, records in calls:
        body = json.dumps({"service": service, "madonvi": "", "data": records}, ensure_ascii=False).encode()
        conn.request("POST", f"/api/hoso/{service}", body, headers)
        answer = json.loads(conn.getresponse().read())
        if answer["error_code"] != "0" or any(r["error_code"] != "0" for r in answer["results"]):
            raise SystemExit(f"floor call refused: {answer}")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    """Run the benchmark and report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500, help="messages claimed per worker round")
    parser.add_argument("--max-records", type=int, default=250, help="records per portal call")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default="", help="server URL; a scratch database is created on it")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    scratch_db = ""
    if args.postgres:
        import psycopg

        scratch_db = f"twotier_bench_{os.getpid()}"
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{scratch_db}"')
        database_url = args.postgres.rsplit("/", 1)[0] + "/" + scratch_db
    else:
        database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "twotier.settings",
            "TWOTIER_VAR_DIR": str(tmp),
            "TWOTIER_DATABASE_URL": database_url,
            "TWOTIER_NATIONAL_PORTAL_MAX_RECORDS": str(args.max_records),
            "TWOTIER_LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from twotier.core.models import OutboxMessage, OutboxStatus
    from twotier.core.outbox_delivery import deliver_until_idle
    from twotier.nationalportal.delivery import SERVICES, _waves, portal_record
    from twotier.nationalportal.standin import StandinControl

    call_command("migrate", verbosity=0)
    standin, url = start_standin(tmp / "standin.sqlite3")
    os.environ["TWOTIER_NATIONAL_PORTAL_URL"] = url
    control = StandinControl(url)
    rows = generate(args.events)
    dossiers = len({code for _t, code, _s, _p in rows})
    runs: list[dict[str, float]] = []
    try:
        for _ in range(args.repeat):
            OutboxMessage.objects.all().delete()
            now = timezone.now()
            OutboxMessage.objects.bulk_create(
                [
                    OutboxMessage(
                        topic=t,
                        aggregate_type="dossier",
                        aggregate_id=code,
                        seq=seq,
                        idempotency_key=f"{t}:dossier:{code}:{seq}",
                        payload=p,
                        next_attempt_at=now,
                    )
                    for t, code, seq, p in rows
                ],
                batch_size=1000,
            )
            control.reset()
            start = time.perf_counter()
            stats = deliver_until_idle(batch=args.batch)
            worker = time.perf_counter() - start
            held = control.stats()
            undelivered = OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).count()
            expected_progress = sum(1 for t, *_ in rows if t.endswith("CapNhatTienDoHoSoMC"))
            if (
                undelivered
                or stats.delivered != len(rows)
                or held["documents"] != dossiers
                or held["progress_events"] != expected_progress
                or held["progress_duplicates"]
            ):
                raise SystemExit(f"worker run incomplete: {stats} {held} undelivered={undelivered}")
            worker_calls = sum(c["calls"] for c in held["calls"])

            # The same calls, built the way the worker builds them: claim batches in id order, waves, chunks.
            messages = list(OutboxMessage.objects.order_by("pk"))
            calls: list[tuple[str, list[dict[str, Any]]]] = []
            for b in range(0, len(messages), args.batch):
                for wave in _waves(messages[b : b + args.batch]):
                    for topic in SERVICES:
                        group = [m for m in wave if m.topic == topic]
                        for c in range(0, len(group), args.max_records):
                            chunk = group[c : c + args.max_records]
                            calls.append((SERVICES[topic], [portal_record(m, "http://127.0.0.1:8000") for m in chunk]))
            control.reset()
            floor = raw_floor(url, calls)
            runs.append(
                {
                    "worker_seconds": worker,
                    "worker_events_per_second": len(rows) / worker,
                    "worker_calls": worker_calls,
                    "floor_seconds": floor,
                    "floor_events_per_second": len(rows) / floor,
                    "floor_calls": len(calls),
                }
            )
    finally:
        standin.terminate()
        standin.wait(timeout=10)
        vendor = connection.vendor
        connection.close()
        if scratch_db:
            import psycopg

            with psycopg.connect(args.postgres, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{scratch_db}"')

    worker_eps = statistics.median(r["worker_events_per_second"] for r in runs)
    floor_eps = statistics.median(r["floor_events_per_second"] for r in runs)
    result = {
        "benchmark": "outbox delivery to the stand-in national portal, one worker",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"nproc": os.cpu_count(), "cpu": _cpu_model(), "python": platform.python_version()},
        "database": vendor,
        "events": len(rows),
        "dossiers": dossiers,
        "batch": args.batch,
        "max_records_per_call": args.max_records,
        "runs": runs,
        "worker_events_per_second_median": round(worker_eps, 1),
        "floor_events_per_second_median": round(floor_eps, 1),
        "worker_share_of_floor": round(worker_eps / floor_eps, 3),
        "target_events_per_second": TARGET_EVENTS_PER_SECOND,
        "meets_target": worker_eps >= TARGET_EVENTS_PER_SECOND,
    }
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    m = result["machine"]
    worker_s = statistics.median(r["worker_seconds"] for r in runs)
    floor_s = statistics.median(r["floor_seconds"] for r in runs)
    mid = runs[len(runs) // 2]
    verdict = "meets" if result["meets_target"] else "MISSES"
    lines = [
        "",
        f"Outbox delivery, one worker — {m['nproc']} CPU ({m['cpu']}), Python {m['python']}, {vendor}, "
        f"{result['date']}",
        f"{len(rows)} events ({dossiers} dossiers × 5 changes × upsert+progress), batch {args.batch}, "
        f"≤ {args.max_records} records per call, median of {len(runs)} runs",
        "",
        "| measure | seconds | events/s | calls |",
        "|---|---:|---:|---:|",
        f"| worker (claim + HTTP + record, {vendor}) | {worker_s:.2f} | **{worker_eps:,.0f}** "
        f"| {mid['worker_calls']} |",
        f"| floor: raw HTTP, same payloads and calls, no DB | {floor_s:.2f} | {floor_eps:,.0f} "
        f"| {mid['floor_calls']} |",
        "",
        f"worker = {result['worker_share_of_floor']:.0%} of the floor; "
        f"target ≥ {TARGET_EVENTS_PER_SECOND} events/s: {verdict}",
    ]
    print("\n".join(lines))
    print(f"written: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
