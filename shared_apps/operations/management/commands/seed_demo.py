"""`manage.py seed_demo`: the demo account, organization and project used by `manage.py up` (idempotent), and with
`--staff-password-file` the platform console's staff account."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from shared_apps.accounts.selectors import user_get_by_email
from shared_apps.accounts.services import user_create
from shared_apps.organizations.models import Organization
from shared_apps.organizations.services import organization_create
from tenants.models import Project
from tenants.services import project_create

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - public demo account, printed on purpose
DEMO_NAME = "Demo"
DEMO_ORG_SLUG = "demo-org"
DEMO_PROJECT_SLUG = "demo"
STAFF_EMAIL = "staff@example.com"


class Command(BaseCommand):
    help = "Create the demo user, organization and project (and the staff account) if they do not exist yet."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--staff-password-file",
            type=Path,
            help=f"Also create the platform staff account {STAFF_EMAIL} (superuser) with the password in this file.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("staff_password_file") is not None:
            self._staff(options["staff_password_file"].read_text().strip())
        user = user_get_by_email(email=DEMO_EMAIL)
        if user is None:
            user = user_create(email=DEMO_EMAIL, password=DEMO_PASSWORD, name=DEMO_NAME)
            self.stdout.write(f"Created user {DEMO_EMAIL} (password: {DEMO_PASSWORD}).")
        organization = Organization.objects.filter(slug=DEMO_ORG_SLUG).first()
        if organization is None:
            organization = organization_create(user=user, slug=DEMO_ORG_SLUG, name="Demo organization")
            self.stdout.write(f"Created organization {DEMO_ORG_SLUG}.")
        if not Project.objects.filter(slug=DEMO_PROJECT_SLUG).exists():
            project_create(
                user=user,
                organization=organization,
                org_role="owner",
                slug=DEMO_PROJECT_SLUG,
                name="Demo project",
                description="Created by `manage.py seed_demo`.",
            )
            self.stdout.write(f"Created project {DEMO_PROJECT_SLUG}.")
        self.stdout.write("Demo data is ready.")

    def _staff(self, password: str) -> None:
        """The staff account of the platform console: created once, never changed afterwards."""
        if user_get_by_email(email=STAFF_EMAIL) is None:
            user_create(email=STAFF_EMAIL, password=password, name="Staff", is_staff=True, is_superuser=True)
            self.stdout.write(f"Created staff account {STAFF_EMAIL}.")
