from django.urls import path

from twotier.web import views

app_name = "web"
urlpatterns = [
    path("", views.my_work, name="my_work"),
]
