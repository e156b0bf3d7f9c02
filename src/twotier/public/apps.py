from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "twotier.public"
    label = "public"
    verbose_name = "Citizen-facing pages"
