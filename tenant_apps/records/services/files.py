"""The file of a file field: upload (streamed to the project's store), download, clear."""

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.functions import Now

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.db.schemas import current_schema
from shared_apps.foundation.exceptions import NotFound, ValidationFailed
from tenant_apps.data_schemas import filestore
from tenant_apps.data_schemas.definitions import FieldDef, SchemaDefs, TableDef
from tenant_apps.records.codes import RecordsCode

from ..events import record_changes
from ..selectors import MAX_RECORD_ID, record_get
from .checks import writes_counted


def _file_field(table: TableDef, name: str) -> FieldDef:
    field = table.field(name)
    if field is None or not field.field_type.stores_files:
        raise NotFound(f"No file field '{name}' in '{table.name}'.", code=CommonCode.FIELD_NOT_FOUND)
    return field


def record_file_upload(
    *,
    defs: SchemaDefs,
    table: TableDef,
    record_id: int,
    field_name: str,
    upload: UploadedFile,
) -> dict[str, Any]:
    """Store an uploaded file for a record's file field (replacing any previous one, removed after commit)."""
    field = _file_field(table, field_name)
    size = upload.size or 0
    limit = settings.NOCODE["FILE_MAX_BYTES"]
    if size > limit:
        raise ValidationFailed(
            f"Files are at most {limit} bytes.",
            code=CommonCode.FILE_TOO_LARGE,
            fields={"file": [f"At most {limit} bytes."]},
        )
    manager = table.model._default_manager
    with transaction.atomic():
        found = None
        if 0 < record_id <= MAX_RECORD_ID:
            found = manager.select_for_update().filter(id=record_id).values_list("id", field.name).first()
        if found is None:
            raise NotFound(f"No record {record_id} in '{table.name}'.", code=RecordsCode.RECORD_NOT_FOUND)
        previous = found[1]
        metadata = filestore.file_save(
            schema=current_schema(),
            table_id=table.id,
            field_id=field.id,
            name=upload.name or "file",
            content=upload,
            size=size,
            content_type=upload.content_type or "",
        )
        try:
            manager.filter(id=record_id).update(**{field.name: metadata}, updated_at=Now())
            record_changes(table, updated=[record_id])
        except Exception:
            filestore.files_delete([metadata["path"]])
            raise
        old_path = previous.get("path") if isinstance(previous, dict) else None
        if old_path:
            transaction.on_commit(lambda: filestore.files_delete([old_path]))
        writes_counted(1)
    return record_get(defs=defs, table=table, record_id=record_id)


def record_file_get(*, table: TableDef, record_id: int, field_name: str) -> dict[str, Any]:
    """The stored metadata (with `path`) of a record's file; NotFound when there is none."""
    field = _file_field(table, field_name)
    value = None
    if 0 < record_id <= MAX_RECORD_ID:
        value = table.model._default_manager.filter(id=record_id).values_list(field.name, flat=True).first()
    if not value:
        raise NotFound("No file here.", code=RecordsCode.FILE_NOT_FOUND)
    return value


def record_file_delete(*, table: TableDef, record_id: int, field_name: str) -> None:
    value = record_file_get(table=table, record_id=record_id, field_name=field_name)
    field = _file_field(table, field_name)
    with transaction.atomic():
        table.model._default_manager.filter(id=record_id).update(**{field.name: None}, updated_at=Now())
        record_changes(table, updated=[record_id])
        path = value.get("path")
        if path:
            transaction.on_commit(lambda: filestore.files_delete([path]))
        writes_counted(1)
