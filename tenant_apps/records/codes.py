"""Error codes of records (see shared_apps/foundation/codes.py)."""

from shared_apps.foundation.codes import ErrorCode


class RecordsCode(ErrorCode):
    FILE_NOT_FOUND = "FILE_NOT_FOUND", 404, "No file here."
    INVALID_AGGREGATE = "INVALID_AGGREGATE", 400, "Invalid aggregate: ...: ..."
    INVALID_CURSOR = "INVALID_CURSOR", 400, "Invalid cursor."
    INVALID_SEARCH = "INVALID_SEARCH", 400, "Invalid search."
    INVALID_SORT = "INVALID_SORT", 400, "Invalid sort."
    INVALID_UPSERT_KEY = "INVALID_UPSERT_KEY", 400, "upsert_on must name a unique field."
    PAGE_TOO_LARGE = "PAGE_TOO_LARGE", 400, "... is at most ...."
    RECORD_IN_USE = (
        "RECORD_IN_USE",
        409,
        "Other records link to this record through a required link; change them first.",
    )
    RECORD_NOT_FOUND = "RECORD_NOT_FOUND", 404, "No record ... in '...'."
    TOO_MANY_RECORDS = "TOO_MANY_RECORDS", 400, "At most ... records per request."
    UNKNOWN_FIELD = "UNKNOWN_FIELD", 400, "Invalid fields."
