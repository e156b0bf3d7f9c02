from django.apps import AppConfig


class NationalPortalConfig(AppConfig):
    name = "twotier.nationalportal"
    label = "nationalportal"
    verbose_name = "National Public Service Portal sync"
