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
