from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "shared_apps.analytics"
    label = "analytics"
    verbose_name = "Usage analytics"
