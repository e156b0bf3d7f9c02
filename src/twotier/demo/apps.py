from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "twotier.demo"
    label = "demo"
    verbose_name = "Demo data"
