"""Who listens to record events. Apps register a `Subscriber` in `AppConfig.ready()` (automation does).

`interests` runs when a project's table definitions are loaded (tenant_apps/data_schemas/definitions.py, in the
project's schema): it says which event kinds of each table anyone listens to. The answer is cached with the
definitions, so writes nobody listens to cost nothing and write no outbox row; a subscriber whose answer changes
calls `definitions_changed()` in the transaction that changes it (as table and field changes do).
`accept` runs while the event row is locked: it creates its work rows idempotently (a unique key per event) and
returns the publishers to call after that transaction commits.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from shared_apps.foundation.registry import Registry

if TYPE_CHECKING:
    from .models import OutboxEvent

Publisher = Callable[[], None]


class Subscriber(Protocol):
    def interests(self) -> dict[int, set[str]]: ...

    def accept(self, *, event: "OutboxEvent") -> list[Publisher]: ...


subscribers: Registry[Subscriber] = Registry("event subscriber")


def interested_kinds_by_table() -> dict[int, frozenset[str]]:
    """{table id: event kinds someone listens to} for the current schema (tables nobody listens to are absent)."""
    kinds: dict[int, set[str]] = {}
    for _, subscriber in subscribers.items():
        for table_id, wanted in subscriber.interests().items():
            kinds.setdefault(table_id, set()).update(wanted)
    return {table_id: frozenset(wanted) for table_id, wanted in kinds.items() if wanted}
