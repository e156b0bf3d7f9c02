from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "twotier.signing"
    label = "signing"
    verbose_name = "Digital signatures"
