"""The one-stop dossier pages (included at /ho-so/)."""

from django.urls import path

from twotier.dossiers.views import actions, detail, receive, worklist

app_name = "dossiers"
urlpatterns = [
    path("", worklist.worklist, name="list"),
    path("tiep-nhan/", receive.receive_choose, name="receive"),
    path("tiep-nhan/<str:procedure_code>/", receive.receive_form, name="receive_form"),
    path("<str:code>/", detail.dossier_detail, name="detail"),
    path("<str:code>/<slug:action>/", actions.dossier_action, name="action"),
]
