"""What several benchmarks set up the same way: their own database, Django, and a bench owner with an organization.

Import after the benchmark has set its environment (DATABASE_URL, DJANGO_SETTINGS_MODULE, ...).
"""

import os
from typing import Any


def database_ensure() -> None:
    """Create the database named by DATABASE_URL when it is missing."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def django_with_bench_owner() -> tuple[Any, Any]:
    """Database ensured, Django set up, every schema migrated; returns (user, organization) `bench`, reused when
    they exist from an earlier run."""
    database_ensure()
    import django

    django.setup()
    from django.core.management import call_command

    from shared_apps.accounts.selectors import user_get_by_email
    from shared_apps.accounts.services import user_create
    from shared_apps.organizations.models import Organization
    from shared_apps.organizations.services import organization_create

    call_command("migrate_schemas", interactive=False, verbosity=0)
    user = user_get_by_email(email="bench@example.com") or user_create(
        email="bench@example.com", password="bench-password-123"
    )
    org = Organization.objects.filter(slug="bench").first() or organization_create(user=user, slug="bench", name="B")
    return user, org
