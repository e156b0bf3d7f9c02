"""The NinjaAPI root under /api/v1/: auth, the one error shape, and each app's router."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from twotier.accounts.api_auth import SessionAuth, TokenAuth
from twotier.core.api import router as core_router
from twotier.core.errors import DomainError
from twotier.dossiers.api import router as dossiers_router
from twotier.dossiers.citizens_api import router as citizens_router
from twotier.dossiers.components_api import router as dossier_components_router
from twotier.dossiers.forms_api import router as forms_router
from twotier.nationalportal.api import router as nationalportal_router
from twotier.org.api import router as org_router
from twotier.payments.api import router as payments_router
from twotier.procedures.api import router as procedures_router

api = NinjaAPI(
    title="TwoTier API",
    version="1",
    description=(
        "TwoTier digital-government platform. Authenticate with the browser session (CSRF token on unsafe "
        "methods) or a personal access token: `Authorization: Bearer tt_<prefix>_<secret>`. Every error has "
        'the shape `{"error": {"code", "message", "fields": [{"field", "rule", "message"}], '
        '"request_id"}}`; a missing and a forbidden object both give 404.'
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, fields: list[dict[str, str]] | None = None
) -> HttpResponse:
    """Render the documented error shape."""
    body: dict[str, Any] = {
        "error": {
            "code": code,
            "message": message,
            "fields": fields or [],
            "request_id": getattr(request, "request_id", ""),
        }
    }
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    fields = [{"field": f.field, "rule": f.rule, "message": f.message} for f in exc.fields]
    return error_response(request, exc.status, exc.code, exc.message, fields)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload", "filters")]
        fields.append(
            {
                "field": ".".join(loc) or "request",
                "rule": err.get("type", "invalid"),
                "message": err.get("msg", ""),
            }
        )
    return error_response(request, 422, "invalid", "The request is not valid", fields)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "unauthenticated", "Log in or send a valid access token")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "Not found")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, "error", str(exc))


api.add_router("/", core_router)
api.add_router("/", org_router)
api.add_router("/", procedures_router)
api.add_router("/", dossiers_router)
api.add_router("/", dossier_components_router)
api.add_router("/", citizens_router)
api.add_router("/", payments_router)
api.add_router("/", forms_router)
api.add_router("/", nationalportal_router)
