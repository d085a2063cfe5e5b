"""Definitions of a project's own tables and fields (in the project schema; the physical tables live beside them).

The definitions are the source of truth: services change a definition and its physical table in one transaction,
and bump `Table.version` on every change so cached run-time models are rebuilt (see definitions.py).
"""

from django.db import models


class Table(models.Model):
    name = models.CharField(max_length=51, unique=True)  # slug; physical table `t_<name>`
    display_name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Field(models.Model):
    table = models.ForeignKey(Table, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=51)  # slug; the column name
    type = models.CharField(max_length=32)  # a name in the field-type registry
    options = models.JSONField(default=dict, blank=True)  # type-specific (precision, choices, link target, ...)
    required = models.BooleanField(default=False)
    unique = models.BooleanField(default=False)
    default = models.JSONField(null=True, blank=True)  # JSON value used on create when the field is omitted
    constraints = models.JSONField(default=dict, blank=True)  # min, max, max_length, regex, choices
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["table", "name"], name="data_schemas_field_unique_name")]

    def __str__(self) -> str:
        return f"{self.table_id}.{self.name}"
