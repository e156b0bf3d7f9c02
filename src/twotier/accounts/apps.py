from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Accounts and the level-3 security profile."""

    name = "twotier.accounts"
    label = "accounts"
    verbose_name = "Accounts"
