"""Request input checks shared by every API view: bodies through input serializers, query parameters by name.

Unknown body keys and unknown query parameters are refused (400 in the one error shape): a typo must never be
silently ignored.
"""

from collections.abc import Iterable
from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import ValidationFailed

UNKNOWN_KEY = "Unknown key."
UNKNOWN_PARAMETER_CODE = CommonCode.UNKNOWN_PARAMETER


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """Validate request data with an input serializer; raise DRF ValidationError (400, one shape) on failure,
    naming unknown keys together with the other problems."""
    serializer = serializer_class(data=data)
    unknown = sorted(set(data) - set(serializer.fields)) if isinstance(data, dict) else []
    if not serializer.is_valid() or unknown:
        errors: dict[str, Any] = dict(serializer.errors) if serializer.errors else {}
        errors.update({key: [UNKNOWN_KEY] for key in unknown})
        raise serializers.ValidationError(errors)
    return dict(serializer.validated_data)


def query_params_check(request: Request, allowed: Iterable[str]) -> None:
    """400 UNKNOWN_PARAMETER naming every query parameter of `request` not in `allowed`."""
    known = set(allowed)
    unknown = sorted(name for name in request.query_params if name not in known)
    if unknown:
        hint = f"Known: {', '.join(sorted(known))}." if known else "This endpoint takes no query parameters."
        raise ValidationFailed(
            f"Unknown query parameter(s): {', '.join(unknown)}.",
            code=UNKNOWN_PARAMETER_CODE,
            fields={name: [f"Unknown query parameter. {hint}"] for name in unknown},
        )
