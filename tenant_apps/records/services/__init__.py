"""Writes of records: create, update, replace, delete, single or bulk (all or nothing), upsert, file uploads.

Each write validates every row first (validation.py), then checks unique fields (409 naming the field, and the
row in bulk), then writes in one transaction, inside which its answer is built and checked to render (an answer
that fails commits nothing). A constraint that still fails in PostgreSQL (a concurrent write) is mapped to the
same errors; nothing is written in any error case. Callers check `write_records`. Committed writes are counted in
the usage analytics (`record_writes`: one per record created, updated or deleted).
"""

from .checks import bulk_limit, integrity_error
from .files import record_file_delete, record_file_get, record_file_upload
from .upsert import UpsertResult, records_upsert
from .writes import record_delete, record_update, records_create, records_delete, records_update

__all__ = [
    "UpsertResult",
    "bulk_limit",
    "integrity_error",
    "record_delete",
    "record_file_delete",
    "record_file_get",
    "record_file_upload",
    "record_update",
    "records_create",
    "records_delete",
    "records_update",
    "records_upsert",
]
