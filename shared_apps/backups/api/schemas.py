"""Documentation-only shapes of the backups API (the platform OpenAPI document; `backup_data` builds the JSON)."""

from rest_framework import serializers

from ..models import BackupStatus, BackupTrigger


class BackupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.CharField(help_text="The project's slug.")
    status = serializers.ChoiceField(choices=BackupStatus.values)
    trigger = serializers.ChoiceField(choices=BackupTrigger.values)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    size_bytes = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField(allow_null=True)
    summary = serializers.DictField(help_text="Tables and rows in the backup.")
    error = serializers.CharField(allow_null=True)
    download = serializers.CharField(allow_null=True, help_text="The download path, once the backup succeeded.")


class BackupListSerializer(serializers.Serializer):
    results = BackupSerializer(many=True)
