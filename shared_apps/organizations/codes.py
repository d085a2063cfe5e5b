"""Error codes of organizations (see shared_apps/foundation/codes.py)."""

from shared_apps.foundation.codes import ErrorCode


class OrganizationsCode(ErrorCode):
    ALREADY_MEMBER = "ALREADY_MEMBER", 409, "The account is a member already."
    LAST_OWNER = "LAST_OWNER", 409, "An organization must keep at least one owner."
    USER_NOT_FOUND = "USER_NOT_FOUND", 404, "No account has this e-mail."
