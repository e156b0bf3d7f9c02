from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "twotier.core"
    label = "core"
    verbose_name = "Core"
