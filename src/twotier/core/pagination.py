"""Page-number pagination with a bounded page size, shared by every list endpoint."""

from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.pagination import PaginationBase

MAX_PAGE_SIZE = 200


class Page(PaginationBase):
    """`?page=1&page_size=50` → `{"items": [...], "count": N, "page": 1, "page_size": 50}`."""

    class Input(Schema):
        page: int = Field(1, ge=1)
        page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    items_attribute = "items"

    def paginate_queryset(self, queryset: QuerySet, pagination: Input, **params: Any) -> dict[str, Any]:  # type: ignore[override]
        start = (pagination.page - 1) * pagination.page_size
        return {
            "items": list(queryset[start : start + pagination.page_size]),
            "count": queryset.count(),
            "page": pagination.page,
            "page_size": pagination.page_size,
        }
