"""Outgoing webhooks: their URL, events and secret."""

import secrets
from typing import Any

from django.db import transaction

from shared_apps.foundation.exceptions import ValidationFailed
from tenant_apps.data_schemas.definitions import definitions_changed

from ..models import Webhook
from ..outbound import url_errors, url_masked
from ..selectors import webhook_get
from .workflows import Errors, _events_errors, table_named


def _webhook_fields(*, table: Any, events: Any, url: Any, name: Any, partial: bool) -> dict[str, Any]:
    errors: Errors = {}
    values: dict[str, Any] = {}
    if not partial or table is not None:
        found = table_named(table, "table", errors)
        if found is not None:
            values["table_id"] = found.id
    if not partial or events is not None:
        errors.update(_events_errors(events, "events"))
        values["events"] = events
    if not partial or url is not None:
        problems = url_errors(url) or (["Placeholders are not allowed here."] if "{{" in str(url) else [])
        if problems:
            errors["url"] = problems
        values["url"] = url
    if name is not None:
        if not isinstance(name, str) or len(name) > 150:
            errors["name"] = ["At most 150 characters."]
        values["name"] = name
    if errors:
        raise ValidationFailed("Invalid webhook.", fields=errors)
    return values


def webhook_secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@transaction.atomic
def webhook_create(*, table: Any, events: Any, url: Any, name: Any = "", active: bool = True) -> Webhook:
    values = _webhook_fields(table=table, events=events, url=url, name=name or "", partial=False)
    webhook = Webhook.objects.create(**values, active=active, secret=webhook_secret_new())
    definitions_changed()
    return webhook


@transaction.atomic
def webhook_update(
    *,
    webhook_id: int,
    table: Any = None,
    events: Any = None,
    url: Any = None,
    name: Any = None,
    active: bool | None = None,
    rotate_secret: bool = False,
) -> Webhook:
    """Change a webhook; enabling it again clears the failure count and the reason it was disabled."""
    webhook = Webhook.objects.select_for_update().filter(pk=webhook_get(webhook_id=webhook_id).pk).get()
    if isinstance(url, str) and url != webhook.url and url == url_masked(webhook.url):
        url = webhook.url  # the masked URL sent back unchanged: the query-string secrets are kept
    for key, value in _webhook_fields(table=table, events=events, url=url, name=name, partial=True).items():
        setattr(webhook, key, value)
    if active is not None:
        if active and not webhook.active:
            webhook.consecutive_failures, webhook.disabled_reason, webhook.disabled_at = 0, "", None
        webhook.active = active
    if rotate_secret:
        webhook.secret = webhook_secret_new()
    webhook.save()
    definitions_changed()
    return webhook


@transaction.atomic
def webhook_delete(*, webhook_id: int) -> None:
    webhook_get(webhook_id=webhook_id).delete()
    definitions_changed()
