"""Error codes of transfers (see shared_apps/foundation/codes.py)."""

from shared_apps.foundation.codes import ErrorCode


class TransfersCode(ErrorCode):
    EXPORT_NOT_FOUND = "EXPORT_NOT_FOUND", 404, "No finished export with this id."
    INVALID_FILE = "INVALID_FILE", 400, "The uploaded file cannot be read as the format it claims (see the message)."
    MAPPING_STALE = "MAPPING_STALE", 400, "A mapped field no longer exists; start the import again."
    NO_MAPPED_COLUMNS = (
        "NO_MAPPED_COLUMNS",
        400,
        "No column of the file is named like a field of the table; give a mapping.",
    )
    TOO_MANY_ROWS = "TOO_MANY_ROWS", 400, "At most ... rows per import."
    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT", 400, "Unsupported file format."
