from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "twotier.web"
    label = "web"
    verbose_name = "Web UI"

    def ready(self) -> None:
        """Collect the navigation entries and audit labels that installed apps declare in `ui.py`."""
        from twotier.web.extensions import discover

        discover()
