from django.apps import AppConfig


class NationalPortalConfig(AppConfig):
    name = "twotier.nationalportal"
    label = "nationalportal"
    verbose_name = "National Public Service Portal sync"

    def ready(self) -> None:
        """Route the `portal.*` outbox topics to the national-portal handler."""
        from twotier.core.outbox_delivery import outbox_handler_register
        from twotier.nationalportal.delivery import PREFIX, PortalHandler

        outbox_handler_register(PREFIX, PortalHandler())
