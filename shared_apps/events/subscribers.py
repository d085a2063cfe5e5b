"""Who listens to record events. Apps register a `Subscriber` in `AppConfig.ready()` (automation does).

`interest` runs on the write path (inside the writing transaction, in the project's schema): it says which event
kinds of a table anyone listens to, so writes nobody listens to cost one small query and no outbox row.
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
    def interest(self, *, table_id: int) -> set[str]: ...

    def accept(self, *, event: "OutboxEvent") -> list[Publisher]: ...


subscribers: Registry[Subscriber] = Registry("event subscriber")


def interested_kinds(*, table_id: int) -> set[str]:
    kinds: set[str] = set()
    for _, subscriber in subscribers.items():
        kinds |= subscriber.interest(table_id=table_id)
    return kinds
