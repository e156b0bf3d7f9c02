from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "twotier.org"
    label = "org"
    verbose_name = "Organisation"
