"""Rebuild every user table's search index with the document split at @ . / : - (ddl.search_vector_sql).

Searches use the new expression right away; until its index is rebuilt a table is searched without an index, so
this migration rebuilds them all, through the DDL chokepoint, in each project's schema.
"""

from typing import Any

from django.db import migrations

SEARCHABLE_TYPES = ("text", "long_text", "email", "url")  # as of this migration (search_index.SEARCHABLE_TYPES)


def rebuild_search_indexes(apps: Any, schema_editor: Any) -> None:
    from shared_apps.foundation.db import ddl
    from tenant_apps.data_schemas import naming
    from tenant_apps.data_schemas.search_index import search_index_name

    table_model = apps.get_model("data_schemas", "Table")
    field_model = apps.get_model("data_schemas", "Field")
    with schema_editor.connection.cursor() as cursor:
        for table in table_model.objects.order_by("id"):
            columns = list(
                field_model.objects.filter(table_id=table.id, type__in=SEARCHABLE_TYPES)
                .order_by("id")
                .values_list("name", flat=True)
            )
            name = search_index_name(table.id)
            ddl.index_drop(cursor=cursor, name=name)
            if columns:
                ddl.search_index_create(
                    cursor=cursor, table=naming.physical_table(table.name), name=name, columns=columns
                )


class Migration(migrations.Migration):
    dependencies = [("data_schemas", "0001_initial")]

    operations = [migrations.RunPython(rebuild_search_indexes, migrations.RunPython.noop)]
