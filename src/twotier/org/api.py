"""Read-only units API."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from twotier.core.errors import FieldIssue, InvalidInput
from twotier.core.pagination import Page
from twotier.core.schemas import READ_ERRORS, ErrorOut
from twotier.org import selectors
from twotier.org.models import Post, Unit
from twotier.org.services import post_handover

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


@router.get("/units", response={200: list[UnitOut], **READ_ERRORS}, summary="List units visible to the caller")
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


class PostOut(Schema):
    code: str
    title: str
    unit: str
    scope_unit: str
    roles: list[str]
    holder: str | None

    @staticmethod
    def resolve_unit(obj: Post) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_scope_unit(obj: Post) -> str:
        return obj.scope_unit.code

    @staticmethod
    def resolve_roles(obj: Post) -> list[str]:
        return sorted(r.code for r in obj.roles.all())

    @staticmethod
    def resolve_holder(obj: Post) -> str | None:
        holder = selectors.current_holder(obj)
        return holder.username if holder else None


class HandoverIn(Schema):
    successor: str
    note: str = ""


@router.get(
    "/units/{code}/posts",
    response={200: list[PostOut], **READ_ERRORS},
    summary="Posts of a unit and their holders",
)
def list_posts(request: HttpRequest, code: str) -> list[Post]:
    """Posts of one unit in the caller's scope."""
    return list(selectors.post_list(user=request.auth, unit_code=code))  # type: ignore[attr-defined]


@router.post(
    "/posts/{code}/handover",
    response={200: PostOut, 403: ErrorOut, **READ_ERRORS},
    summary="Hand a post over to a successor",
)
def handover_post(request: HttpRequest, code: str, payload: HandoverIn) -> Post:
    """The successor inherits all the post's work; the predecessor loses access at once (idempotent)."""
    user = request.auth  # type: ignore[attr-defined]
    post = selectors.post_get(user=user, code=code)
    successor = get_user_model().objects.filter(username=payload.successor).first()
    if successor is None:
        raise InvalidInput(
            "The successor account does not exist",
            [FieldIssue("successor", "exists", f"No account named {payload.successor!r}")],
        )
    post_handover(actor=user, post=post, successor=successor, note=payload.note)
    return selectors.post_get(user=user, code=code)
