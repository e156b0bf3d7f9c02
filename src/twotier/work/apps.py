from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "twotier.work"
    label = "work"
    verbose_name = "Work"
