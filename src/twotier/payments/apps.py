from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "twotier.payments"
    label = "payments"
    verbose_name = "Online payments"
