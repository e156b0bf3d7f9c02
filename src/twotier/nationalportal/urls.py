"""National-portal sync pages (included at /portal-sync/)."""

from django.urls import path

from twotier.nationalportal import views

app_name = "nationalportal"
urlpatterns = [
    path("", views.backlog, name="backlog"),
    path("retry/", views.retry, name="retry"),
    path("retry-all/", views.retry_all, name="retry_all"),
    path("dossiers/<str:code>/", views.dossier_sync, name="dossier_sync"),
]
