"""The project's URLs, plus the payments router when the root API does not mount it yet.

Until `twotier.api` adds `api.add_router("/", payments_router)`, the API tests mount the router
on a test API at the same prefix (with the root API's error handlers), so the same URLs work.
"""

from django.urls import Resolver404, path, resolve
from ninja import NinjaAPI

from twotier.api import api
from twotier.payments.api import router
from twotier.urls import urlpatterns as project_urlpatterns


def _mounted() -> bool:
    try:
        resolve("/api/v1/payments/callback", urlconf="twotier.urls")
    except Resolver404:
        return False
    return True


if _mounted():
    urlpatterns = list(project_urlpatterns)
else:
    test_api = NinjaAPI(title="payments (test mount)", version="test", auth=api.auth, urls_namespace="payments-test")
    test_api._exception_handlers = dict(api._exception_handlers)
    test_api.add_router("/", router)
    urlpatterns = [path("api/v1/", test_api.urls), *project_urlpatterns]
