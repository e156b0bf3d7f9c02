"""Test-only URL tree: the project's, plus the dossier pages at /ho-so/ (until the project mounts them)."""

from django.urls import include, path

from twotier.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("ho-so/", include("twotier.dossiers.urls")), *project_urlpatterns]
