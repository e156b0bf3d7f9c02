"""The demo's organisation: Cà Mau's departments, and the posts of a commune (19 civil servants)."""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE_AGENCY_ID = "000.00.00.H12"
GOVERNMENT_AGENCY_ID = "000.00.00.G01"

# (code suffix, name, abbreviation)
PROVINCE_DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("VP", "Văn phòng Ủy ban nhân dân tỉnh", "VP"),
    ("TTHCC", "Trung tâm Phục vụ hành chính công tỉnh", "TTPVHCC"),
    ("STP", "Sở Tư pháp", "STP"),
    ("STC", "Sở Tài chính", "STC"),
    ("SNV", "Sở Nội vụ", "SNV"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", "SNNMT"),
    ("SXD", "Sở Xây dựng", "SXD"),
    ("SYT", "Sở Y tế", "SYT"),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "SGDĐT"),
    ("SKHCN", "Sở Khoa học và Công nghệ", "SKHCN"),
    ("SCT", "Sở Công Thương", "SCT"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", "SDTTG"),
    ("TTR", "Thanh tra tỉnh", "TTr"),
    ("CAT", "Công an tỉnh", "CAT"),
)


def department_posts(suffix: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """Posts of a provincial department; the one-stop centre has receivers instead of specialists."""
    if suffix == "TTHCC":
        return (
            ("GD", "Giám đốc", ("unit_leader",)),
            ("TN1", "Cán bộ tiếp nhận 1", ("one_stop_receiver", "population_searcher")),
            ("TN2", "Cán bộ tiếp nhận 2", ("one_stop_receiver",)),
            ("TN3", "Cán bộ tiếp nhận 3", ("one_stop_receiver",)),
        )
    return (
        ("GD", "Giám đốc", ("unit_leader",)),
        ("CV1", "Chuyên viên 1", ("specialist",)),
        ("CV2", "Chuyên viên 2", ("specialist",)),
    )


@dataclass(frozen=True)
class PostSpec:
    key: str
    title: str
    department: str | None  # None: the commune unit itself; "KT"/"VX": one of its departments
    roles: tuple[str, ...]


# 19 posts: 8 in the commune office and one-stop centre, 6 culture-social, 5 economic-infrastructure.
COMMUNE_POSTS: tuple[PostSpec, ...] = (
    PostSpec("CT", "Chủ tịch UBND", None, ("unit_leader",)),
    PostSpec("PCT1", "Phó Chủ tịch UBND (kinh tế)", None, ("unit_leader",)),
    PostSpec("PCT2", "Phó Chủ tịch UBND (văn hóa - xã hội)", None, ("unit_leader",)),
    PostSpec("VPTK", "Công chức Văn phòng - Thống kê", None, ("reporter",)),
    PostSpec("VT", "Văn thư", None, ("document_clerk",)),
    PostSpec("LT", "Công chức Lưu trữ", None, ("archivist",)),
    PostSpec("TN1", "Cán bộ tiếp nhận một cửa 1", None, ("one_stop_receiver", "population_searcher")),
    PostSpec("TN2", "Cán bộ tiếp nhận một cửa 2", None, ("one_stop_receiver",)),
    PostSpec("VX-TP", "Trưởng phòng Văn hóa - Xã hội", "VX", ("unit_leader",)),
    PostSpec("VX-HT1", "Công chức Tư pháp - Hộ tịch 1", "VX", ("specialist",)),
    PostSpec("VX-HT2", "Công chức Tư pháp - Hộ tịch 2", "VX", ("specialist",)),
    PostSpec("VX-VH", "Công chức Văn hóa - Thông tin", "VX", ("specialist",)),
    PostSpec("VX-XH", "Công chức Lao động - Xã hội", "VX", ("specialist",)),
    PostSpec("VX-YT", "Công chức Y tế - Giáo dục", "VX", ("specialist",)),
    PostSpec("KT-TP", "Trưởng phòng Kinh tế - Hạ tầng", "KT", ("unit_leader",)),
    PostSpec("KT-DC1", "Công chức Địa chính - Xây dựng 1", "KT", ("specialist",)),
    PostSpec("KT-DC2", "Công chức Địa chính - Xây dựng 2", "KT", ("specialist",)),
    PostSpec("KT-NN", "Công chức Nông nghiệp - Môi trường", "KT", ("specialist",)),
    PostSpec("KT-TC", "Công chức Tài chính - Kế toán", "KT", ("specialist", "reporter")),
)

COMMUNE_DEPARTMENTS = {
    "commune": (("KT", "Phòng Kinh tế"), ("VX", "Phòng Văn hóa - Xã hội")),
    "ward": (("KT", "Phòng Kinh tế, Hạ tầng và Đô thị"), ("VX", "Phòng Văn hóa - Xã hội")),
}

# Demo accounts: one per role, in Phường Tân Thành (plus a neighbour and the province).
DEMO_COMMUNE = "Tân Thành"
DEMO_NEIGHBOUR = "Đầm Dơi"
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    # username, where ("commune:<post key>", "neighbour:<post key>" or "province:<post key>"), role shown
    ("demo.tiepnhan", "commune:TN2", "one_stop_receiver"),
    ("demo.chuyenvien", "commune:VX-HT1", "specialist"),
    ("demo.lanhdao", "commune:CT", "unit_leader"),
    ("demo.vanthu", "commune:VT", "document_clerk"),
    ("demo.baocao", "commune:VPTK", "reporter"),
    ("demo.luutru", "commune:LT", "archivist"),
    ("demo.tracuu", "commune:TN1", "population_searcher"),
    ("demo.damdoi", "neighbour:TN2", "one_stop_receiver"),
    ("demo.quantri", "province:QTT", "province_admin"),
    ("demo.hethong", "province:QTHT", "system_admin"),
)
DEMO_PASSWORD = "Demo@2026!"  # noqa: S105 (published demo password, printed by make demo)

WORK_TITLES = (
    "Rà soát hồ sơ tồn đọng tháng này",
    "Cập nhật danh mục thủ tục hành chính của xã",
    "Báo cáo tình hình tiếp nhận hồ sơ trong tuần",
    "Số hóa sổ hộ tịch năm 2024",
    "Kiểm tra hồ sơ đất đai chờ bổ sung",
    "Trả lời phản ánh của người dân về thời gian xử lý",
    "Chuẩn bị nội dung họp giao ban trực tuyến với tỉnh",
    "Đối chiếu dữ liệu dân cư cho hồ sơ trợ cấp xã hội",
    "Lập danh sách hộ kinh doanh mới đăng ký",
    "Tổng hợp số liệu chuyển đổi số quý",
)
