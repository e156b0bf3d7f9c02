from django.urls import path

from twotier.web import views

app_name = "web"
urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("work/<int:pk>/complete/", views.work_complete, name="work_complete"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("audit/", views.audit_log, name="audit_log"),
]
