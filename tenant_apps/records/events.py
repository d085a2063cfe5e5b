"""Record events: the records write services call `record_changes` once per write, inside the write's transaction.

Writes to a table nobody listens to (no active workflow or webhook for that event) cost nothing and write nothing:
who listens is part of the cached table definition (`TableDef.listens`). Otherwise the changed records are read as
the API shows them (before a delete, after a create/update) and stored in the transactional outbox
(shared_apps/events), which triggers workflows and webhooks after the commit.
"""

from collections.abc import Iterable

from shared_apps.events.services import event_record
from tenant_apps.data_schemas.definitions import TableDef

from .selectors import records_by_ids


def record_changes(
    table: TableDef, *, created: Iterable[int] = (), updated: Iterable[int] = (), deleted: Iterable[int] = ()
) -> None:
    """Record created/updated/deleted events of `table` (call before the rows of `deleted` are deleted)."""
    changes = {"created": list(created), "updated": list(updated), "deleted": list(deleted)}
    wanted = {kind for kind, ids in changes.items() if ids}
    if not wanted:
        return
    kinds = table.listens & wanted
    for kind in ("created", "updated", "deleted"):
        if kind not in kinds:
            continue
        ids = list(dict.fromkeys(changes[kind]))
        event_record(
            table_id=table.id,
            table_name=table.name,
            kind=kind,
            record_ids=ids,
            records=records_by_ids(table=table, ids=ids),
        )
