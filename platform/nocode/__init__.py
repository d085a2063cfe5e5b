"""The Django project package (settings, URLs, Celery app, WSGI). Lives in platform/, which is not a package."""

from .celery import app as celery_app

__all__ = ["celery_app"]
