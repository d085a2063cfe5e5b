from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "shared_apps.backups"
    label = "backups"
    verbose_name = "Project backups"
