"""Error codes of accounts (see shared_apps/foundation/codes.py)."""

from shared_apps.foundation.codes import ErrorCode


class AccountsCode(ErrorCode):
    EMAIL_TAKEN = "EMAIL_TAKEN", 409, "An account with this e-mail already exists."
