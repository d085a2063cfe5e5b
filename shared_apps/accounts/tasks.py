"""Thin Celery shells for account e-mail (sent with retries, after the registering transaction commits)."""

from typing import Any

from django.db import transaction

from shared_apps.foundation.tasks import platform_task

from .emails import membership_email_send, welcome_email_send


@platform_task(name="accounts.send_welcome_email")
def send_welcome_email(self: Any, user_id: int) -> bool:
    return welcome_email_send(user_id=user_id)


@platform_task(name="accounts.send_membership_email")
def send_membership_email(self: Any, user_id: int, place: str, role: str) -> bool:
    return membership_email_send(user_id=user_id, place=place, role=role)


def membership_email_on_commit(*, user_id: int, place: str, role: str) -> None:
    """Queue the invitation e-mail once the membership is committed."""
    transaction.on_commit(lambda: send_membership_email.delay(user_id, place, role))
