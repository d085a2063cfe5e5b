"""Thin Celery shells for account e-mail (sent with retries, after the registering transaction commits)."""

from typing import Any

from shared_apps.foundation.tasking import platform_task

from .emails import welcome_email_send


@platform_task(name="accounts.send_welcome_email")
def send_welcome_email(self: Any, user_id: int) -> bool:
    return welcome_email_send(user_id=user_id)
