"""`manage.py error_catalogue`: print docs/errors.md, the catalogue of every error code (from each app's codes.py)."""

from typing import Any

from django.core.management.base import BaseCommand

from shared_apps.foundation.codes import catalogue_markdown


class Command(BaseCommand):
    help = "Print the error-code catalogue (docs/errors.md) built from every app's codes module."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(catalogue_markdown(), ending="")
