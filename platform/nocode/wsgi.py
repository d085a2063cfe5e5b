"""WSGI entry point (gunicorn: `--chdir platform nocode.wsgi:application`, repo root on PYTHONPATH)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocode.settings.local")

from django.core.wsgi import get_wsgi_application

django_application = get_wsgi_application()

from tenant_apps.records.api.lane import records_lane  # noqa: E402  (after Django is set up)

# The hot records requests are answered by the records lane, everything else by Django (see lane.py).
application = records_lane(django_application)
