"""Error codes of backups (see shared_apps/foundation/codes.py)."""

from shared_apps.foundation.codes import ErrorCode


class BackupsCode(ErrorCode):
    BACKUP_CHECKSUM_MISMATCH = (
        "BACKUP_CHECKSUM_MISMATCH",
        400,
        "Backup file is corrupt: checksum mismatch in .... Nothing was restored.",
    )
    BACKUP_FORMAT_UNSUPPORTED = (
        "BACKUP_FORMAT_UNSUPPORTED",
        400,
        "Unknown backup format version ...: this code reads version .... Restore it with...",
    )
    BACKUP_INVALID = "BACKUP_INVALID", 400, "Not a valid backup file: ..."
    BACKUP_IN_PROGRESS = "BACKUP_IN_PROGRESS", 409, "A backup of project '...' is already in progress."
    BACKUP_NOT_FOUND = "BACKUP_NOT_FOUND", 404, "No such backup."
    BACKUP_NOT_READY = "BACKUP_NOT_READY", 409, "Backup ... is ...; only a finished backup can be downloaded."
    BACKUP_TOO_NEW = (
        "BACKUP_TOO_NEW",
        400,
        "The backup was written by newer code (code_version ...): migrations ... are unkn...",
    )
    BACKUP_UNSUPPORTED_OBJECTS = (
        "BACKUP_UNSUPPORTED_OBJECTS",
        409,
        "Schema '...' holds objects the backup cannot represent: .......",
    )
    MEDIA_DIRECTORY_EXISTS = "MEDIA_DIRECTORY_EXISTS", 409, "Media directory ... already exists and is not empty."
    OUTPUT_INVALID = "OUTPUT_INVALID", 400, "... is a directory; give a file name."
    RESTORE_MODE = "RESTORE_MODE", 400, "Give exactly one of a new slug or replace."
    RESTORE_VERIFY = "RESTORE_VERIFY", 409, "Verification of the restored schema failed: ...."
    RETENTION_INVALID = (
        "RETENTION_INVALID",
        400,
        "Keep at least one backup: --keep-daily and --keep-weekly are >= 0 and not both 0...",
    )
    SCHEMA_NOT_FOUND = "SCHEMA_NOT_FOUND", 404, "Schema '...' does not exist."
