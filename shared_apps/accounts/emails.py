"""Account e-mails, through Django's e-mail backend (console locally, SMTP from EMAIL_URL in production)."""

from django.conf import settings
from django.core.mail import send_mail

from .models import User


def welcome_email_send(*, user_id: int) -> bool:
    """Send the welcome e-mail; False when the user no longer exists. Connection errors propagate (task retries)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    send_mail(
        subject="Welcome to NoCode Backend",
        message=(
            f"Hello {user.name or user.email},\n\n"
            f"your account is ready. Sign in at http://{settings.BASE_DOMAIN}/api/v1/auth/login/ and create an "
            "organization and your first project.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True


def membership_email_send(*, user_id: int, place: str, role: str) -> bool:
    """Tell a user they were added to an organization or project ("organization acme", "project shop")."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    send_mail(
        subject=f"You were added to {place}",
        message=(
            f"Hello {user.name or user.email},\n\nyou were added to {place} as {role}. Sign in at "
            f"http://{settings.BASE_DOMAIN}/api/v1/auth/login/ to start.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True
