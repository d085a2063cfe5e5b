from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The project console at `<project>.<base domain>/admin/` (no models: it drives the other apps' services)."""

    name = "tenant_apps.console"
    label = "console"
    verbose_name = "Project console"
