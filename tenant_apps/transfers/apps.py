from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "tenant_apps.transfers"
    label = "transfers"
    verbose_name = "Import and export of tables"
