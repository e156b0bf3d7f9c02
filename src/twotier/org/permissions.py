"""The permission catalogue and the standard roles (permission bundles)."""

from __future__ import annotations

from dataclasses import dataclass


class P:
    """Permission codes. Deny by default: only what a post's roles list is allowed."""

    UNIT_VIEW = "org.unit.view"
    UNIT_MANAGE = "org.unit.manage"
    POST_MANAGE = "org.post.manage"
    ACCOUNT_MANAGE = "accounts.manage"
    AUDIT_VIEW = "audit.view"
    WORK_VIEW_ALL = "work.view_all"
    WORK_ACT = "work.act"
    DOSSIER_RECEIVE = "dossier.receive"
    DOSSIER_VIEW = "dossier.view"
    DOSSIER_PROCESS = "dossier.process"
    DOSSIER_APPROVE = "dossier.approve"
    DOCUMENT_MANAGE = "document.manage"
    REPORT_SUBMIT = "report.submit"
    REPORT_REVIEW = "report.review"
    ARCHIVE_MANAGE = "archive.manage"
    POPULATION_SEARCH = "population.search"
    SYSTEM_ADMIN = "system.admin"


ALL_PERMISSIONS = frozenset(v for k, v in vars(P).items() if k.isupper())


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name_vi: str
    name_en: str
    permissions: tuple[str, ...]
    requires_mfa: bool = False


STANDARD_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(
        "one_stop_receiver",
        "Cán bộ tiếp nhận một cửa",
        "One-stop receiver",
        (P.WORK_ACT, P.DOSSIER_RECEIVE, P.DOSSIER_VIEW, P.UNIT_VIEW),
    ),
    RoleSpec("specialist", "Chuyên viên xử lý", "Specialist", (P.WORK_ACT, P.DOSSIER_VIEW, P.DOSSIER_PROCESS)),
    RoleSpec(
        "unit_leader",
        "Lãnh đạo đơn vị",
        "Unit leader",
        (
            P.WORK_ACT,
            P.WORK_VIEW_ALL,
            P.DOSSIER_VIEW,
            P.DOSSIER_APPROVE,
            P.AUDIT_VIEW,
            P.UNIT_VIEW,
            P.REPORT_REVIEW,
        ),
    ),
    RoleSpec("document_clerk", "Văn thư", "Document clerk", (P.WORK_ACT, P.DOCUMENT_MANAGE)),
    RoleSpec("reporter", "Cán bộ báo cáo", "Reporter", (P.WORK_ACT, P.REPORT_SUBMIT)),
    RoleSpec("archivist", "Cán bộ lưu trữ", "Archivist", (P.WORK_ACT, P.ARCHIVE_MANAGE)),
    RoleSpec(
        "province_admin",
        "Quản trị cấp tỉnh",
        "Province administrator",
        (
            P.UNIT_VIEW,
            P.UNIT_MANAGE,
            P.POST_MANAGE,
            P.ACCOUNT_MANAGE,
            P.AUDIT_VIEW,
            P.WORK_VIEW_ALL,
            P.DOSSIER_VIEW,
            P.REPORT_REVIEW,
        ),
        requires_mfa=True,
    ),
    RoleSpec("population_searcher", "Tra cứu dữ liệu dân cư", "Population-data searcher", (P.POPULATION_SEARCH,)),
    RoleSpec(
        "system_admin",
        "Quản trị hệ thống",
        "System administrator",
        (P.SYSTEM_ADMIN, P.ACCOUNT_MANAGE, P.AUDIT_VIEW, P.UNIT_VIEW, P.UNIT_MANAGE, P.POST_MANAGE),
        requires_mfa=True,
    ),
)
