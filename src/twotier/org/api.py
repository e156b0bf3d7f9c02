"""Read-only units API."""

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from twotier.core.pagination import Page
from twotier.core.schemas import READ_ERRORS
from twotier.org import selectors
from twotier.org.models import Unit

router = Router(tags=["organisation"])


class UnitOut(Schema):
    code: str
    name: str
    type: str
    abbreviation: str
    parent: str | None
    agency_id: str | None
    official_code: str
    valid_from: dt.date
    valid_to: dt.date | None

    @staticmethod
    def resolve_parent(obj: Unit) -> str | None:
        return obj.parent.code if obj.parent else None


class UnitFilter(Schema):
    q: str = ""
    type: str | None = None
    parent: str | None = None
    active_on: dt.date | None = None


@router.get(
    "/units", response={200: list[UnitOut], **READ_ERRORS}, summary="List units visible to the caller"
)
@paginate(Page)
def list_units(request: HttpRequest, filters: Query[UnitFilter]):  # type: ignore[no-untyped-def]
    """Units in the caller's scope; `q` matches name (diacritics ignored), code or agency id."""
    return selectors.unit_list(
        user=request.auth,  # type: ignore[attr-defined]
        q=filters.q,
        type=filters.type,
        parent_code=filters.parent,
        active_on=filters.active_on,
    )


@router.get("/units/{code}", response={200: UnitOut, **READ_ERRORS}, summary="One unit by code")
def get_unit(request: HttpRequest, code: str) -> Unit:
    """One unit; 404 when it does not exist or is outside the caller's scope."""
    return selectors.unit_get(user=request.auth, code=code)  # type: ignore[attr-defined]
