"""File attachments: one file per field, stored per project under MEDIA_ROOT/<schema>/ through Django's storage.

The column (`jsonb`) keeps the file's metadata; files are uploaded with
`POST /api/v1/tables/{table}/records/{id}/files/{field}/` (multipart, part `file`) and downloaded with `GET` on the
same URL, so access follows the project's permissions. JSON writes accept only `null` (clears the file).
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models

from .base import FieldType, FieldValueError

if TYPE_CHECKING:
    from ..definitions import FieldDef


def file_url(*, table_name: str, record_id: int, field_name: str) -> str:
    return f"/api/v1/tables/{table_name}/records/{record_id}/files/{field_name}/"


class FileType(FieldType):
    name = "file"
    stores_files = True
    convertible = False
    sortable_type = False
    unique_type = False
    supports_default = False
    writable = False
    converts_output = True
    filter_operators = frozenset({"is_null"})

    def sql_type(self, options: Mapping[str, Any]) -> str:
        return "jsonb"

    def model_field(self, field: "FieldDef") -> models.Field:
        return models.JSONField(null=True)

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        return {
            "type": "object",
            "nullable": True,
            "readOnly": True,
            "properties": {
                "name": {"type": "string"},
                "size": {"type": "integer"},
                "content_type": {"type": "string"},
                "uploaded_at": {"type": "string", "format": "date-time"},
                "url": {"type": "string"},
            },
        }

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        raise FieldValueError(f"Upload files with POST .../records/<id>/files/{field.name}/ (multipart, part 'file').")

    def to_json(self, value: Any, field: "FieldDef", *, table_name: str, record_id: int) -> Any:
        if not value:
            return None
        return {
            "name": value.get("name"),
            "size": value.get("size"),
            "content_type": value.get("content_type"),
            "uploaded_at": value.get("uploaded_at"),
            "url": file_url(table_name=table_name, record_id=record_id, field_name=field.name),
        }

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        return forms.FileField(**common)

    def form_initial(self, value: Any) -> Any:
        return None  # a file input cannot show a value; the form shows the current file in its help text

    def display_text(self, value: Any) -> str:
        return str(value.get("name") or "file") if isinstance(value, dict) else ""
