from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "shared_apps.events"
    label = "events"
    verbose_name = "Record events (transactional outbox)"
