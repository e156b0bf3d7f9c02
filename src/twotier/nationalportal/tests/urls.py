"""Test-only URLs: the national-portal router on its own NinjaAPI (same auth and error shape as the root API),
the pages at /portal-sync/, and the site's URLs for the page shell."""

from django.urls import include, path
from ninja import NinjaAPI

from twotier.accounts.api_auth import SessionAuth, TokenAuth
from twotier.api import api as root_api
from twotier.nationalportal.api import router
from twotier.urls import urlpatterns as site_urlpatterns

api = NinjaAPI(auth=[TokenAuth(), SessionAuth()], urls_namespace="nationalportal_test_api")
api._exception_handlers = dict(root_api._exception_handlers)
api.add_router("/", router, url_name_prefix="np_test")

_pages_mounted = any(getattr(p, "namespace", None) == "nationalportal" for p in site_urlpatterns)
urlpatterns = [
    path("api/np-test/", api.urls),
    *([] if _pages_mounted else [path("portal-sync/", include("twotier.nationalportal.urls"))]),
    *site_urlpatterns,
]
