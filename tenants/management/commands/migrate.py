"""`migrate` is `migrate_schemas` (as in django-tenants), including the provisioning template."""

from .migrate_schemas import Command

__all__ = ["Command"]
