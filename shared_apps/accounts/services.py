"""Writes for accounts."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from shared_apps.accounts.codes import AccountsCode
from shared_apps.foundation.exceptions import Conflict, ValidationFailed

from .models import User


@transaction.atomic
def user_create(
    *, email: str, password: str, name: str = "", is_staff: bool = False, is_superuser: bool = False
) -> User:
    """Create an active user (platform staff with `is_staff`, every console permission with `is_superuser`).
    Raises ValidationFailed (bad e-mail/password) or Conflict (e-mail taken)."""
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except DjangoValidationError:
        errors["email"] = ["Enter a valid e-mail address."]
    try:
        validate_password(password, user=User(email=email, name=name))
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed("Invalid registration.", fields=errors)
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            "An account with this e-mail already exists.", code=AccountsCode.EMAIL_TAKEN, fields={"email": ["Taken."]}
        )
    user = User(email=email, name=name.strip(), is_staff=is_staff, is_superuser=is_superuser)
    user.set_password(password)
    user.save()
    return user


def user_register(*, email: str, password: str, name: str = "") -> User:
    """Create an account and send the welcome e-mail once the account is committed."""
    from .tasks import send_welcome_email

    with transaction.atomic():
        user = user_create(email=email, password=password, name=name)
        transaction.on_commit(lambda: send_welcome_email.delay(user.pk))
    return user
