"""Destructive operations repeat the name of what they destroy (`?confirm=<name>` in the API, a typed name in the
consoles)."""

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import ValidationFailed


def confirmation_require(*, confirm: str | None, name: str, what: str, loses: str) -> None:
    """Raise ValidationFailed (CONFIRMATION_REQUIRED) unless `confirm` is `name`; `loses` says what goes with it."""
    if confirm != name:
        raise ValidationFailed(
            f"Deleting a {what} needs an explicit confirmation.",
            code=CommonCode.CONFIRMATION_REQUIRED,
            fields={"confirm": [f"Pass confirm={name} to delete this {what} and {loses}."]},
        )
