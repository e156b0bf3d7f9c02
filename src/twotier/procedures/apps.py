from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "twotier.procedures"
    label = "procedures"
    verbose_name = "Procedure catalogue"
