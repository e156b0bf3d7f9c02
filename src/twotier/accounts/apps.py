from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "twotier.accounts"
    label = "accounts"
    verbose_name = "Accounts"
