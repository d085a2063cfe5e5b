"""A generic name -> instance registry (field types, filter operators, aggregations, automation steps, ...).

Apps fill their registries in `AppConfig.ready()`; lookups of unknown names raise `LookupError` so callers can turn
them into a clear 400 naming the unknown entry.
"""

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> T:
        """Add `item` under `name`; registering a name twice is a programming error."""
        if name in self._items:
            raise ValueError(f"{self.kind} '{name}' is already registered.")
        self._items[name] = item
        return item

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise LookupError(f"Unknown {self.kind} '{name}'.") from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def names(self) -> list[str]:
        return sorted(self._items)

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._items.items())
