from django.db import models


class UsageDay(models.Model):
    """Per-project usage of one UTC day, rolled up from Redis counters by `analytics.flush_usage`."""

    project = models.ForeignKey("tenants.Project", on_delete=models.CASCADE, related_name="usage_days")
    day = models.DateField()
    api_requests = models.BigIntegerField(default=0)
    record_writes = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "day"], name="analytics_usageday_unique")]
        indexes = [models.Index(fields=["day"], name="analytics_usageday_day_idx")]

    def __str__(self) -> str:
        return f"{self.project_id}@{self.day}"
