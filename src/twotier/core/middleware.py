"""Request id and NFC input normalisation middleware."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict

from twotier.core import request_context
from twotier.core.text import nfc

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (or accept a sane X-Request-ID) and echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else request_context.new_request_id()
        request.request_id = rid  # type: ignore[attr-defined]
        token = request_context.bind(request_context.RequestContext(request_id=rid, ip=request.META.get("REMOTE_ADDR")))
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = rid
        return response


def _nfc_querydict(qd: QueryDict) -> QueryDict:
    out = QueryDict(mutable=True, encoding=qd.encoding)
    for key, values in qd.lists():
        out.setlist(nfc(key), [nfc(v) for v in values])
    out._mutable = False
    return out


class NfcInputMiddleware:
    """NFC-normalise all form and query text so that what is stored is always NFC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.GET = _nfc_querydict(request.GET)  # type: ignore[assignment]
        content_type = request.content_type or ""
        if request.method == "POST" and content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            request.POST = _nfc_querydict(request.POST)  # type: ignore[assignment]
        return self.get_response(request)
