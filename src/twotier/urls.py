"""The URL tree."""

from django.contrib import admin
from django.urls import include, path

from twotier.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("twotier.accounts.urls")),
    path("ho-so/", include("twotier.dossiers.urls")),
    path("portal-sync/", include("twotier.nationalportal.urls")),
    path("", include("twotier.web.urls")),
    path("", include("twotier.public.urls")),
]
