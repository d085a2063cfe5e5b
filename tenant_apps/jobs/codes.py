"""Error codes of jobs (see shared_apps/foundation/codes.py)."""

from shared_apps.foundation.codes import ErrorCode


class JobsCode(ErrorCode):
    JOB_NOT_FOUND = "JOB_NOT_FOUND", 404, "No such job."
