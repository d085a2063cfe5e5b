from django.apps import AppConfig


class FoundationConfig(AppConfig):
    name = "shared_apps.foundation"
    label = "foundation"
    verbose_name = "Foundation"
