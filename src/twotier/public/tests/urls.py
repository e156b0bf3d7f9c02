"""The project's URL tree with the citizen pages mounted as they will be (after the staff pages)."""

from django.urls import include, path

from twotier.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *[p for p in project_urlpatterns if getattr(p, "namespace", None) != "public"],
    path("", include("twotier.public.urls")),
]
