"""The National Public Service Portal's dossier messages (DongBoHoSoMC, CapNhatTienDoHoSoMC).

Dates are `yyyyMMddHHmmss` in Vietnam time (DOMAIN.md §2). Each dossier change enqueues one
upsert of the whole dossier and one progress event, in the same transaction, in order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from twotier.core.outbox import outbox_enqueue

TOPIC_UPSERT = "portal.DongBoHoSoMC"
TOPIC_PROGRESS = "portal.CapNhatTienDoHoSoMC"


def portal_date(value: dt.datetime | None) -> str | None:
    """Format a timestamp as the portal expects: yyyyMMddHHmmss in Asia/Ho_Chi_Minh."""
    if value is None:
        return None
    return timezone.localtime(value).strftime("%Y%m%d%H%M%S")


def upsert_payload(dossier: Any) -> dict[str, Any]:
    """The DongBoHoSoMC document for a dossier (the whole dossier, idempotent upsert by MaHoSo)."""
    version = dossier.procedure_version
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": version.procedure.code,
        "TenTTHC": version.procedure.name,
        "MaDonViTiepNhan": dossier.receiving_unit.agency_id,
        "TenDonViTiepNhan": dossier.receiving_unit.name,
        "ChuHoSo": dossier.applicant_name,
        "SoGiayToChuHoSo": dossier.applicant_id_number,
        "KenhThucHien": dossier.channel,
        "NopThay": 1 if dossier.on_behalf else 0,
        "TrangThaiHoSo": dossier.status,
        "NgayNopHoSo": portal_date(dossier.submitted_at),
        "NgayTiepNhan": portal_date(dossier.received_at),
        "NgayHenTra": portal_date(dossier.promised_at),
        "NgayKetThucXuLy": portal_date(dossier.ended_at),
        "NgayTra": portal_date(dossier.returned_at),
        "HinhThucTra": dossier.result_delivery,
        "ToanTrinh": dossier.full_process_online,
        "DuocThanhToanTrucTuyen": dossier.paid_online,
        "TaiLieuNop": [
            {
                "MaThanhPhanHoSo": c.code,
                "TenTaiLieu": c.name,
                "DuocSoHoa": 1 if c.digitised else 0,
                "DuocTaiSuDung": 1 if c.is_reused else 0,
                "MaKiemTra": c.sha256,
            }
            for c in dossier.components.all()
        ],
        "DanhSachLePhi": [
            {"MaPhiLePhi": f.code, "TenPhiLePhi": f.name, "Gia": f.amount_vnd, "SoLuong": f.quantity}
            for f in dossier.fees.all()
        ],
        "DanhSachHoSoBoSung": [
            {
                "NgayYeuCau": portal_date(s.requested_at),
                "NgayTiepNhanBoSung": portal_date(s.received_at),
                "NgayHenTraTruoc": portal_date(s.promised_before),
                "NgayHenTraMoi": portal_date(s.promised_after),
            }
            for s in (dossier.supplements.all() if dossier.supplement_count else ())
        ],
        "DanhSachXinLoi": [
            {
                "NgayXinLoi": portal_date(a.at),
                "NgayHenTraTruoc": portal_date(a.promised_before),
                "NgayHenTraMoi": portal_date(a.promised_after),
            }
            for a in (dossier.apologies.all() if dossier.apology_count else ())
        ],
        "DanhSachGiayToKetQua": [
            {"TenGiayTo": r.name, "SoKyHieu": r.number, "DuongDanTepTinKetQua": result_link(dossier, r)}
            for r in (dossier.results.all() if dossier.status >= 9 else ())
            if r.electronic
        ],
    }


def result_link(dossier: Any, result: Any) -> str:
    """The public link to an electronic result (resolved against the site's base URL by the client)."""
    return f"/tra-cuu/{dossier.code}/ket-qua/{result.pk}"


def progress_payload(dossier: Any, change: Any) -> dict[str, Any]:
    """The CapNhatTienDoHoSoMC event for one status change."""
    return {
        "MaHoSo": dossier.code,
        "STT": change.seq,
        "TrangThaiHoSo": change.to_status,
        "ThaoTac": change.action,
        "NguoiXuLy": change.actor_label,
        "PhongBanXuLy": change.unit.name if change.unit_id else "",
        "NoiDungXuLy": change.note,
        "ThoiDiemXuLy": portal_date(change.at),
        "NgayHenTra": portal_date(dossier.promised_at),
    }


def enqueue_sync(dossier: Any, change: Any) -> None:
    """Enqueue the upsert and the progress event for `change` (same transaction as the change)."""
    outbox_enqueue(
        topic=TOPIC_UPSERT,
        aggregate_type="dossier",
        aggregate_id=dossier.code,
        payload=upsert_payload(dossier),
        key=f"{TOPIC_UPSERT}:{dossier.code}:{change.seq}",
    )  # upserts also follow other changes (e.g. a new document), so their position is looked up
    outbox_enqueue(
        topic=TOPIC_PROGRESS,
        aggregate_type="dossier",
        aggregate_id=dossier.code,
        payload=progress_payload(dossier, change),
        key=f"{TOPIC_PROGRESS}:{dossier.code}:{change.seq}",
        seq=change.seq,
    )
