"""Celery app: tenant-schemas-celery carries the sender's schema in every message."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocode.settings.local")

app = CeleryApp("nocode")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
