"""Error codes of automation (see shared_apps/foundation/codes.py)."""

from shared_apps.foundation.codes import ErrorCode


class AutomationCode(ErrorCode):
    HOOK_NOT_FOUND = "HOOK_NOT_FOUND", 404, "No such hook."
    RUN_NOT_FOUND = "RUN_NOT_FOUND", 404, "No run ...."
    WEBHOOK_NOT_FOUND = "WEBHOOK_NOT_FOUND", 404, "No webhook ...."
    WORKFLOW_NOT_FOUND = "WORKFLOW_NOT_FOUND", 404, "No workflow ...."
