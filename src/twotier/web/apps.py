from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "twotier.web"
    label = "web"
    verbose_name = "Web UI"
