"""Projects are the tenants: each owns a PostgreSQL schema and a `<slug>.<BASE_DOMAIN>` domain."""

from django.conf import settings
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class ProjectStatus(models.TextChoices):
    PROVISIONING = "provisioning", "Provisioning"
    READY = "ready", "Ready"
    SUSPENDED = "suspended", "Suspended"


class ProjectRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


class Project(TenantMixin):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="projects")
    status = models.CharField(max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PROVISIONING)
    suspended_reason = models.CharField(max_length=300, blank=True)
    # Browser origins (`scheme://host[:port]`) allowed to call this project's host cross-origin (tenants/cors.py).
    cors_allowed_origins = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Provisioning replays the template schema (tenants/provisioning.py); deletion drops it explicitly.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ProjectStatus.values), name="tenants_project_status"),
        ]
        indexes = [models.Index(fields=["status"], name="tenants_project_status_idx")]

    @property
    def is_ready(self) -> bool:
        """True when the project accepts work: routed, served, and its tasks run."""
        return self.status == ProjectStatus.READY

    def __str__(self) -> str:
        return self.slug


class Domain(DomainMixin):
    """A host name routed to a project (`<slug>.<BASE_DOMAIN>`)."""


class ProjectMembership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_memberships")
    role = models.CharField(max_length=16, choices=ProjectRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="tenants_projectmembership_unique"),
            models.CheckConstraint(condition=models.Q(role__in=ProjectRole.values), name="tenants_membership_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.project_id}:{self.role}"


class ApiKeyScope(models.TextChoices):
    READ = "read", "Read"
    READ_WRITE = "read-write", "Read and write"
    ADMIN = "admin", "Admin"


class ApiKey(models.Model):
    """A project API key. Only `prefix` and the SHA-256 of the secret are stored; the secret is shown once."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scope = models.CharField(max_length=16, choices=ApiKeyScope.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(scope__in=ApiKeyScope.values), name="tenants_apikey_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class TemplateSnapshot(models.Model):
    """The rewritten DDL of the template schema, keyed by the hash of its applied migrations."""

    migrations_hash = models.CharField(max_length=32, unique=True)
    script = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.migrations_hash


class FanoutRun(models.Model):
    """One run of a per-project periodic job, dispatched slot by slot over `window_minutes` by the tick task."""

    job = models.CharField(max_length=64)
    scheduled_for = models.DateTimeField()
    window_minutes = models.PositiveIntegerField()
    slots_done = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "scheduled_for"], name="tenants_fanoutrun_once")]
        indexes = [
            models.Index(
                fields=["scheduled_for"], name="tenants_fanoutrun_open_idx", condition=models.Q(finished_at=None)
            )
        ]

    def __str__(self) -> str:
        return f"{self.job}@{self.scheduled_for:%Y-%m-%d %H:%M}"
