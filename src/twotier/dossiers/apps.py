from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "twotier.dossiers"
    label = "dossiers"
    verbose_name = "One-stop dossiers"
